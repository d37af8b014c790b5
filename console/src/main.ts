/**
 * Settings → API Keys: sign in with an admin key, see the workspace's keys, create one (its secret
 * shown once), rotate, revoke; the workspace's scope and the audit log. Plain DOM, no innerHTML:
 * every name shown comes from users and is set as text.
 */
import {
  AUDIT,
  ConsoleApi,
  ConsoleError,
  CREATE,
  KEYS,
  OVERVIEW,
  PERMISSIONS,
  REVOKE,
  ROTATE,
  session,
  type ApiKey,
  type AuditEvent,
  type Overview,
} from './api.js';

type Child = Node | string | null | undefined | false;

/** An element with attributes and children; strings become text nodes, never markup. */
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string | boolean | ((event: Event) => void)> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false) element.setAttribute(name, value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

const main = document.getElementById('main')!;
const live = document.getElementById('live')!;
const announce = (text: string) => {
  live.textContent = '';
  window.setTimeout(() => (live.textContent = text), 50);
};

const absolute = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [['year', 31_536_000], ['month', 2_592_000], ['day', 86_400], ['hour', 3600], ['minute', 60]];

/** A time as people say it ("3 days ago", "in 29 days"), the exact time in its tooltip. */
function when(iso: string | null, none = '—'): Node | string {
  if (!iso) return none;
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  const [unit, size] = UNITS.find(([, size]) => Math.abs(seconds) >= size) ?? ['minute', 60];
  const text = Math.abs(seconds) < 60 ? 'just now' : relative.format(Math.round(seconds / size), unit);
  return h('time', { datetime: iso, title: absolute(iso) }, text);
}
const permissionLabel = (name: string) => name.toLowerCase().replace('_', ':');

// ---------------------------------------------------------------------------------------------
// Sign-in

function showSignIn(message?: string): void {
  const input = h('input', { id: 'key', name: 'key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'key-help' });
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        session.set(key);
        await showConsole(error);
      },
    },
    h('h1', {}, 'Sign in to the key console'),
    h('label', { for: 'key' }, 'Admin API key'),
    input,
    h('p', { class: 'help', id: 'key-help' }, 'A key with the keys:read and keys:write permissions. It is kept in this browser tab only, until you sign out or close the tab.'),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  main.replaceChildren(form);
  input.focus();
}

function signOut(message?: string): void {
  session.clear();
  showSignIn(message);
  announce(message ?? 'Signed out.');
}

// ---------------------------------------------------------------------------------------------
// The console

async function showConsole(errorTarget?: HTMLElement): Promise<void> {
  const key = session.get();
  if (!key) return showSignIn();
  const api = new ConsoleApi(key);
  let overview: Overview;
  try {
    overview = await api.request<Overview>(OVERVIEW);
  } catch (error) {
    session.clear();
    const message = error instanceof ConsoleError ? error.message : String(error);
    if (errorTarget) errorTarget.textContent = message;
    else showSignIn(message);
    return;
  }
  const { workspace } = overview.viewer;
  api.keyLimit = workspace.keyLimit;
  if (!overview.viewer.key.permissions.includes('KEYS_READ')) {
    session.clear();
    const message = 'This key cannot manage keys: it needs the keys:read permission (and keys:write to change them).';
    if (errorTarget) errorTarget.textContent = message;
    else showSignIn(message);
    return;
  }
  const canWrite = overview.viewer.key.permissions.includes('KEYS_WRITE');

  const keysSection = h('section', { 'aria-labelledby': 'keys-title' });
  const scopeSection = renderScope(workspace.scope);
  const auditSection = h('section', { 'aria-labelledby': 'audit-title' });

  main.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('div', {}, h('p', { class: 'workspace' }, workspace.name), h('p', { class: 'plan' }, `${workspace.plan.toLowerCase()} plan · signed in as “${overview.viewer.key.name}”`)),
      h('button', { type: 'button', class: 'secondary', onclick: () => signOut() }, 'Sign out'),
    ),
    h('h1', {}, 'API keys'),
    keysSection,
    scopeSection,
    auditSection,
  );
  main.focus();

  const current = overview.viewer.key.id;
  const refresh = async () => {
    const keys = await renderKeys(api, keysSection, canWrite, current, refresh);
    await renderAudit(api, auditSection, keys);
  };
  await refresh();
}

/** Renders the keys and returns them (the audit log names keys by them). */
async function renderKeys(api: ConsoleApi, section: HTMLElement, canWrite: boolean, current: string, refresh: () => Promise<void>): Promise<ApiKey[]> {
  let keys: ApiKey[];
  let overview: Overview;
  try {
    [{ apiKeys: keys }, overview] = await Promise.all([api.request<{ apiKeys: ApiKey[] }>(KEYS), api.request<Overview>(OVERVIEW)]);
  } catch (error) {
    section.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return [];
  }
  const { activeKeys, keyLimit } = overview.viewer.workspace;
  const error = h('p', { class: 'error', role: 'alert', id: 'keys-error' });
  const createButton = h('button', { type: 'button', id: 'create-key' }, 'Create key');
  createButton.addEventListener('click', () => openCreateDialog(api, createButton, error, refresh));

  const COLUMNS = ['Name', 'Prefix', 'Permissions', 'Created', 'Last used', 'Expires', 'Status', 'Actions'];
  // On a phone each row becomes a card: every cell carries its column's name (style.css).
  const cell = (column: string, ...children: Child[]) => h('td', { 'data-label': column }, ...children);
  const rows = keys.map((key) => {
    const mine = key.id === current;
    const actions = h('td', { class: 'actions', 'data-label': 'Actions' });
    if (canWrite && key.status === 'ACTIVE') {
      const rotate = h('button', { type: 'button', class: 'secondary', 'aria-label': `Rotate ${key.name} (${key.prefix})` }, 'Rotate');
      rotate.addEventListener('click', () => openRotateDialog(api, key, mine, rotate, error, refresh));
      const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${key.name} (${key.prefix})` }, 'Revoke');
      revoke.addEventListener('click', () => openRevokeDialog(api, key, mine, revoke, error, refresh));
      actions.append(rotate, revoke);
    }
    return h(
      'tr',
      { 'data-prefix': key.prefix, class: mine ? 'current' : '' },
      h('th', { scope: 'row', 'data-label': 'Name' }, key.name, mine ? h('span', { class: 'badge you', title: 'You are signed in to this console with this key' }, 'this session') : null),
      cell('Prefix', h('code', {}, key.prefix)),
      cell('Permissions', key.permissions.map(permissionLabel).join(', ')),
      cell('Created', when(key.createdAt)),
      cell('Last used', when(key.lastUsedAt, 'Never')),
      cell('Expires', when(key.expiresAt, 'Never')),
      cell(
        'Status',
        h('span', { class: `badge ${key.status.toLowerCase()}` }, key.status.charAt(0) + key.status.slice(1).toLowerCase()),
        // Said only when it is so: a key older than 90 days.
        key.rotationDue && key.status === 'ACTIVE' ? h('span', { class: 'badge warn', title: 'Older than 90 days: rotate it' }, 'rotation due') : null,
      ),
      actions,
    );
  });

  section.replaceChildren(
    h('h2', { id: 'keys-title', class: 'visually-hidden' }, 'Keys'),
    h(
      'div',
      { class: 'toolbar' },
      h('p', { class: 'limit', id: 'key-limit' }, `${activeKeys} of ${keyLimit} keys`, h('span', { class: 'help' }, ' active on your plan')),
      canWrite ? createButton : h('p', { class: 'help' }, 'This key can see keys but not change them (it lacks keys:write).'),
    ),
    error,
    h(
      'div',
      { class: 'table-wrap', role: 'region', 'aria-labelledby': 'keys-title', tabindex: '0' },
      h(
        'table',
        {},
        h('caption', { class: 'visually-hidden' }, 'API keys of this workspace, newest first'),
        h('thead', {}, h('tr', {}, ...COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, ...rows),
      ),
    ),
  );
  return keys;
}

function renderScope(scope: { domains: string[]; emails: string[]; bins: string[] }): HTMLElement {
  const list = (title: string, items: string[]) =>
    h('div', {}, h('h3', {}, title), items.length ? h('ul', {}, ...items.map((item) => h('li', {}, h('code', {}, item)))) : h('p', { class: 'help' }, 'None'));
  return h(
    'section',
    { 'aria-labelledby': 'scope-title' },
    h('h2', { id: 'scope-title' }, 'Workspace scope'),
    h('p', { class: 'help' }, 'The assets this workspace has proven it owns: data leak searches and watchlist entries must fall inside them.'),
    h('div', { class: 'scope' }, list('Domains', scope.domains), list('Email addresses', scope.emails), list('Card BINs', scope.bins)),
  );
}

/** A key as people know it: its name, with its prefix to tell two of one name apart. */
function keyNamed(prefix: string | null, keys: readonly ApiKey[]): Node | string {
  if (!prefix) return '—';
  const key = keys.find((k) => k.prefix === prefix);
  return key ? h('span', {}, key.name, ' ', h('code', { class: 'help' }, prefix)) : h('code', {}, prefix);
}

async function renderAudit(api: ConsoleApi, section: HTMLElement, keys: readonly ApiKey[]): Promise<void> {
  let events: AuditEvent[];
  try {
    const data = await api.request<{ auditEvents: { edges: { node: AuditEvent }[] } }>(AUDIT);
    events = data.auditEvents.edges.map((edge) => edge.node);
  } catch (error) {
    section.replaceChildren(h('h2', { id: 'audit-title' }, 'Audit log'), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return;
  }
  const actions: Record<string, string> = { 'api_key.created': 'Created', 'api_key.rotated': 'Rotated', 'api_key.revoked': 'Revoked' };
  section.replaceChildren(
    h('h2', { id: 'audit-title' }, 'Audit log'),
    h('p', { class: 'help' }, 'Every key created, rotated or revoked, newest first.'),
    h(
      'div',
      { class: 'table-wrap', role: 'region', 'aria-labelledby': 'audit-title', tabindex: '0' },
      h(
        'table',
        { id: 'audit' },
        h('thead', {}, h('tr', {}, ...['When', 'What', 'Key', 'By', 'Request id'].map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          ...events.map((e) =>
            h(
              'tr',
              {},
              h('td', { 'data-label': 'When' }, when(e.createdAt)),
              h('td', { 'data-label': 'What' }, actions[e.action] ?? e.action),
              h('td', { 'data-label': 'Key' }, keyNamed(e.targetKeyPrefix, keys)),
              h('td', { 'data-label': 'By' }, e.actor === 'key' ? keyNamed(e.actorKeyPrefix, keys) : e.actor === 'server setup' ? 'The server, at its first start' : 'The command line'),
              h('td', { 'data-label': 'Request id' }, e.requestId ? h('code', {}, e.requestId) : '—'),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Dialogs: native <dialog>, so focus stays inside while open and Escape closes; focus goes back to
// the button that opened it, or to what the action produced.

function dialog(title: string, body: Child[], onClose: () => void): HTMLDialogElement {
  const id = `dialog-${Math.random().toString(36).slice(2)}`;
  const element = h('dialog', { 'aria-labelledby': id }, h('h2', { id }, title), ...body);
  element.addEventListener('close', () => {
    element.remove();
    onClose();
  });
  document.body.append(element);
  element.showModal();
  return element;
}

function busy(button: HTMLButtonElement, text: string): () => void {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.textContent = before;
  };
}

function openCreateDialog(api: ConsoleApi, opener: HTMLButtonElement, pageError: HTMLElement, refresh: () => Promise<void>): void {
  const name = h('input', { id: 'new-key-name', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const boxes = PERMISSIONS.map((p) => {
    const box = h('input', { type: 'checkbox', id: `perm-${p.name}`, name: 'permissions', value: p.name, checked: p.readOnly });
    return { box, row: h('div', { class: 'check' }, box, h('label', { for: `perm-${p.name}` }, `${p.label} `, h('code', {}, permissionLabel(p.name)))) };
  });
  const expiry = h(
    'select',
    { id: 'new-key-expiry', name: 'expiry' },
    ...[['', 'Never'], ['30', 'In 30 days'], ['90', 'In 90 days'], ['180', 'In 180 days'], ['365', 'In a year']].map(([value, label]) => h('option', { value: value! }, label!)),
  );
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Create key');
  let created: { secret: string; apiKey: ApiKey } | undefined;
  const form = h(
    'form',
    {
      method: 'dialog',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const permissions = boxes.filter((b) => b.box.checked).map((b) => b.box.value);
        if (permissions.length === 0) {
          error.textContent = 'Choose at least one permission.';
          return;
        }
        const done = busy(submit, 'Creating…');
        try {
          const input = { name: name.value, permissions, ...(expiry.value ? { expiresInDays: Number(expiry.value) } : {}) };
          created = (await api.request<{ createApiKey: { secret: string; apiKey: ApiKey } }>(CREATE, { input })).createApiKey;
          element.close();
        } catch (failure) {
          done();
          error.textContent = (failure as Error).message;
        }
      },
    },
    h('label', { for: 'new-key-name' }, 'Name'),
    name,
    h('p', { class: 'help' }, 'Say where the key is used, e.g. “SIEM connector”.'),
    h('fieldset', {}, h('legend', {}, 'Permissions (read-only by default)'), ...boxes.map((b) => b.row)),
    h('label', { for: 'new-key-expiry' }, 'Expires'),
    expiry,
    error,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel'), submit),
  );
  const element = dialog('Create an API key', [form], () => {
    if (created) showSecret(created.secret, created.apiKey, opener, refresh);
    else opener.focus();
  });
  pageError.textContent = '';
  name.focus();
}

function openRotateDialog(api: ConsoleApi, key: ApiKey, mine: boolean, opener: HTMLButtonElement, pageError: HTMLElement, refresh: () => Promise<void>): void {
  const grace = h(
    'select',
    { id: 'grace', name: 'grace' },
    ...[['0', 'Right away'], ['3600', 'After 1 hour'], ['86400', 'After 24 hours'], ['604800', 'After 7 days'], ['2592000', 'After 30 days']].map(([value, label]) =>
      h('option', { value: value!, selected: value === '86400' }, label!),
    ),
  );
  const error = h('p', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'submit' }, 'Rotate key');
  let created: { secret: string; apiKey: ApiKey } | undefined;
  const form = h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const done = busy(confirm, 'Rotating…');
        try {
          created = (await api.request<{ rotateApiKey: { secret: string; apiKey: ApiKey } }>(ROTATE, { id: key.id, grace: Number(grace.value) })).rotateApiKey;
          // The console goes on with the new key: the old one may stop working at once.
          if (mine) {
            session.set(created.secret);
            api.useKey(created.secret);
          }
          element.close();
        } catch (failure) {
          done();
          error.textContent = (failure as Error).message;
        }
      },
    },
    h('p', {}, 'A new key replaces ', h('strong', {}, key.name), ' ', h('code', {}, key.prefix), ' with the same permissions. Put the new key in place before the old one stops working.'),
    mine ? h('p', { class: 'warning' }, 'This is the key you are signed in with: the console switches to the new key by itself.') : null,
    h('label', { for: 'grace' }, 'The old key stops working'),
    grace,
    error,
    h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel'), confirm),
  );
  const element = dialog(`Rotate “${key.name}”`, [form], () => {
    if (created) showSecret(created.secret, created.apiKey, opener, refresh);
    else opener.focus();
  });
  pageError.textContent = '';
  grace.focus();
}

function openRevokeDialog(api: ConsoleApi, key: ApiKey, mine: boolean, opener: HTMLButtonElement, pageError: HTMLElement, refresh: () => Promise<void>): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger' }, mine ? 'Revoke and sign out' : 'Revoke key');
  let revoked = false;
  confirm.addEventListener('click', async () => {
    const done = busy(confirm, 'Revoking…');
    try {
      await api.request(REVOKE, { id: key.id });
      revoked = true;
      element.close();
    } catch (failure) {
      done();
      error.textContent = (failure as Error).message;
    }
  });
  const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel');
  const element = dialog(
    mine ? `Revoke “${key.name}”, the key you are signed in with?` : `Revoke “${key.name}”?`,
    [
      h('p', {}, 'Every integration that uses ', h('code', {}, key.prefix), ' is refused from now on, on every server. This cannot be undone.'),
      mine ? h('p', { class: 'warning' }, 'You are signed in to this console with this key: you will be signed out at once, and need another admin key to sign in again.') : null,
      error,
      h('div', { class: 'buttons' }, cancel, confirm),
    ],
    async () => {
      if (!revoked) return opener.focus();
      if (mine) return signOut(`You revoked “${key.name}”, the key you were signed in with. Sign in with another admin key.`);
      await refresh();
      announce(`Key ${key.name} revoked.`);
      document.getElementById('create-key')?.focus();
    },
  );
  pageError.textContent = '';
  cancel.focus();
}

function showSecret(secret: string, key: ApiKey, opener: HTMLElement, refresh: () => Promise<void>): void {
  const value = h('input', { id: 'secret', readonly: true, value: secret, 'aria-describedby': 'secret-warning', spellcheck: 'false' });
  const copied = h('span', { role: 'status', class: 'help' });
  const copy = h('button', { type: 'button', id: 'copy-secret' }, 'Copy');
  copy.addEventListener('click', async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(secret);
      copied.textContent = 'Copied.';
    } catch {
      copied.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  });
  const element = dialog(
    'Your new API key',
    [
      h('p', { id: 'secret-warning', class: 'warning' }, h('strong', {}, 'Copy it now: you will not see this key again. '), 'Store it in your secrets manager; we keep only a hash of it.'),
      h('label', { for: 'secret' }, `Key “${key.name}”`),
      h('div', { class: 'secret-row' }, value, copy),
      copied,
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => element.close() }, 'I have copied it')),
    ],
    async () => {
      value.value = '';
      await refresh();
      announce(`Key ${key.name} created.`);
      (document.getElementById('create-key') ?? opener).focus();
    },
  );
  value.select();
  copy.focus();
}

void showConsole();
