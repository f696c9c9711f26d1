// Browser tests of the operator web console (issue 7): playwright-core drives Debian's
// chromium against a real `roadwarden server`. Run by CTest (tests/CMakeLists.txt):
//   node tests/browser/console.test.mjs BUILD/src/cli/roadwarden SCREENSHOT_DIR
// Needs /usr/bin/chromium (or ROADWARDEN_CHROMIUM) and tests/browser/node_modules
// (`npm ci` in tests/browser); scripts/setup installs both. docs/web-console.md.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {TestServer, healthRecord, plateRecord} from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const [binary, shotDir = path.join(os.tmpdir(), 'roadwarden-screenshots')] = process.argv.slice(2);
const chromiumPath = process.env.ROADWARDEN_CHROMIUM || '/usr/bin/chromium';

function die(msg) {
  console.error(`browser tests: ${msg}`);
  process.exit(1);
}
if (!binary || !fs.existsSync(binary)) die(`usage: node console.test.mjs ROADWARDEN_BINARY [SCREENSHOT_DIR] (got ${binary})`);
if (!fs.existsSync(chromiumPath)) {
  die(`no Chromium at ${chromiumPath}: install Debian's chromium (scripts/setup does) or set ROADWARDEN_CHROMIUM`);
}
let chromium;
try {
  ({chromium} = await import('playwright-core'));
} catch (e) {
  die(`playwright-core is missing (${e.message}): run \`npm ci\` in tests/browser (scripts/setup does)`);
}

const PLATE = '01A123BC';
const FRAME = fs.readFileSync(path.join(here, '..', '..', 'examples', 'images', 'uz-private-01A123BC.jpg'));
const CROP = fs.readFileSync(path.join(here, 'fixtures', 'plate-01A123BC.jpg'));
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
  "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Every API route of docs/server-api.md with a concrete path (and the SSE stream). */
const API_ROUTES = [
  ['POST', '/api/v1/logout'], ['GET', '/api/v1/me'], ['GET', '/api/v1/users'], ['POST', '/api/v1/users'],
  ['PUT', '/api/v1/users/root/role'], ['POST', '/api/v1/users/root/disable'],
  ['POST', '/api/v1/users/root/enable'], ['POST', '/api/v1/users/root/reset'], ['GET', '/api/v1/sites'],
  ['PUT', '/api/v1/sites/site-1'], ['GET', '/api/v1/cameras'], ['PUT', '/api/v1/cameras/cam-01'],
  ['GET', '/api/v1/devices'], ['POST', '/api/v1/devices'], ['POST', '/api/v1/devices/00ff/revoke'],
  ['POST', '/api/v1/ingest/records'], ['GET', '/api/v1/search/purposes'], ['POST', '/api/v1/search/reads'],
  ['POST', '/api/v1/search/timeline'], ['POST', `/api/v1/evidence/${'0'.repeat(32)}/frame.jpg`],
  ['GET', '/api/v1/review/queue'], ['POST', `/api/v1/review/${'0'.repeat(32)}`],
  ['POST', `/api/v1/citations/${'0'.repeat(32)}`], ['GET', '/api/v1/audit'], ['GET', '/api/v1/audit/verify'],
  ['GET', '/api/v1/stats/transparency'], ['GET', '/api/v1/events'], ['GET', '/api/v1/hotlists'],
  ['GET', '/api/v1/no-such-route'],
];

let server;
let browser;
let adminToken;
let dev1;  // the camera agent of cam-01 (its enrolment answer)
const people = {};
const violations = [];
const cspViolations = [];

before(async () => {
  fs.mkdirSync(shotDir, {recursive: true});
  server = await TestServer.start(binary, 'second_review = true\n');  // two-person confirmation
  adminToken = await server.login(server.root);
  await server.call(adminToken, 'PUT', '/api/v1/sites/site-1', {name: 'Chilonzor junction', timezone: 'Asia/Tashkent'});
  await server.call(adminToken, 'PUT', '/api/v1/cameras/cam-01',
    {site_id: 'site-1', name: 'Bunyodkor north', latitude: 41.2856, longitude: 69.2034});
  await server.call(adminToken, 'PUT', '/api/v1/cameras/cam-02',
    {site_id: 'site-1', name: 'Chilonzor 5 east', latitude: 41.2731, longitude: 69.2148});
  dev1 = await server.call(adminToken, 'POST', '/api/v1/devices', {camera_id: 'cam-01'});
  const dev2 = await server.call(adminToken, 'POST', '/api/v1/devices', {camera_id: 'cam-02'});
  people.reviewer = await server.addPerson(adminToken, 'rita', 'reviewer');
  people.supervisor = await server.addPerson(adminToken, 'sam', 'supervisor');
  people.investigator = await server.addPerson(adminToken, 'ivan', 'investigator');
  people.auditor = await server.addPerson(adminToken, 'audrey', 'auditor');

  // What the camera agents upload: the vehicle passes cam-02, runs the red light at cam-01
  // (a violation with its frame and plate crop), then passes cam-02 again; a second,
  // doubtful violation of another car to reject.
  const t0 = Date.now() - 20 * 60 * 1000;
  const files = [{name: 'frame.jpg', type: 'image/jpeg', bytes: FRAME},
    {name: 'plate.jpg', type: 'image/jpeg', bytes: CROP}];
  await server.upload(dev2, plateRecord({kind: 'plate_read', violation: false, camera: 'cam-02',
    text: PLATE, confidence: 0.91, at: t0}), files);
  const v1 = plateRecord({kind: 'violation', violation: true, camera: 'cam-01', text: PLATE,
    confidence: 0.93, at: t0 + 60_000, violationKind: 'red_light'});
  await server.upload(dev1, v1, files);
  await server.upload(dev2, plateRecord({kind: 'plate_read', violation: false, camera: 'cam-02',
    text: PLATE, confidence: 0.88, at: t0 + 300_000}), files);
  const v2 = plateRecord({kind: 'violation', violation: true, camera: 'cam-01', text: '10123ABC',
    confidence: 0.41, at: t0 + 400_000, violationKind: 'red_light'});
  await server.upload(dev1, v2, files);
  violations.push(v1.key, v2.key);

  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Trust exactly this server's certificate (its public key), nothing else.
      `--ignore-certificate-errors-spki-list=${server.spkiPin()}`],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.stop();
});

/** A fresh browser profile context (no cookies) with a page that records CSP violations
 * and every request URL. */
async function newPage() {
  const context = await browser.newContext({viewport: {width: 1280, height: 860}});
  // Waits for a condition, never a timing assertion: generous, because CTest runs this beside
  // other tests and every login is an argon2id check (at most two at once on the server).
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  page.requests = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return page;
}

async function login(page, person, code) {
  await page.goto(`${server.origin}/`);
  await page.fill('#username', person.username);
  await page.fill('#password', person.password);
  await page.fill('#totp', code ?? await person.code());
  await page.click('#login-submit');
}

async function shot(page, name) {
  await page.screenshot({path: path.join(shotDir, `${name}.png`), fullPage: true});
}

/** fetch() from inside the page, with the tab's CSRF token on unsafe methods. */
function pageFetch(page, method, url, body) {
  return page.evaluate(async ([method, url, body]) => {
    const headers = {'Content-Type': 'application/json'};
    const csrf = sessionStorage.getItem('rw_csrf');
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
    const r = await fetch(url, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    return {status: r.status, text: await r.text()};
  }, [method, url, body]);
}

/** Every API route answers 401 with only {"error"} and every page shows only the login. */
async function expectNothingForStranger(page) {
  for (const [method, url] of API_ROUTES) {
    const r = await pageFetch(page, method, url, method === 'GET' ? undefined : {});
    assert.equal(r.status, 401, `${method} ${url} for a logged-out browser: ${r.status} ${r.text}`);
    assert.deepEqual(Object.keys(JSON.parse(r.text)), ['error'], `${method} ${url}`);
  }
  for (const name of ['live', 'review', 'search', 'audit', 'transparency', 'admin']) {
    await page.goto('about:blank');  // a fresh load of the console, not a fragment change
    await page.goto(`${server.origin}/#/${name}`);
    await page.waitForSelector('#login-form');
    assert.equal(await page.isVisible('#topbar'), false, `#/${name}: the navigation is hidden`);
    assert.equal(await page.locator('main section').count(), 1);
    assert.equal(await page.locator('main table').count(), 0, `#/${name} shows no table`);
  }
}

test('a logged-out browser gets the login page and nothing from any page or API call', async () => {
  const page = await newPage();
  const res = await page.goto(`${server.origin}/`);
  const headers = res.headers();
  assert.equal(headers['content-security-policy'], CSP);
  assert.equal(headers['strict-transport-security'], 'max-age=31536000');
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.match(headers.etag, /^"[0-9a-f]{64}"$/);
  await page.waitForSelector('#login-form');
  await expectNothingForStranger(page);
  // An asset path that is not embedded is an unknown path: 401 like any other.
  const missing = await pageFetch(page, 'GET', '/assets/secret.txt');
  assert.equal(missing.status, 401);
  await page.goto(`${server.origin}/`);
  await page.waitForSelector('#login-form');
  await shot(page, 'login');
  await page.context().close();
});

test('login needs the TOTP code: a wrong code is refused with a message, the right one logs in', async () => {
  const page = await newPage();
  await login(page, people.auditor, '000000');
  await page.waitForSelector('.msg-error');
  assert.match(await page.textContent('.msg-error'), /wrong user name, password or code/);
  assert.equal(await page.isVisible('#topbar'), false);
  await page.fill('#password', people.auditor.password);
  await page.fill('#totp', await people.auditor.code());
  await page.click('#login-submit');
  await page.waitForSelector('#audit-chain .msg-ok');
  assert.equal(await page.textContent('#who'), 'audrey (auditor)');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'rw_session');
  assert.ok(session && session.httpOnly && session.secure && session.sameSite === 'Strict', JSON.stringify(cookies));
  assert.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is not readable by scripts');
  await page.context().close();
});

test('a reviewer confirms a violation uploaded by a camera agent, and rejects another with a reason', async () => {
  const page = await newPage();
  await login(page, people.reviewer);
  await page.waitForSelector('#databar');
  assert.equal(await page.getAttribute('article.review', 'data-key'), violations[0]);
  assert.equal(await page.textContent('#review-plate'), PLATE);
  assert.match(await page.textContent('#databar'), /cam-01.*red_light/s);
  // The read's candidates from the signed manifest, with their confidence.
  assert.deepEqual(await page.$$eval('.candidates li', (lis) => lis.map((li) => li.textContent)),
    ['01A123BC 93.0 %', '01A1238C 31.0 %']);
  // Both evidence images arrive through the evidence API as blob: URLs and decode.
  await page.waitForFunction(() => [...document.querySelectorAll('.evidence img')]
    .filter((i) => i.complete && i.naturalWidth > 0).length === 2);
  const srcs = await page.$$eval('.evidence img', (imgs) => imgs.map((i) => i.src));
  assert.ok(srcs.every((s) => s.startsWith('blob:')), srcs.join());
  await shot(page, 'review');

  await page.keyboard.press('c');  // confirm: the first of two reviews (second_review = true)
  await page.waitForFunction(() => /Confirmed/.test(document.querySelector('#review-status').textContent));
  assert.match(await page.textContent('#review-status'), /Confirmed \(first review.*\): 01A123BC/);
  assert.equal(await page.getAttribute('article.review', 'data-key'), violations[1]);
  const early = await pageFetch(page, 'POST', `/api/v1/citations/${violations[0]}`, {format: 'json'});
  assert.equal(early.status, 409, 'no citation before the second review');
  const again = await pageFetch(page, 'POST', `/api/v1/review/${violations[0]}`, {decision: 'confirm'});
  assert.equal(again.status, 409, 'the second review must be made by another person');

  // Reject: "r" asks for the reason first, then rejects.
  await page.waitForFunction(() => document.querySelectorAll('.evidence img').length === 2);
  await page.keyboard.press('r');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'reject-reason');
  await page.keyboard.type('Plate unreadable, another vehicle in the frame');
  await page.click('#reject');
  await page.waitForFunction(() => /Rejected/.test(document.querySelector('#review-status').textContent));
  assert.match(await page.textContent('#review-status'), /Rejected: 10123ABC/);
  assert.match(await page.textContent('#review-item'), /No violations are waiting/);
  const rejected = await pageFetch(page, 'POST', `/api/v1/citations/${violations[1]}`, {format: 'json'});
  assert.equal(rejected.status, 409, 'a rejected violation gives no citation');

  await page.click('#nav >> text=Live');
  await page.waitForSelector('#live-status .msg');
  await page.waitForFunction(() => /Connected/.test(document.querySelector('#live-status').textContent));
  // A violation uploaded now appears in the open live view (the server's event stream).
  await server.upload(dev1, plateRecord({kind: 'violation', violation: true, camera: 'cam-01',
    text: '01B777CC', confidence: 0.9, at: Date.now() - 5000, violationKind: 'red_light'}),
  [{name: 'frame.jpg', type: 'image/jpeg', bytes: FRAME}, {name: 'plate.jpg', type: 'image/jpeg', bytes: CROP}]);
  await page.waitForSelector('#live-events tr.ev-violation');
  assert.match(await page.textContent('#live-events tbody'), /Violation.*cam-01.*01B777CC.*red_light/s);
  // Camera health: every registered camera has a row. cam-01 reports a reconnect and a
  // heartbeat now, its clock 2 s ahead; its row changes through the stream's camera_health
  // events (the offset is only known from the heartbeat's header).
  await page.waitForSelector('#camera-health-table tr[data-camera="cam-02"]');
  await server.upload(dev1, healthRecord('cam-01', {type: 'camera_health', event: 'reconnected',
    time: new Date(Date.now() - 3000).toISOString(), source: 'rtsp://cam-01/stream', detail: '', gap_ms: 4000}), []);
  await server.upload(dev1, healthRecord('cam-01', {type: 'camera_heartbeat', frames_in: 1500,
    frames_dropped: 2, last_frame_at: new Date(Date.now() - 40).toISOString(), reconnects: 1}), [],
  {'X-Roadwarden-Device-Time': new Date(Date.now() + 2000).toISOString()});
  await page.waitForSelector('#camera-health-table tr[data-camera="cam-01"][data-offset-ms]');
  const cam1 = await page.textContent('#camera-health-table tr[data-camera="cam-01"]');
  assert.match(cam1, /online.*reconnected at .*1.*1500 \/ 2/s);
  const offset = Number(await page.getAttribute('#camera-health-table tr[data-camera="cam-01"]', 'data-offset-ms'));
  assert.ok(offset > 0 && offset <= 2000, `clock offset ${offset} ms: the camera is about 2 s ahead`);
  assert.doesNotMatch(await page.textContent('#camera-health'), /not reported/);
  await shot(page, 'live');
  await page.context().close();
});

test('a supervisor makes the second review and the violation is confirmed', async () => {
  const page = await newPage();
  await login(page, people.supervisor);
  await page.waitForSelector('#review-stage');
  assert.equal(await page.getAttribute('article.review', 'data-key'), violations[0]);
  await page.waitForFunction(() => [...document.querySelectorAll('.evidence img')]
    .filter((i) => i.complete && i.naturalWidth > 0).length === 2);
  await page.keyboard.press('c');
  await page.waitForFunction(() => /Confirmed/.test(document.querySelector('#review-status').textContent));
  assert.match(await page.textContent('#review-status'), /^Confirmed: 01A123BC \(red_light\)/);
  const citation = await pageFetch(page, 'POST', `/api/v1/citations/${violations[0]}`, {format: 'json'});
  assert.equal(citation.status, 200, citation.text);
  assert.equal(JSON.parse(citation.text).review.decision, 'confirmed');
  await page.context().close();
});

test('an investigator cannot search without a purpose; with one the timeline and map show', async () => {
  const page = await newPage();
  await login(page, people.investigator);
  await page.waitForSelector('#search-form');
  await page.waitForSelector('#purpose option[value="stolen_vehicle"]', {state: 'attached'});
  await page.fill('#plate', PLATE);
  await page.fill('#case-number', '2026-0042');
  const before = page.requests.length;
  await page.click('#search-submit');
  await page.waitForSelector('#search-status .msg-error');
  assert.match(await page.textContent('#search-status'), /purpose of this search/);
  assert.ok(!page.requests.slice(before).some((u) => u.includes('/api/v1/search/')),
    'no search request is sent without a purpose');
  // The server refuses it as well.
  const refused = await pageFetch(page, 'POST', '/api/v1/search/reads', {plate: PLATE, case_number: '2026-0042'});
  assert.equal(refused.status, 400);
  assert.match(refused.text, /state the purpose of this search/);

  await page.selectOption('#purpose', 'stolen_vehicle');
  await page.click('#search-submit');
  await page.waitForSelector('#timeline li');
  assert.equal(await page.locator('#timeline li').count(), 3);
  assert.match(await page.textContent('#timeline'), /Chilonzor 5 east.*Bunyodkor north.*Chilonzor 5 east/s);
  assert.equal(await page.locator('#timeline-map .map-camera').count(), 2);
  assert.equal(await page.locator('#reads tbody tr').count(), 3);
  // No plate in any URL the console asked for.
  assert.ok(!page.requests.some((u) => u.includes(PLATE)), page.requests.join('\n'));
  assert.ok(!page.url().includes(PLATE));
  await shot(page, 'search');
  await page.context().close();
});

test('the auditor sees that search in the audit log, with an intact chain', async () => {
  const page = await newPage();
  await login(page, people.auditor);
  await page.waitForSelector('#audit-chain .msg-ok');
  assert.match(await page.textContent('#audit-chain'), /Chain intact/);
  await page.selectOption('#audit-action', 'search');
  await page.click('#audit-filters button[type=submit]');
  await page.waitForSelector('#audit-list table');
  const rows = await page.$$eval('#audit-list tbody tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 1, rows.join('\n'));
  assert.match(rows[0], /ivan/);
  assert.match(rows[0], /plate=01A123BC/);
  assert.match(rows[0], /stolen_vehicle/);
  assert.match(rows[0], /2026-0042/);
  await page.selectOption('#audit-action', '');
  await page.click('#audit-filters button[type=submit]');
  await page.waitForSelector('#audit-list table');
  await shot(page, 'audit');
  await page.click('#nav >> text=Transparency');
  await page.waitForSelector('#retention');
  assert.match(await page.textContent('#transparency'), /stolen_vehicle/);
  await shot(page, 'transparency');
  await page.context().close();
});

test('an admin administers users and cameras but cannot reach plate searches', async () => {
  // cam-01's agent reports the rules in force at its start (a site_rules record).
  await server.upload(dev1, healthRecord('cam-01', {type: 'site_rules', cameras: [{camera: 'cam-01',
    rules: [{kind: 'red_light', approach: 'north', config_hash: 'ab12cd34ef56'.repeat(5) + 'abcd',
      config: {grace_ms: 200}}]}]}), []);
  const page = await newPage();
  await login(page, server.root);
  await page.waitForSelector('#users');
  await page.waitForSelector('#rules-in-force');
  assert.match(await page.textContent('#rules-in-force'), /site-1.*cam-01.*red_light.*north.*ab12cd34ef56.*grace_ms/s);
  const nav = await page.textContent('#nav');
  assert.ok(!/Search|Review|Audit/.test(nav), nav);
  assert.match(await page.textContent('#users'), /ivan.*investigator/s);
  assert.match(await page.textContent('#cameras'), /Bunyodkor north/);
  await page.goto(`${server.origin}/#/search`);
  await page.waitForSelector('#users');  // sent back to the admin page
  assert.equal(await page.locator('#search-form').count(), 0);
  for (const url of ['/api/v1/search/reads', '/api/v1/search/timeline']) {
    const r = await pageFetch(page, 'POST', url, {plate: PLATE, purpose: 'stolen_vehicle', case_number: 'x'});
    assert.equal(r.status, 403, `${url} as admin`);
  }
  const purposes = await pageFetch(page, 'GET', '/api/v1/search/purposes');
  assert.equal(purposes.status, 403);
  await shot(page, 'admin');

  // Logging out leaves a browser that gets nothing.
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  assert.match(await page.textContent('.msg-ok'), /logged out/);
  await expectNothingForStranger(page);
  await page.context().close();
});

test('a session ended on the server sends the console back to the login page, saying why', async () => {
  const page = await newPage();
  await login(page, people.reviewer);
  await page.waitForSelector('#review-item');
  // An admin disables the account: every session of it ends at once.
  await server.call(adminToken, 'POST', '/api/v1/users/rita/disable');
  // The console may notice on its own before the click (the review page is still loading the
  // item's evidence images, and those requests now get 401), hiding the navigation; either way
  // it must land on the login page. (A slow run clicked after the navigation was gone and
  // waited for it until the test timed out.)
  const clicked = page.click('#nav >> text=Live', { timeout: 30000 }).catch(() => {});
  await page.waitForSelector('#login-form');
  await clicked;
  assert.match(await page.textContent('.page-login .msg-error'), /Your session has ended/);
  assert.equal(await page.isVisible('#topbar'), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('rw_csrf')), null);
  await page.context().close();
});

test('no page broke its Content-Security-Policy', () => {
  assert.deepEqual(cspViolations, []);
});
