// Transparency (auditor, supervisor, admin): aggregate counts over a period and the
// retention settings (GET /api/v1/stats/transparency). No personal data.
import {api} from '../api.js';
import {h, message, table, field} from '../dom.js';

function rows(obj) {
  const entries = Object.entries(obj || {});
  return entries.length ? table(['', 'Count'], entries.map(([k, v]) => [k, v])) : message('info', 'None.');
}

export async function render(root) {
  const from = h('input', {id: 't-from', type: 'date'});
  const to = h('input', {id: 't-to', type: 'date'});
  const out = h('div', {id: 'transparency'});
  const form = h('form', {class: 'filters'}, field('From (UTC)', from), field('To (UTC)', to),
    h('button', {type: 'submit', class: 'primary'}, 'Show'));
  root.append(h('h1', {id: 'page-title'}, 'Transparency'),
    h('p', {class: 'lead'}, 'What this system recorded, searched and deleted: counts only.'), form, out);

  async function show() {
    const q = new URLSearchParams();
    if (from.value) q.set('from', `${from.value}T00:00:00.000Z`);
    if (to.value) q.set('to', `${to.value}T00:00:00.000Z`);
    try {
      const s = await api('GET', `/api/v1/stats/transparency${q.size ? `?${q}` : ''}`);
      const r = s.retention || {};
      out.replaceChildren(
        h('p', {}, `From ${s.from} to ${s.to} (UTC).`),
        h('div', {class: 'tiles'},
          h('div', {class: 'tile'}, h('b', {id: 'stat-reads'}, String(s.plate_reads)), 'plate reads'),
          h('div', {class: 'tile'}, h('b', {}, String(Object.values(s.violations_by_kind || {})
            .reduce((a, b) => a + b, 0))), 'violations'),
          h('div', {class: 'tile'}, h('b', {}, String(Object.values(s.searches_by_purpose || {})
            .reduce((a, b) => a + b, 0))), 'searches'),
          h('div', {class: 'tile'}, h('b', {}, String(s.purged_records)), `records purged in ${s.purges} passes`)),
        h('div', {class: 'columns'},
          h('div', {}, h('h2', {}, 'Violations by kind'), rows(s.violations_by_kind)),
          h('div', {}, h('h2', {}, 'Searches by purpose'), rows(s.searches_by_purpose))),
        h('h2', {}, 'Retention'),
        table(['Setting', 'Value'], [
          ['Plate reads that are not violations are deleted after',
            `${r.non_violation_minutes} minutes (${(r.non_violation_minutes / 60).toFixed(1)} h)`],
          ['Violations are kept for', `${r.violation_hours} hours (${(r.violation_hours / 24).toFixed(0)} days)`],
          ['Retention runs every', `${r.purge_interval_seconds} s`]], {id: 'retention'}));
    } catch (e) {
      out.replaceChildren(message('error', `Statistics could not be read: ${e.message}`));
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); show(); });
  await show();
}
