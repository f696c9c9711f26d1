// Search (investigator): plate (exact or confusable), time range, cameras; a purpose from the
// fixed list (GET /api/v1/search/purposes) and a case number are required before any request
// is sent. Answers the reads (POST /api/v1/search/reads) and the vehicle's movement timeline
// (POST /api/v1/search/timeline), drawn on an SVG map of the cameras' coordinates (no tiles).
// The plate travels only in the request bodies.
import {api} from '../api.js';
import {h, svg, message, table, field, orDash} from '../dom.js';

/** "2026-11-29T20:55" (a datetime-local value read as UTC) → RFC 3339, or null. */
function utc(v) {
  return v ? new Date(`${v}Z`).toISOString() : null;
}

/** The SVG map: cameras at their coordinates, the path in time order, numbered stops. */
export function timelineMap(points) {
  const located = points.filter((p) => typeof p.latitude === 'number' && typeof p.longitude === 'number');
  const W = 640;
  const H = 400;
  const pad = 40;
  const map = svg('svg', {viewBox: `0 0 ${W} ${H}`, class: 'map', id: 'timeline-map', role: 'img',
    'aria-label': 'Cameras the vehicle passed, on a plan of camera positions'});
  map.append(svg('rect', {x: 0, y: 0, width: W, height: H, class: 'map-bg'}));
  if (!located.length) {
    map.append(svg('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'map-note'},
      'No camera positions to draw'));
    return map;
  }
  const lats = located.map((p) => p.latitude);
  const lons = located.map((p) => p.longitude);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const kx = Math.cos((midLat * Math.PI) / 180);  // equirectangular: shrink longitude
  const xs = lons.map((x) => x * kx);
  const x0 = Math.min(...xs);
  const y1 = Math.max(...lats);
  const span = Math.max(Math.max(...xs) - x0, y1 - Math.min(...lats), 1e-6);
  const scale = Math.min(W - 2 * pad, H - 2 * pad) / span;
  const at = (p) => [pad + (p.longitude * kx - x0) * scale, pad + (y1 - p.latitude) * scale];
  // The path in time order.
  map.append(svg('polyline', {class: 'map-path',
    points: located.map((p) => at(p).map((v) => v.toFixed(1)).join(',')).join(' ')}));
  // One marker per camera, labelled with its id and the stop numbers.
  const cams = new Map();
  located.forEach((p, i) => {
    const c = cams.get(p.camera) || {p, stops: []};
    c.stops.push(i + 1);
    cams.set(p.camera, c);
  });
  for (const [id, c] of cams) {
    const [x, y] = at(c.p);
    map.append(svg('g', {class: 'map-camera', 'data-camera': id},
      svg('circle', {cx: x.toFixed(1), cy: y.toFixed(1), r: 7}),
      svg('text', {x: (x + 10).toFixed(1), y: (y - 8).toFixed(1)},
        `${c.p.camera_name || id} · ${c.stops.join(', ')}`)));
  }
  // A 1 km scale bar (1° latitude ≈ 111.32 km).
  const km = scale / 111.32;
  if (km > 4 && km < W) {
    map.append(svg('line', {x1: pad, y1: H - 15, x2: (pad + km).toFixed(1), y2: H - 15, class: 'map-scale'}),
      svg('text', {x: pad, y: H - 20, class: 'map-note'}, '1 km'));
  }
  return map;
}

export async function render(root) {
  const {purposes} = await api('GET', '/api/v1/search/purposes');
  const plate = h('input', {id: 'plate', name: 'plate', autocomplete: 'off', spellcheck: 'false',
    maxlength: '24', required: true});
  const match = h('select', {id: 'match', name: 'match'},
    h('option', {value: 'exact'}, 'Exact'), h('option', {value: 'confusable'}, 'Confusable (0/O, 1/I, 8/B …)'));
  const from = h('input', {id: 'from', type: 'datetime-local'});
  const to = h('input', {id: 'to', type: 'datetime-local'});
  const cameras = h('input', {id: 'cameras', placeholder: 'cam-01, cam-02 (empty: all)'});
  const purpose = h('select', {id: 'purpose', name: 'purpose', required: true},
    h('option', {value: ''}, '— choose the purpose —'),
    purposes.map((p) => h('option', {value: p.code}, `${p.code} — ${p.meaning}`)));
  const caseNo = h('input', {id: 'case-number', name: 'case_number', maxlength: '64', required: true});
  const status = h('div', {class: 'status', id: 'search-status', 'aria-live': 'polite'});
  const results = h('div', {id: 'search-results'});
  const form = h('form', {class: 'card search', id: 'search-form', novalidate: true},
    h('div', {class: 'grid'},
      field('Plate', plate), field('Match', match),
      field('From (UTC)', from), field('To (UTC)', to),
      field('Cameras', cameras),
      field('Purpose (required)', purpose), field('Case number (required)', caseNo)),
    h('p', {class: 'hint'}, 'Every search is written to the audit log with its purpose and case number.'),
    h('button', {type: 'submit', id: 'search-submit', class: 'primary'}, 'Search'));
  root.append(h('h1', {id: 'page-title'}, 'Search'), form, status, results);

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    results.replaceChildren();
    if (!purpose.value || !caseNo.value.trim()) {
      status.replaceChildren(message('error',
        'State the purpose of this search and its case number first: nothing is searched without them.'));
      (purpose.value ? caseNo : purpose).focus();
      return;
    }
    if (!plate.value.trim()) {
      status.replaceChildren(message('error', 'Enter a plate.'));
      return;
    }
    const body = {plate: plate.value.trim(), match: match.value,
      purpose: purpose.value, case_number: caseNo.value.trim()};
    if (from.value) body.from = utc(from.value);
    if (to.value) body.to = utc(to.value);
    const camList = cameras.value.split(/[\s,]+/).filter(Boolean);
    status.replaceChildren(message('info', 'Searching…'));
    try {
      const reads = await api('POST', '/api/v1/search/reads',
        camList.length ? {...body, cameras: camList} : body);
      const tl = await api('POST', '/api/v1/search/timeline', body);
      status.replaceChildren(message('ok', `${reads.count} read(s)${reads.truncated ? ' (limit reached)' : ''}; ` +
        `timeline of ${tl.count} point(s) for ${tl.plate}.`));
      results.replaceChildren(
        h('h2', {}, 'Timeline'),
        tl.points.length
          ? h('div', {class: 'columns'},
            h('ol', {class: 'timeline', id: 'timeline'}, tl.points.map((p) => h('li', {},
              h('time', {}, p.read_at), ' ', h('span', {class: 'plate'}, p.text), ' at ',
              h('b', {}, p.camera_name || p.camera), p.site ? ` (${p.site})` : ''))),
            timelineMap(tl.points))
          : message('info', 'No movement recorded for this plate in this range.'),
        h('h2', {}, 'Reads'),
        reads.results.length
          ? table(['Time (UTC)', 'Plate', 'Camera', 'Confidence', 'Violation', 'Files'],
            reads.results.map((r) => [r.read_at, h('span', {class: 'plate'}, r.text), r.camera,
              typeof r.confidence === 'number' ? r.confidence.toFixed(2) : '—',
              r.violation ? 'yes' : 'no', orDash(r.files.join(', '))]), {id: 'reads'})
          : message('info', 'No reads match.'));
    } catch (e) {
      status.replaceChildren(message('error', `Search refused: ${e.message}`));
    }
  });
}
