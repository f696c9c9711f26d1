// Small DOM helpers. Every text goes in through textContent (never innerHTML), so data from
// the server cannot inject markup; no element gets a style attribute (the CSP forbids inline
// style): looks come from classes in style.css.

/** h('div', {class: 'x', onclick: fn}, 'text', child…) → a new element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/** Appends children (strings, numbers, nodes, arrays; null skipped). */
export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** An SVG element with attributes (createElementNS). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A status line: kind 'error' | 'ok' | 'info'. */
export function message(kind, text) {
  return h('p', {class: `msg msg-${kind}`, role: kind === 'error' ? 'alert' : 'status'}, text);
}

/** A table from column headings and rows of cells. */
export function table(headings, rows, attrs = {}) {
  return h('table', attrs,
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', {scope: 'col'}, t)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))));
}

/** "—" for null / undefined / "", else the value. */
export function orDash(v) {
  return v === null || v === undefined || v === '' ? '—' : v;
}

/** A labelled form field. */
export function field(label, input, hint) {
  return h('label', {class: 'field'}, h('span', {class: 'label'}, label), input,
    hint ? h('span', {class: 'hint'}, hint) : null);
}
