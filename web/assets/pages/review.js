// Review queue (reviewer, supervisor): one pending violation at a time — evidence images
// side by side (POST /api/v1/evidence/{key}/{file}, shown through blob: URLs), the plate
// crop enlarged, a data bar, the read's candidates and confidence; confirm, or reject with
// a reason (POST /api/v1/review/{key}). Keys: c confirm, r reject, n next.
import {api, apiBlob, ApiError} from '../api.js';
import {h, message, orDash} from '../dom.js';

const IMAGE = /\.(jpe?g|png|webp)$/;

function pct(c) {
  return typeof c === 'number' ? `${(c * 100).toFixed(1)} %` : '—';
}

export async function render(root) {
  const status = h('div', {class: 'status', id: 'review-status', 'aria-live': 'polite'});
  const body = h('div', {id: 'review-item'});
  root.append(h('h1', {id: 'page-title'}, 'Review'),
    h('p', {class: 'hint'}, 'Keys: c confirm · r reject (with a reason) · n next'), status, body);

  let items = [];
  let index = 0;
  let urls = [];
  let busy = false;
  const freeUrls = () => { urls.forEach((u) => URL.revokeObjectURL(u)); urls = []; };

  async function load(note) {
    freeUrls();
    const q = await api('GET', '/api/v1/review/queue?limit=200');
    items = q.items;
    index = 0;
    show(note);
  }

  function show(note) {
    freeUrls();
    status.replaceChildren(note || '');
    if (!items.length) {
      body.replaceChildren(message('info', 'No violations are waiting for review.'));
      return;
    }
    const it = items[index];
    const reason = h('textarea', {id: 'reject-reason', rows: '2', maxlength: '500',
      placeholder: 'Why is this not a violation? (3–500 characters)'});
    const images = h('div', {class: 'evidence'});
    const candidates = Array.isArray(it.candidates) && it.candidates.length
      ? h('ol', {class: 'candidates'}, it.candidates.map((c) =>
        h('li', {}, h('span', {class: 'plate'}, orDash(c.text)), ` ${pct(c.confidence)}`)))
      : h('p', {class: 'hint'}, 'Other candidates: not provided by the review queue.');
    body.replaceChildren(h('article', {class: 'review card', 'data-key': it.key},
      h('div', {class: 'databar', id: 'databar'},
        h('span', {}, h('b', {}, 'Camera '), it.camera),
        h('span', {}, h('b', {}, 'Time (UTC) '), orDash(it.read_at)),
        h('span', {}, h('b', {}, 'Plate '), h('span', {class: 'plate', id: 'review-plate'}, orDash(it.text))),
        h('span', {}, h('b', {}, 'Confidence '), pct(it.confidence)),
        h('span', {}, h('b', {}, 'Violation '), orDash(it.violation_kind)),
        it.stage === 'second'
          ? h('span', {class: 'second', id: 'review-stage'}, 'Second review: confirmed once by another reviewer')
          : null),
      images,
      h('div', {class: 'columns'},
        h('div', {}, h('h2', {}, 'Read'), candidates,
          h('p', {class: 'hint'}, `Received ${it.received_at} · ${index + 1} of ${items.length}` +
            (items.length >= 200 ? '+' : ''))),
        h('div', {class: 'decide'},
          h('button', {type: 'button', id: 'confirm', class: 'primary', onclick: () => decide('confirm')},
            'Confirm (c)'),
          h('label', {class: 'field'}, h('span', {class: 'label'}, 'Reason to reject'), reason),
          h('button', {type: 'button', id: 'reject', class: 'danger', onclick: () => decide('reject')},
            'Reject (r)'),
          h('button', {type: 'button', id: 'next', onclick: next}, 'Next (n)')))));
    loadImages(it, images);
  }

  async function loadImages(it, box) {
    const files = it.files.filter((f) => IMAGE.test(f));
    if (!files.length) box.append(message('info', 'This record has no images.'));
    // The plate crop goes last and enlarged; frames side by side.
    files.sort((a, b) => (a.startsWith('plate') ? 1 : 0) - (b.startsWith('plate') ? 1 : 0));
    for (const f of files) {
      const fig = h('figure', {class: f.startsWith('plate') ? 'plate-crop' : 'frame'},
        h('figcaption', {}, f));
      box.append(fig);
      try {
        const blob = await apiBlob('POST', `/api/v1/evidence/${it.key}/${f}`,
          {purpose: 'violation_review', case_number: `review-${it.key}`});
        if (items[index] !== it) return;  // moved on meanwhile
        const url = URL.createObjectURL(blob);
        urls.push(url);
        fig.prepend(h('img', {src: url, alt: `evidence ${f}`}));
      } catch (e) {
        fig.append(message('error', e instanceof ApiError && e.status === 409
          ? 'This file failed its integrity check and is not shown.' : `Not loaded: ${e.message}`));
      }
    }
  }

  async function decide(decision) {
    if (busy || !items.length) return;
    const it = items[index];
    const reasonEl = document.getElementById('reject-reason');
    const reason = reasonEl ? reasonEl.value.trim() : '';
    if (decision === 'reject' && reason.length < 3) {
      status.replaceChildren(message('error', 'Give a reason of at least 3 characters to reject.'));
      reasonEl.focus();
      return;
    }
    busy = true;
    status.replaceChildren(message('info', 'Saving…'));
    try {
      const r = await api('POST', `/api/v1/review/${it.key}`,
        decision === 'reject' ? {decision, reason} : {decision});
      const what = {confirmed: 'Confirmed', rejected: 'Rejected',
        awaiting_second_review: 'Confirmed (first review; a second reviewer must confirm it too)'}[r.review_status] ||
        r.review_status;
      await load(message('ok', `${what}: ${orDash(it.text)} (${it.violation_kind}).`));
    } catch (e) {
      status.replaceChildren(message('error', `Not saved: ${e.message}`));
    } finally {
      busy = false;
    }
  }

  function next() {
    if (!items.length) return;
    index = (index + 1) % items.length;
    show();
  }

  const onKey = (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
    if (ev.key === 'c') { ev.preventDefault(); decide('confirm'); }
    else if (ev.key === 'n') { ev.preventDefault(); next(); }
    else if (ev.key === 'r') {
      ev.preventDefault();
      const reasonEl = document.getElementById('reject-reason');
      if (reasonEl && reasonEl.value.trim().length >= 3) decide('reject');
      else if (reasonEl) reasonEl.focus();
    }
  };
  document.addEventListener('keydown', onKey);
  await load();
  return () => { document.removeEventListener('keydown', onKey); freeUrls(); };
}
