// Live view: plate reads, violations and hotlist hits as the server streams them
// (GET /api/v1/events, server-sent events), newest first; camera health
// (GET /api/v1/cameras/health), kept current by the stream's `camera_health` events.
// Degrades to a message when the stream route is absent or refused.
import {api, apiFetch, sessionEnded, ApiError} from '../api.js';
import {h, message, table, orDash} from '../dom.js';

const KEEP = 100;  // events shown at most

/** Parses a text/event-stream body, calling onEvent(type, data) per event. */
async function readEvents(res, onEvent, signal) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let type = 'message';
  let data = [];
  while (!signal.aborted) {
    const {value, done} = await reader.read();
    if (done) return;
    buf += decoder.decode(value, {stream: true});
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).replace(/\r$/, '');
      buf = buf.slice(nl + 1);
      if (line === '') {
        if (data.length) onEvent(type, data.join('\n'));
        type = 'message';
        data = [];
      } else if (line.startsWith('event:')) {
        type = line.slice(6).trim();
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  }
}

/** One event of the stream (server/live_feeds.cpp) as table cells. */
function describe(type, d) {
  const kind = {violation: 'Violation', hotlist_hit: 'Hotlist hit', plate_read: 'Plate read'}[type] || type;
  let detail = d.kind || d.violation_kind || null;
  if (type === 'hotlist_hit') {
    const lists = Array.isArray(d.lists) ? d.lists.map((l) => `${l.list}: ${l.reason}`).join('; ') : '';
    detail = [lists, d.rule ? `match ${d.rule}` : '', d.read && d.read !== d.plate ? `read ${d.read}` : '']
      .filter(Boolean).join(' · ');
  }
  return {
    kind,
    time: d.time || d.read_at || d.received_at || null,
    camera: d.camera || d.camera_id || null,
    plate: d.plate || d.text || null,
    detail,
  };
}

const HEALTH_HEADINGS = ['Camera', 'Name', 'Site', 'State', 'Last upload (UTC)', 'Last frame (UTC)',
  'Last event', 'Reconnects (24 h)', 'Clock offset', 'Frames in / dropped'];

/** A signed clock offset in milliseconds, e.g. "+1985 ms". */
function offsetText(ms) {
  if (ms === null || ms === undefined) return '—';
  return `${ms > 0 ? '+' : ''}${ms} ms`;
}

/** One camera's row of the health table (a GET /api/v1/cameras/health entry). */
function healthRow(c) {
  const attrs = {'data-camera': c.camera, class: c.online ? 'online' : 'offline'};
  if (c.clock_offset_ms !== null && c.clock_offset_ms !== undefined) attrs['data-offset-ms'] = String(c.clock_offset_ms);
  const event = c.last_event ? `${c.last_event.event} at ${c.last_event.time}` : null;
  const frames = c.frames_in === null || c.frames_in === undefined ? null
    : `${c.frames_in} / ${orDash(c.frames_dropped)}`;
  return h('tr', attrs, [c.camera, orDash(c.name), orDash(c.site_id), c.online ? 'online' : 'offline',
    orDash(c.last_record_at), orDash(c.last_frame_at), orDash(event), String(c.reconnects_24h ?? 0),
    offsetText(c.clock_offset_ms), orDash(frames)].map((t) => h('td', {}, t)));
}

export async function render(root) {
  const status = h('div', {class: 'status', id: 'live-status'}, message('info', 'Connecting to the event stream…'));
  const tbody = h('tbody', {});
  const events = h('table', {class: 'events', id: 'live-events'},
    h('thead', {}, h('tr', {}, ['Received', 'Event', 'Time (UTC)', 'Camera', 'Plate', 'Detail']
      .map((t) => h('th', {scope: 'col'}, t)))), tbody);
  const health = h('div', {id: 'camera-health'});
  root.append(h('h1', {id: 'page-title'}, 'Live'), status,
    h('h2', {}, 'Events'), events, h('h2', {}, 'Cameras'), health);

  const controller = new AbortController();
  let onHealth = () => {};  // set once the health table exists
  const add = (type, raw) => {
    let d;
    try { d = JSON.parse(raw); } catch { return; }
    if (!d || typeof d !== 'object') return;
    if (type === 'camera_health') {
      onHealth(d);
      return;
    }
    if (type === 'end') {
      status.replaceChildren(message('error', `The stream ended: ${d.reason || 'closed by the server'}.`));
      return;
    }
    if (type === 'dropped') {
      tbody.prepend(h('tr', {}, h('td', {colspan: '6', class: 'hint'},
        `${d.count} event(s) were not delivered (this view fell behind).`)));
      return;
    }
    const e = describe(type, d);
    const row = h('tr', {class: `ev-${type.replace(/[^a-z_]/g, '')}`},
      h('td', {}, new Date().toISOString().slice(11, 19)), h('td', {}, e.kind),
      h('td', {}, orDash(e.time)), h('td', {}, orDash(e.camera)),
      h('td', {class: 'plate'}, orDash(e.plate)), h('td', {}, orDash(e.detail)));
    tbody.prepend(row);
    while (tbody.children.length > KEEP) tbody.lastElementChild.remove();
  };

  (async () => {
    let delay = 2000;
    while (!controller.signal.aborted) {
      try {
        const res = await apiFetch('/api/v1/events', controller.signal);
        if (res.status === 404) {
          status.replaceChildren(message('info', 'This server has no live event stream ' +
            '(GET /api/v1/events is not available). Events cannot be shown here.'));
          return;
        }
        if (res.status === 403) {
          status.replaceChildren(message('info', 'Your role does not receive the live event stream.'));
          return;
        }
        if (res.status === 401) {
          sessionEnded();  // the console shows the login page and says why
          return;
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        status.replaceChildren(message('ok', 'Connected: new events appear at the top.'));
        delay = 2000;
        await readEvents(res, add, controller.signal);
        if (!controller.signal.aborted) status.replaceChildren(message('info', 'The stream closed; reconnecting…'));
      } catch (e) {
        if (controller.signal.aborted) return;
        status.replaceChildren(message('error', `The event stream failed (${e.message}); retrying…`));
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30000);
    }
  })();

  // Camera health (GET /api/v1/cameras/health), each row replaced by the stream's
  // `camera_health` events as health records arrive.
  try {
    const {cameras, online_window_seconds: windowSeconds} = await api('GET', '/api/v1/cameras/health');
    if (!cameras.length) {
      health.append(message('info', 'No cameras are registered.'));
    } else {
      const rows = new Map();
      const hbody = h('tbody', {});
      for (const c of cameras) {
        const tr = healthRow(c);
        rows.set(c.camera, {tr, known: c});
        hbody.append(tr);
      }
      health.append(h('table', {class: 'cameras', id: 'camera-health-table'},
        h('thead', {}, h('tr', {}, HEALTH_HEADINGS.map((t) => h('th', {scope: 'col'}, t)))), hbody),
      h('p', {class: 'hint'}, `Online: an upload within the last ${windowSeconds} s (3 heartbeats). ` +
        'Clock offset: the camera\'s clock minus the server\'s at its latest upload, coarse ' +
        '(± network latency); positive means the camera is ahead.'));
      onHealth = (d) => {
        const entry = rows.get(d.camera);
        if (!entry) return;  // a camera registered after this page was opened
        const merged = {...entry.known, ...d};
        const tr = healthRow(merged);
        entry.tr.replaceWith(tr);
        rows.set(d.camera, {tr, known: merged});
      };
    }
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    health.append(message('info', e instanceof ApiError && e.status === 403
      ? 'Your role does not see camera health.' : `Camera health is unavailable (${e.message}).`));
  }
  return () => controller.abort();
}
