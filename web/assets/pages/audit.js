// Audit (auditor): the hash-chained audit log (GET /api/v1/audit) with action / actor
// filters and paging, and the chain's verification (GET /api/v1/audit/verify).
import {api} from '../api.js';
import {h, message, table, orDash} from '../dom.js';

const ACTIONS = ['', 'login', 'login_failed', 'logout', 'search', 'timeline', 'evidence_view',
  'review_queue', 'review', 'export', 'live_stream', 'hotlist_hit', 'hotlist_import',
  'config_change', 'ingest_refused', 'purge', 'init'];

export async function render(root) {
  const chain = h('div', {id: 'audit-chain'}, message('info', 'Verifying the chain…'));
  const action = h('select', {id: 'audit-action'}, ACTIONS.map((a) => h('option', {value: a}, a || 'any action')));
  const actor = h('input', {id: 'audit-actor', placeholder: 'any actor', autocomplete: 'off'});
  const list = h('div', {id: 'audit-list'});
  const more = h('button', {type: 'button', id: 'audit-more', hidden: true}, 'Next page');
  const form = h('form', {class: 'filters', id: 'audit-filters'},
    h('label', {class: 'field'}, h('span', {class: 'label'}, 'Action'), action),
    h('label', {class: 'field'}, h('span', {class: 'label'}, 'Actor'), actor),
    h('button', {type: 'submit', class: 'primary'}, 'Show'));
  root.append(h('h1', {id: 'page-title'}, 'Audit'), h('h2', {}, 'Chain'), chain,
    h('h2', {}, 'Entries'), form, list, more);

  let after = 0;
  async function page(reset) {
    if (reset) { after = 0; list.replaceChildren(); }
    const q = new URLSearchParams({after: String(after), limit: '100'});
    if (action.value) q.set('action', action.value);
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    try {
      const r = await api('GET', `/api/v1/audit?${q}`);
      after = r.next_after;
      more.hidden = !r.more;
      if (!r.entries.length && reset) list.append(message('info', 'No entries match.'));
      if (r.entries.length) {
        list.append(table(['#', 'Time (UTC)', 'Actor', 'Role', 'Action', 'Target', 'Purpose',
          'Case', 'Results', 'Outcome'], r.entries.map((e) => [e.seq, e.time, e.actor, e.role,
          e.action, h('span', {class: 'target'}, e.target), orDash(e.purpose), orDash(e.case_number),
          orDash(e.result_count), h('span', {class: `outcome-${e.outcome}`}, e.outcome)]), {class: 'audit'}));
      }
    } catch (e) {
      list.append(message('error', `The audit log could not be read: ${e.message}`));
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); page(true); });
  more.addEventListener('click', () => page(false));

  const verify = api('GET', '/api/v1/audit/verify').then((v) => {
    chain.replaceChildren(v.intact
      ? message('ok', `Chain intact: ${v.entries} entries verified.`)
      : message('error', `Chain BROKEN: ${v.problems.length} problem(s) in ${v.entries} entries.`),
    v.problems.length ? table(['Seq', 'Problem'], v.problems.map((p) => [p.seq, p.what])) : null);
  }).catch((e) => chain.replaceChildren(message('error', `Verification failed: ${e.message}`)));
  await Promise.all([page(true), verify]);
}
