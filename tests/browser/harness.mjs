// The browser tests' harness: a real `roadwarden server` (admin init + server on a free
// port, as tests/integration/server_e2e_test.cpp runs it), an HTTPS client that trusts only
// the server's CA, RFC 6238 TOTP codes, and camera-agent uploads over mutual TLS with the
// enrolled device's client certificate and Ed25519-signed record (docs/edge-upload.md).
import {spawn, spawnSync} from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

/** RFC 4648 base32 (no padding needed) → bytes. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP (HMAC-SHA-1, 6 digits, 30 s) of `secret` (base32) at time step `step`. */
export function totpAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;  // RFC 4226 dynamic truncation
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

/** The current RFC 6238 time step (Unix seconds / 30). */
export function currentStep() {
  return Math.floor(Date.now() / 1000 / 30);
}

/** A person's credentials; code() gives a fresh code each call (the server accepts each
 * step once and ±1 step around now, so a second login in the same 30 s uses the next step). */
export class Person {
  constructor(username, password, totpSecret) {
    Object.assign(this, {username, password, totpSecret, lastStep: 0});
  }

  async code() {
    for (;;) {
      const step = Math.max(currentStep(), this.lastStep + 1);
      if (step <= currentStep() + 1) {
        this.lastStep = step;
        return totpAt(this.totpSecret, step);
      }
      await new Promise((r) => setTimeout(r, 1000));  // every allowed step is used: wait
    }
  }
}

/** A running server: its port, CA and the first admin; stop() ends it. */
export class TestServer {
  /** admin init + server; `extraToml` is appended to server.toml. */
  static async start(binary, extraToml = '') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rw-browser-'));
    const data = path.join(dir, 'data');
    const init = spawnSync(binary, ['admin', 'init', data, '--admin', 'root'], {encoding: 'utf8'});
    if (init.status !== 0) throw new Error(`admin init failed: ${init.stderr}`);
    const password = /Password \(shown once[^)]*\): (\S+)/.exec(init.stdout)?.[1];
    const secret = /secret=([A-Z2-7]+)/.exec(init.stdout)?.[1];
    if (!password || !secret) throw new Error(`admin init printed no credentials:\n${init.stdout}`);
    fs.appendFileSync(path.join(data, 'server.toml'), `port = 0\npurge_interval_seconds = 3600\n${extraToml}`);
    const proc = spawn(binary, ['server', '--data', data], {stdio: ['ignore', 'ignore', 'pipe']});
    let log = '';
    const port = await new Promise((resolve, reject) => {
      proc.stderr.on('data', (chunk) => {
        log += chunk;
        const m = /listening on https:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (code) => reject(new Error(`server exited ${code}:\n${log}`)));
    });
    const s = new TestServer();
    Object.assign(s, {dir, data, proc, port, log: () => log,
      ca: fs.readFileSync(path.join(data, 'tls', 'ca.pem')),
      root: new Person('root', password, secret)});
    return s;
  }

  get origin() {
    return `https://127.0.0.1:${this.port}`;
  }

  /** base64 SHA-256 of the server certificate's public key (Chromium's SPKI pin). */
  spkiPin() {
    const pem = fs.readFileSync(path.join(this.data, 'tls', 'server.pem'), 'utf8');
    const first = pem.slice(0, pem.indexOf('-----END CERTIFICATE-----') + 25);
    const spki = new crypto.X509Certificate(first).publicKey.export({type: 'spki', format: 'der'});
    return crypto.createHash('sha256').update(spki).digest('base64');
  }

  /** One HTTPS request; answers {status, headers, body (Buffer), json()}. */
  request(method, urlPath, {headers = {}, body, cert, key} = {}) {
    // The server refuses chunked bodies from people (411): always send a Content-Length.
    if (body !== undefined) body = Buffer.from(body);
    headers = {...headers, 'Content-Length': body === undefined ? 0 : body.length};
    return new Promise((resolve, reject) => {
      const req = https.request({host: '127.0.0.1', port: this.port, path: urlPath, method,
        ca: this.ca, cert, key, headers, agent: false}, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const buf = Buffer.concat(chunks);
          resolve({status: res.statusCode, headers: res.headers, body: buf,
            json: () => JSON.parse(buf.toString('utf8'))});
        });
      });
      req.on('error', reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** Logs `person` in over the API; answers the bearer token. */
  async login(person) {
    const body = JSON.stringify({username: person.username, password: person.password,
      totp: await person.code()});
    const r = await this.request('POST', '/api/v1/login',
      {headers: {'Content-Type': 'application/json'}, body});
    if (r.status !== 200) throw new Error(`login of ${person.username}: ${r.status} ${r.body}`);
    return r.json().token;
  }

  /** A JSON call with a bearer token; throws unless the status is `expect`. */
  async call(token, method, urlPath, body, expect = [200, 201]) {
    const r = await this.request(method, urlPath, {headers: {Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)});
    if (!expect.includes(r.status)) throw new Error(`${method} ${urlPath}: ${r.status} ${r.body}`);
    return r.json();
  }

  /** As admin: creates a person; answers their Person. */
  async addPerson(token, username, role) {
    const c = await this.call(token, 'POST', '/api/v1/users', {username, role});
    return new Person(username, c.password, c.totp_secret);
  }

  /** Uploads one record as the camera agent `device` (the POST /api/v1/devices answer):
   * mutual TLS with its certificate, the record part signed with its Ed25519 seed;
   * `extraHeaders` are added to the request (e.g. X-Roadwarden-Device-Time). */
  async upload(device, record, files, extraHeaders = {}) {
    const boundary = `--roadwarden-${crypto.randomBytes(8).toString('hex')}`;
    record.files = files.map((f) => ({name: f.name, media_type: f.type, size: f.bytes.length,
      sha256: crypto.createHash('sha256').update(f.bytes).digest('hex')}));
    const recordBytes = Buffer.from(JSON.stringify(record), 'utf8');
    const seed = Buffer.from(device.signing_key, 'hex');
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
    const signingKey = crypto.createPrivateKey({key: pkcs8, format: 'der', type: 'pkcs8'});
    const signature = crypto.sign(null, recordBytes, signingKey).toString('hex');
    const parts = [Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="record"\r\n` +
      'Content-Type: application/json\r\n\r\n'), recordBytes, Buffer.from('\r\n')];
    for (const f of files) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; ` +
        `filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`), f.bytes, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    const body = Buffer.concat(parts);
    const r = await this.request('POST', '/api/v1/ingest/records', {cert: device.cert_pem,
      key: device.key_pem, body, headers: {...extraHeaders, 'Idempotency-Key': record.key,
        'X-Roadwarden-Signature': signature, 'Content-Type': `multipart/form-data; boundary=${boundary}`}});
    if (r.status !== 201) throw new Error(`upload ${record.key}: ${r.status} ${r.body}`);
    return r.json();
  }

  stop() {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    fs.rmSync(this.dir, {recursive: true, force: true});
  }
}

/** RFC 3339 UTC with milliseconds, as the server writes times. */
export function iso(ms) {
  return new Date(ms).toISOString();
}

/** A record of `kind` with a plate read (docs/edge-upload.md, "Record kinds"). */
/** A `health` record of `camera` (docs/edge-upload.md) with `fields` in its metadata. */
export function healthRecord(camera, fields, at = Date.now()) {
  return {key: crypto.randomBytes(16).toString('hex'), kind: 'health', violation: false,
    created: iso(at), metadata: {site: 'site-1', camera, ...fields}};
}

export function plateRecord({kind, violation, camera, text, confidence, at, violationKind}) {
  const read = {camera, text, confidence, best_time: iso(at), first_seen: iso(at - 800),
    last_seen: iso(at + 400), country: 'uz', format: 'uz-private', votes: 7, frames_read: 9,
    candidates: [{text, confidence, format: 'uz-private', corrected: false},
      {text: text.replace('B', '8'), confidence: confidence / 3, format: '', corrected: false}]};
  const metadata = {type: kind, site: 'site-1', timezone: 'Asia/Tashkent', clock_source: 'system', read};
  if (violation) metadata.violation = {kind: violationKind};
  return {key: crypto.randomBytes(16).toString('hex'), kind, violation, created: iso(at + 1000), metadata};
}
