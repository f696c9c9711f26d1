// Administration (admin): users and roles, sites, cameras and device enrolment, the rules in
// force as the agents report them (GET /api/v1/sites/rules), hotlists when
// the server has them. An admin sees no plate data. One-time secrets (new passwords, TOTP
// secrets, device keys) are shown once and never kept by the console.
import {api, apiText, ApiError} from '../api.js';
import {h, message, table, field, orDash} from '../dom.js';

const ROLES = ['admin', 'supervisor', 'reviewer', 'investigator', 'auditor'];

function select(id, values, current) {
  return h('select', {id}, values.map((v) => h('option', {value: v, selected: v === current}, v)));
}

/** A box with one-time credentials; the download links are blob: URLs freed on close. */
function secretBox(title, rows, files = []) {
  const urls = [];
  const box = h('div', {class: 'card secret', role: 'alert'}, h('h3', {}, title),
    h('p', {class: 'hint'}, 'Shown once: hand these over now through a trusted channel.'),
    table(['', ''], rows.map(([k, v]) => [k, h('code', {}, v)])));
  if (files.length) {
    box.append(h('p', {}, files.map(([name, text]) => {
      const url = URL.createObjectURL(new Blob([text], {type: 'application/octet-stream'}));
      urls.push(url);
      return h('a', {href: url, download: name, class: 'download'}, name);
    })));
  }
  box.append(h('button', {type: 'button', onclick: () => { urls.forEach(URL.revokeObjectURL); box.remove(); }},
    'Done (remove from screen)'));
  return box;
}

export async function render(root) {
  const status = h('div', {class: 'status', id: 'admin-status', 'aria-live': 'polite'});
  const secrets = h('div', {id: 'admin-secrets'});
  const users = h('div', {id: 'admin-users'});
  const sites = h('div', {id: 'admin-sites'});
  const cameras = h('div', {id: 'admin-cameras'});
  const devices = h('div', {id: 'admin-devices'});
  const hotlists = h('div', {id: 'admin-hotlists'});
  const rules = h('div', {id: 'admin-rules'});
  root.append(h('h1', {id: 'page-title'}, 'Administration'), status, secrets,
    h('h2', {}, 'Users and roles'), users, h('h2', {}, 'Sites'), sites,
    h('h2', {}, 'Cameras'), cameras, h('h2', {}, 'Devices (camera agents)'), devices,
    h('h2', {}, 'Rules in force'), rules, h('h2', {}, 'Hotlists'), hotlists);

  const act = async (what, fn) => {
    try {
      await fn();
      status.replaceChildren(message('ok', what));
    } catch (e) {
      status.replaceChildren(message('error', `${what} — refused: ${e.message}`));
    }
    await refresh();
  };

  async function refresh() {
    const [u, s, c, d] = await Promise.all([api('GET', '/api/v1/users'), api('GET', '/api/v1/sites'),
      api('GET', '/api/v1/cameras'), api('GET', '/api/v1/devices')]);

    const newName = h('input', {id: 'new-user', placeholder: 'user name', autocomplete: 'off'});
    const newRole = select('new-role', ROLES, 'reviewer');
    users.replaceChildren(
      table(['User', 'Role', 'State', 'Created', ''], u.users.map((x) => {
        const role = select(`role-${x.username}`, ROLES, x.role);
        return [x.username, role,
          x.disabled ? 'disabled' : (x.locked_until ? `locked until ${x.locked_until}` : 'active'),
          x.created_at,
          h('span', {class: 'actions'},
            h('button', {type: 'button', onclick: () => act(`Role of ${x.username} set to ${role.value}`,
              () => api('PUT', `/api/v1/users/${x.username}/role`, {role: role.value}))}, 'Set role'),
            h('button', {type: 'button', onclick: () => act(`${x.username} ${x.disabled ? 'enabled' : 'disabled'}`,
              () => api('POST', `/api/v1/users/${x.username}/${x.disabled ? 'enable' : 'disable'}`))},
            x.disabled ? 'Enable' : 'Disable'),
            h('button', {type: 'button', onclick: () => act(`Password and code of ${x.username} reset`, async () => {
              const cr = await api('POST', `/api/v1/users/${x.username}/reset`);
              secrets.replaceChildren(secretBox(`New credentials of ${cr.username}`, [['Password', cr.password],
                ['TOTP secret', cr.totp_secret], ['otpauth URI', cr.otpauth_uri]]));
            })}, 'Reset'))];
      }), {id: 'users'}),
      h('form', {class: 'inline', id: 'create-user', onsubmit: (ev) => {
        ev.preventDefault();
        act(`User ${newName.value} created`, async () => {
          const cr = await api('POST', '/api/v1/users', {username: newName.value.trim(), role: newRole.value});
          secrets.replaceChildren(secretBox(`Credentials of ${cr.username} (${cr.role})`, [['Password', cr.password],
            ['TOTP secret', cr.totp_secret], ['otpauth URI', cr.otpauth_uri]]));
        });
      }}, field('New user', newName), field('Role', newRole), h('button', {type: 'submit'}, 'Create')));

    const siteId = h('input', {id: 'site-id', placeholder: 'site-1'});
    const siteName = h('input', {id: 'site-name', placeholder: 'name'});
    const siteTz = h('input', {id: 'site-tz', placeholder: 'Asia/Tashkent', value: 'UTC'});
    sites.replaceChildren(
      s.sites.length ? table(['Site', 'Name', 'Time zone'], s.sites.map((x) => [x.id, x.name, x.timezone]), {id: 'sites'})
        : message('info', 'No sites.'),
      h('form', {class: 'inline', onsubmit: (ev) => {
        ev.preventDefault();
        act(`Site ${siteId.value} saved`, () => api('PUT', `/api/v1/sites/${encodeURIComponent(siteId.value.trim())}`,
          {name: siteName.value, timezone: siteTz.value || 'UTC'}));
      }}, field('Site id', siteId), field('Name', siteName), field('Time zone', siteTz),
      h('button', {type: 'submit'}, 'Save site')));

    const camId = h('input', {id: 'cam-id', placeholder: 'cam-01'});
    const camSite = select('cam-site', s.sites.map((x) => x.id), '');
    const camName = h('input', {id: 'cam-name', placeholder: 'name'});
    const camLat = h('input', {id: 'cam-lat', type: 'number', step: 'any', placeholder: '41.28'});
    const camLon = h('input', {id: 'cam-lon', type: 'number', step: 'any', placeholder: '69.2'});
    cameras.replaceChildren(
      c.cameras.length ? table(['Camera', 'Name', 'Site', 'Latitude', 'Longitude', 'Active', ''],
        c.cameras.map((x) => [x.id, x.name, x.site_id, x.latitude, x.longitude, x.active ? 'yes' : 'no',
          h('button', {type: 'button', onclick: () => act(`Device enrolled for ${x.id}`, async () => {
            const e = await api('POST', '/api/v1/devices', {camera_id: x.id});
            secrets.replaceChildren(secretBox(`Device ${e.serial} for camera ${e.camera_id}`,
              [['Serial', e.serial], ['Signing public key', e.signing_public_key]],
              [['client.pem', e.cert_pem], ['client.key', e.key_pem], ['ca.pem', e.ca_pem],
                ['signing.key', `${e.signing_key}\n`]]));
          })}, 'Enrol device')]), {id: 'cameras'}) : message('info', 'No cameras.'),
      h('form', {class: 'inline', onsubmit: (ev) => {
        ev.preventDefault();
        act(`Camera ${camId.value} saved`, () => api('PUT', `/api/v1/cameras/${encodeURIComponent(camId.value.trim())}`,
          {site_id: camSite.value, name: camName.value || camId.value.trim(),
            latitude: Number(camLat.value || 0), longitude: Number(camLon.value || 0), active: true}));
      }}, field('Camera id', camId), field('Site', camSite), field('Name', camName),
      field('Latitude', camLat), field('Longitude', camLon), h('button', {type: 'submit'}, 'Save camera')));

    devices.replaceChildren(d.devices.length
      ? table(['Serial', 'Camera', 'Issued', 'Revoked', ''], d.devices.map((x) => [h('code', {}, x.serial),
        x.camera_id, x.issued_at, orDash(x.revoked_at),
        x.revoked_at ? '' : h('button', {type: 'button', class: 'danger', onclick: () => {
          if (confirm(`Revoke device ${x.serial} of ${x.camera_id}? Its uploads stop at once.`)) {
            act(`Device ${x.serial} revoked`, () => api('POST', `/api/v1/devices/${x.serial}/revoke`));
          }
        }}, 'Revoke')]), {id: 'devices'})
      : message('info', 'No devices enrolled.'));
  }

  await refresh();
  await showRules();
  await showHotlists();

  // Rules are configured at the edge (site.toml); each agent reports them at start and the
  // server shows the latest report per site (GET /api/v1/sites/rules). Nothing to edit here.
  async function showRules() {
    let sitesRules;
    try {
      ({sites: sitesRules} = await api('GET', '/api/v1/sites/rules'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      rules.replaceChildren(message('info', `Rules in force are unavailable (${e.message}).`));
      return;
    }
    const rows = [];
    for (const site of sitesRules) {
      for (const cam of Array.isArray(site.cameras) ? site.cameras : []) {
        for (const r of Array.isArray(cam.rules) ? cam.rules : []) {
          rows.push([site.site_id, orDash(cam.camera), orDash(r.kind), orDash(r.id ?? r.approach),
            String(r.config_hash || '').slice(0, 12) || '—',
            r.config === undefined ? '—' : JSON.stringify(r.config), `${site.received_at} (from ${site.camera})`]);
        }
      }
    }
    rules.replaceChildren(rows.length
      ? table(['Site', 'Camera', 'Rule', 'Id / approach', 'Config hash', 'Configuration', 'Reported'],
        rows, {id: 'rules-in-force'})
      : message('info', 'No camera agent has reported its rules yet.'),
    h('p', {class: 'hint'}, 'Rules are set in each site\'s site.toml at the edge; an agent reports ' +
      'them when it starts. The console cannot change them.'));
  }

  async function showHotlists() {
    let summary;
    try {
      summary = await api('GET', '/api/v1/hotlists');
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      hotlists.replaceChildren(message('info', e instanceof ApiError && e.status === 404
        ? 'This server version has no hotlist route.'
        : `Hotlists are not available (${e.message}).`));
      return;
    }
    const file = h('input', {id: 'hotlist-file', type: 'file', accept: '.csv,text/csv'});
    const result = h('div', {id: 'hotlist-result'});
    hotlists.replaceChildren(
      summary.active
        ? h('div', {},
          h('p', {}, `${summary.entries} entries, imported ${summary.imported_at} by ${summary.imported_by}` +
            (summary.rejected_lines ? ` (${summary.rejected_lines} lines refused)` : '') +
            `; alerts for one plate are merged within ${summary.dedup_window_seconds} s.`),
          table(['List', 'Entries'], Object.entries(summary.lists || {}), {id: 'hotlists'}))
        : message('info', 'No hotlist is loaded.'),
      h('form', {class: 'inline', onsubmit: async (ev) => {
        ev.preventDefault();
        if (!file.files.length) return;
        try {
          const r = await apiText('PUT', '/api/v1/hotlists', await file.files[0].text(), 'text/csv');
          await showHotlists();
          document.getElementById('hotlist-result').replaceChildren(
            message(r.errors && r.errors.length ? 'info' : 'ok', `Imported ${r.entries} entries` +
              (r.errors && r.errors.length ? `; refused lines: ${r.errors.map((x) => `${x.line} (${x.reason})`).join(', ')}` : '.')));
        } catch (e) {
          result.replaceChildren(message('error', `Import refused: ${e.message}`));
        }
      }}, field('Replace with a CSV file (docs/hotlist.md)', file), h('button', {type: 'submit'}, 'Import')),
      result);
  }
}
