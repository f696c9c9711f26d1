// The server's JSON API as the console calls it: the HttpOnly session cookie the login set
// (sent by the browser, never readable here) plus, on POST / PUT / DELETE, the CSRF token
// the login answered (kept in this tab's sessionStorage). Plate text only ever goes in
// request bodies, never in a URL. docs/server-api.md.

const CSRF_KEY = 'rw_csrf';

/** Raised for an answer that is not 2xx; `status` and the server's `error` message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

let onSessionEnded = () => {};

/** Called (once per ended session) when a logged-in call is answered 401. */
export function setSessionEndedHandler(fn) {
  onSessionEnded = fn;
}

/** Reports a 401 seen outside api() (the event stream): the session has ended. */
export function sessionEnded() {
  onSessionEnded();
}

export function setCsrf(token) {
  sessionStorage.setItem(CSRF_KEY, token);
}

export function hasCsrf() {
  return !!sessionStorage.getItem(CSRF_KEY);
}

export function clearCsrf() {
  sessionStorage.removeItem(CSRF_KEY);
}

function headersFor(method, hasBody) {
  const headers = {Accept: 'application/json'};
  if (hasBody) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  return headers;
}

async function send(method, path, body) {
  const hasBody = body !== undefined;
  return fetch(path, {
    method,
    headers: headersFor(method, hasBody),
    body: hasBody ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
    cache: 'no-store',
    redirect: 'error',
  });
}

async function fail(res, path) {
  let msg = `HTTP ${res.status}`;
  try {
    const j = await res.json();
    if (j && typeof j.error === 'string') msg = j.error;
  } catch { /* not JSON */ }
  if (res.status === 401 && path !== '/api/v1/login' && path !== '/api/v1/me') onSessionEnded();
  throw new ApiError(res.status, msg);
}

/** Calls the API and answers the parsed JSON; ApiError for a non-2xx answer. */
export async function api(method, path, body) {
  const res = await send(method, path, body);
  if (!res.ok) await fail(res, path);
  return res.json();
}

/** Sends `text` as the body with `type` (a hotlist CSV); answers the parsed JSON. */
export async function apiText(method, path, text, type) {
  const res = await fetch(path, {
    method,
    headers: {...headersFor(method, false), 'Content-Type': type},
    body: text,
    credentials: 'same-origin',
    cache: 'no-store',
    redirect: 'error',
  });
  if (!res.ok) await fail(res, path);
  return res.json();
}

/** Like api(), answering the body as a Blob (evidence files). */
export async function apiBlob(method, path, body) {
  const res = await send(method, path, body);
  if (!res.ok) await fail(res, path);
  return res.blob();
}

/** A raw fetch with the session (for streams); the caller checks the status. */
export function apiFetch(path, signal) {
  return fetch(path, {
    headers: {Accept: 'text/event-stream'},
    credentials: 'same-origin',
    cache: 'no-store',
    signal,
  });
}
