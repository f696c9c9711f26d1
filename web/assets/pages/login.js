// Login: user name, password and the 6-digit TOTP code (POST /api/v1/login). Says what the
// server reported: wrong credentials, a locked account, or why the last session ended.
import {api, setCsrf, ApiError} from '../api.js';
import {h, message, field} from '../dom.js';

/** The refusal in words for a person at the login form. */
export function loginError(e) {
  if (!(e instanceof ApiError)) return `The server could not be reached (${e.message}).`;
  const locked = /^account locked until (.+)$/.exec(e.message);
  if (locked) {
    return `This account is locked until ${locked[1]} (UTC) after too many failed logins. ` +
      'Wait, or ask an administrator to reset it.';
  }
  if (e.status === 401) {
    return 'Login refused: wrong user name, password or code, or the account is disabled ' +
      'or locked. A code can be used only once; wait for the next one.';
  }
  return `Login failed: ${e.message}`;
}

export async function render(root, {notice, onLogin}) {
  const user = h('input', {name: 'username', id: 'username', autocomplete: 'username',
    required: true, autocapitalize: 'none', spellcheck: 'false'});
  const pass = h('input', {name: 'password', id: 'password', type: 'password',
    autocomplete: 'current-password', required: true});
  const totp = h('input', {name: 'totp', id: 'totp', inputmode: 'numeric',
    autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: '6', required: true});
  const status = h('div', {class: 'status', 'aria-live': 'polite'},
    notice ? message(notice.kind, notice.text) : null);
  const submit = h('button', {type: 'submit', id: 'login-submit'}, 'Log in');
  const form = h('form', {class: 'card login', id: 'login-form', novalidate: true},
    h('h1', {id: 'page-title'}, 'roadwarden'),
    h('p', {class: 'lead'}, 'Log in with your password and the code from your authenticator app.'),
    field('User name', user), field('Password', pass), field('Code (6 digits)', totp),
    submit, status);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!user.value || !pass.value || !/^[0-9]{6}$/.test(totp.value)) {
      status.replaceChildren(message('error', 'Enter your user name, password and the 6-digit code.'));
      return;
    }
    submit.disabled = true;
    status.replaceChildren(message('info', 'Checking…'));
    try {
      const r = await api('POST', '/api/v1/login',
        {username: user.value, password: pass.value, totp: totp.value});
      setCsrf(r.csrf);
      pass.value = '';
      onLogin({username: r.username, role: r.role});
    } catch (e) {
      status.replaceChildren(message('error', loginError(e)));
      pass.value = '';
      totp.value = '';
      submit.disabled = false;
    }
  });
  root.append(form);
  user.focus();
}
