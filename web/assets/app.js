// The console's shell: who is logged in (GET /api/v1/me), the pages their role may open, and
// a router by URL fragment (#/review): fragments name pages only, never data. A page is an
// ES module in pages/ exporting render(root, ctx) → optional cleanup function.
import {api, clearCsrf, hasCsrf, setSessionEndedHandler, ApiError} from './api.js';
import {h, replace, message} from './dom.js';

/** Page name → title, module, and the roles the server lets call its API (server.md). */
const PAGES = {
  live: {title: 'Live', module: './pages/live.js', roles: ['reviewer', 'supervisor', 'admin']},
  review: {title: 'Review', module: './pages/review.js', roles: ['reviewer', 'supervisor']},
  search: {title: 'Search', module: './pages/search.js', roles: ['investigator']},
  audit: {title: 'Audit', module: './pages/audit.js', roles: ['auditor']},
  transparency: {title: 'Transparency', module: './pages/transparency.js',
    roles: ['auditor', 'supervisor', 'admin']},
  admin: {title: 'Administration', module: './pages/admin.js', roles: ['admin']},
};

const HOME = {admin: 'admin', supervisor: 'review', reviewer: 'review',
  investigator: 'search', auditor: 'audit'};

const state = {user: null, cleanup: null, notice: null};

function main() {
  return document.getElementById('main');
}

function pageName() {
  const m = /^#\/([a-z]+)$/.exec(location.hash);
  return m ? m[1] : '';
}

async function runCleanup() {
  if (state.cleanup) {
    try { state.cleanup(); } catch { /* ignore */ }
  }
  state.cleanup = null;
}

function renderNav() {
  const nav = document.getElementById('nav');
  const current = pageName();
  replace(nav, Object.entries(PAGES)
    .filter(([, p]) => p.roles.includes(state.user.role))
    .map(([name, p]) => h('a', {href: `#/${name}`, class: name === current ? 'active' : '',
      'aria-current': name === current ? 'page' : null}, p.title)));
  document.getElementById('who').textContent = `${state.user.username} (${state.user.role})`;
  document.getElementById('topbar').hidden = false;
}

/** Shows the login page (and nothing else), with an optional notice. */
async function showLogin(notice) {
  await runCleanup();
  state.user = null;
  document.getElementById('topbar').hidden = true;
  if (location.hash) history.replaceState(null, '', location.pathname);
  const {render} = await import('./pages/login.js');
  const root = h('section', {class: 'page page-login'});
  replace(main(), root);
  document.title = 'roadwarden — log in';
  await render(root, {notice, onLogin: (user) => {
    state.user = user;
    history.replaceState(null, '', `#/${HOME[user.role] || 'live'}`);
    route();
  }});
}

async function route() {
  if (!state.user) return showLogin(state.notice);
  let name = pageName();
  const page = PAGES[name];
  if (!page || !page.roles.includes(state.user.role)) {
    name = HOME[state.user.role] || 'live';
    history.replaceState(null, '', `#/${name}`);
  }
  await runCleanup();
  renderNav();
  const root = h('section', {class: `page page-${name}`, 'aria-labelledby': 'page-title'});
  replace(main(), root);
  document.title = `roadwarden — ${PAGES[name].title}`;
  try {
    const {render} = await import(PAGES[name].module);
    state.cleanup = (await render(root, {user: state.user})) || null;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      root.append(message('error', `This page could not be shown: ${e.message}`));
    }
  }
}

async function logout() {
  try {
    await api('POST', '/api/v1/logout');
  } catch { /* the session may already be gone */ }
  clearCsrf();
  state.notice = {kind: 'ok', text: 'You have logged out.'};
  await showLogin(state.notice);
  state.notice = null;
}

async function start() {
  setSessionEndedHandler(() => {
    if (!state.user) return;
    clearCsrf();
    showLogin({kind: 'error', text: 'Your session has ended (idle too long, past its maximum ' +
      'age, or ended by an administrator). Log in again.'});
  });
  document.getElementById('logout').addEventListener('click', logout);
  window.addEventListener('hashchange', () => { if (state.user) route(); });
  try {
    const me = await api('GET', '/api/v1/me');
    if (!hasCsrf()) {
      // A session cookie from another tab: this tab has no CSRF token for changes.
      return showLogin({kind: 'info', text: 'Log in to use the console in this tab.'});
    }
    state.user = me;
  } catch (e) {
    return showLogin(null);
  }
  route();
}

start();
