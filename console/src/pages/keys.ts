/**
 * API keys (Settings → API Keys): the workspace's keys, create one (its secret shown once),
 * rotate, revoke; the workspace's scope and the audit log. Needs keys:read; changes, keys:write.
 */
import {
  AUDIT,
  CREATE,
  KEYS,
  OVERVIEW,
  PERMISSIONS,
  REVOKE,
  ROTATE,
  session as stored,
  type ApiKey,
  type AuditEvent,
  type ConsoleApi,
  type Overview,
} from '../api.js';
import { announce, busy, copyButton, dialog, h, permissionLabel, when, type Child } from '../dom.js';
import type { PageDefinition, Session } from './page.js';

export const keysPage: PageDefinition = {
  path: 'keys',
  title: 'API keys',
  permission: 'KEYS_READ',
  async render(root, session) {
    const keysSection = h('section', { 'aria-labelledby': 'keys-title' });
    const auditSection = h('section', { 'aria-labelledby': 'audit-title' });
    root.append(keysSection, renderScope(session.viewer.workspace.scope), auditSection);
    const current = session.viewer.key.id;
    const refresh = async () => {
      const keys = await renderKeys(session, keysSection, session.can('KEYS_WRITE'), current, refresh);
      await renderAudit(session.api, auditSection, keys);
    };
    await refresh();
  },
};

/** Renders the keys and returns them (the audit log names keys by them). */
async function renderKeys(
  session: Session,
  section: HTMLElement,
  canWrite: boolean,
  current: string,
  refresh: () => Promise<void>,
): Promise<ApiKey[]> {
  const { api } = session;
  let keys: ApiKey[];
  let overview: Overview;
  try {
    [{ apiKeys: keys }, overview] = await Promise.all([
      api.request<{ apiKeys: ApiKey[] }>(KEYS),
      api.request<Overview>(OVERVIEW),
    ]);
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
      const rotate = h(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': `Rotate ${key.name} (${key.prefix})` },
        'Rotate',
      );
      rotate.addEventListener('click', () => openRotateDialog(api, key, mine, rotate, error, refresh));
      const revoke = h(
        'button',
        { type: 'button', class: 'danger', 'aria-label': `Revoke ${key.name} (${key.prefix})` },
        'Revoke',
      );
      revoke.addEventListener('click', () => openRevokeDialog(session, key, mine, revoke, error, refresh));
      actions.append(rotate, revoke);
    }
    return h(
      'tr',
      { 'data-prefix': key.prefix, class: mine ? 'current' : '' },
      h(
        'th',
        { scope: 'row', 'data-label': 'Name' },
        key.name,
        mine
          ? h('span', { class: 'badge you', title: 'You are signed in to this console with this key' }, 'this session')
          : null,
      ),
      cell('Prefix', h('code', {}, key.prefix)),
      cell('Permissions', key.permissions.map(permissionLabel).join(', ')),
      cell('Created', when(key.createdAt)),
      cell('Last used', when(key.lastUsedAt, 'Never')),
      cell('Expires', when(key.expiresAt, 'Never')),
      cell(
        'Status',
        h(
          'span',
          { class: `badge ${key.status.toLowerCase()}` },
          key.status.charAt(0) + key.status.slice(1).toLowerCase(),
        ),
        // Said only when it is so: a key older than 90 days.
        key.rotationDue && key.status === 'ACTIVE'
          ? h('span', { class: 'badge warn', title: 'Older than 90 days: rotate it' }, 'rotation due')
          : null,
      ),
      actions,
    );
  });

  section.replaceChildren(
    h('h2', { id: 'keys-title', class: 'visually-hidden' }, 'Keys'),
    h(
      'div',
      { class: 'toolbar' },
      h(
        'p',
        { class: 'limit', id: 'key-limit' },
        `${activeKeys} of ${keyLimit} keys`,
        h('span', { class: 'help' }, ' active on your plan'),
      ),
      canWrite
        ? createButton
        : h('p', { class: 'help' }, 'This key can see keys but not change them (it lacks keys:write).'),
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
    h(
      'div',
      {},
      h('h3', {}, title),
      items.length
        ? h('ul', {}, ...items.map((item) => h('li', {}, h('code', {}, item))))
        : h('p', { class: 'help' }, 'None'),
    );
  return h(
    'section',
    { 'aria-labelledby': 'scope-title' },
    h('h2', { id: 'scope-title' }, 'Workspace scope'),
    h(
      'p',
      { class: 'help' },
      'The assets this workspace has proven it owns: data leak searches and watchlist entries must fall inside them.',
    ),
    h(
      'div',
      { class: 'scope' },
      list('Domains', scope.domains),
      list('Email addresses', scope.emails),
      list('Card BINs', scope.bins),
    ),
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
    section.replaceChildren(
      h('h2', { id: 'audit-title' }, 'Audit log'),
      h('p', { class: 'error', role: 'alert' }, (error as Error).message),
    );
    return;
  }
  const actions: Record<string, string> = {
    'api_key.created': 'Created',
    'api_key.rotated': 'Rotated',
    'api_key.revoked': 'Revoked',
  };
  section.replaceChildren(
    h('h2', { id: 'audit-title' }, 'Audit log'),
    h('p', { class: 'help' }, 'Every key created, rotated or revoked, newest first.'),
    h(
      'div',
      { class: 'table-wrap', role: 'region', 'aria-labelledby': 'audit-title', tabindex: '0' },
      h(
        'table',
        { id: 'audit' },
        h(
          'thead',
          {},
          h('tr', {}, ...['When', 'What', 'Key', 'By', 'Request id'].map((c) => h('th', { scope: 'col' }, c))),
        ),
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
              h(
                'td',
                { 'data-label': 'By' },
                e.actor === 'key'
                  ? keyNamed(e.actorKeyPrefix, keys)
                  : e.actor === 'server setup'
                    ? 'The server, at its first start'
                    : 'The command line',
              ),
              h('td', { 'data-label': 'Request id' }, e.requestId ? h('code', {}, e.requestId) : '—'),
            ),
          ),
        ),
      ),
    ),
  );
}

function openCreateDialog(
  api: ConsoleApi,
  opener: HTMLButtonElement,
  pageError: HTMLElement,
  refresh: () => Promise<void>,
): void {
  const name = h('input', { id: 'new-key-name', name: 'name', required: true, maxlength: '100', autocomplete: 'off' });
  const boxes = PERMISSIONS.map((p) => {
    const box = h('input', {
      type: 'checkbox',
      id: `perm-${p.name}`,
      name: 'permissions',
      value: p.name,
      checked: p.readOnly,
    });
    return {
      box,
      row: h(
        'div',
        { class: 'check' },
        box,
        h('label', { for: `perm-${p.name}` }, `${p.label} `, h('code', {}, permissionLabel(p.name))),
      ),
    };
  });
  const expiry = h(
    'select',
    { id: 'new-key-expiry', name: 'expiry' },
    ...[
      ['', 'Never'],
      ['30', 'In 30 days'],
      ['90', 'In 90 days'],
      ['180', 'In 180 days'],
      ['365', 'In a year'],
    ].map(([value, label]) => h('option', { value: value! }, label)),
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
          const input = {
            name: name.value,
            permissions,
            ...(expiry.value ? { expiresInDays: Number(expiry.value) } : {}),
          };
          created = (await api.request<{ createApiKey: { secret: string; apiKey: ApiKey } }>(CREATE, { input }))
            .createApiKey;
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
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel'),
      submit,
    ),
  );
  const element = dialog('Create an API key', [form], () => {
    if (created) showSecret(created.secret, created.apiKey, opener, refresh);
    else opener.focus();
  });
  pageError.textContent = '';
  name.focus();
}

function openRotateDialog(
  api: ConsoleApi,
  key: ApiKey,
  mine: boolean,
  opener: HTMLButtonElement,
  pageError: HTMLElement,
  refresh: () => Promise<void>,
): void {
  const grace = h(
    'select',
    { id: 'grace', name: 'grace' },
    ...[
      ['0', 'Right away'],
      ['3600', 'After 1 hour'],
      ['86400', 'After 24 hours'],
      ['604800', 'After 7 days'],
      ['2592000', 'After 30 days'],
    ].map(([value, label]) => h('option', { value: value!, selected: value === '86400' }, label)),
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
          created = (
            await api.request<{ rotateApiKey: { secret: string; apiKey: ApiKey } }>(ROTATE, {
              id: key.id,
              grace: Number(grace.value),
            })
          ).rotateApiKey;
          // The console goes on with the new key: the old one may stop working at once.
          if (mine) {
            stored.set(created.secret);
            api.useKey(created.secret);
          }
          element.close();
        } catch (failure) {
          done();
          error.textContent = (failure as Error).message;
        }
      },
    },
    h(
      'p',
      {},
      'A new key replaces ',
      h('strong', {}, key.name),
      ' ',
      h('code', {}, key.prefix),
      ' with the same permissions. Put the new key in place before the old one stops working.',
    ),
    mine
      ? h(
          'p',
          { class: 'warning' },
          'This is the key you are signed in with: the console switches to the new key by itself.',
        )
      : null,
    h('label', { for: 'grace' }, 'The old key stops working'),
    grace,
    error,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel'),
      confirm,
    ),
  );
  const element = dialog(`Rotate “${key.name}”`, [form], () => {
    if (created) showSecret(created.secret, created.apiKey, opener, refresh);
    else opener.focus();
  });
  pageError.textContent = '';
  grace.focus();
}

function openRevokeDialog(
  session: Session,
  key: ApiKey,
  mine: boolean,
  opener: HTMLButtonElement,
  pageError: HTMLElement,
  refresh: () => Promise<void>,
): void {
  const error = h('p', { class: 'error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger' }, mine ? 'Revoke and sign out' : 'Revoke key');
  let revoked = false;
  confirm.addEventListener('click', async () => {
    const done = busy(confirm, 'Revoking…');
    try {
      await session.api.request(REVOKE, { id: key.id });
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
      h(
        'p',
        {},
        'Every integration that uses ',
        h('code', {}, key.prefix),
        ' is refused from now on, on every server. This cannot be undone.',
      ),
      mine
        ? h(
            'p',
            { class: 'warning' },
            'You are signed in to this console with this key: you will be signed out at once, and need another admin key to sign in again.',
          )
        : null,
      error,
      h('div', { class: 'buttons' }, cancel, confirm),
    ],
    async () => {
      if (!revoked) return opener.focus();
      if (mine)
        return session.signOut(
          `You revoked “${key.name}”, the key you were signed in with. Sign in with another admin key.`,
        );
      await refresh();
      announce(`Key ${key.name} revoked.`);
      document.getElementById('create-key')?.focus();
    },
  );
  pageError.textContent = '';
  cancel.focus();
}

function showSecret(secret: string, key: ApiKey, opener: HTMLElement, refresh: () => Promise<void>): void {
  const value = h('input', {
    id: 'secret',
    readonly: true,
    value: secret,
    'aria-describedby': 'secret-warning',
    spellcheck: 'false',
  });
  const { button: copy, status: copied } = copyButton(value, 'copy-secret');
  const element = dialog(
    'Your new API key',
    [
      h(
        'p',
        { id: 'secret-warning', class: 'warning' },
        h('strong', {}, 'Copy it now: you will not see this key again. '),
        'Store it in your secrets manager; we keep only a hash of it.',
      ),
      h('label', { for: 'secret' }, `Key “${key.name}”`),
      h('div', { class: 'secret-row' }, value, copy),
      copied,
      h(
        'div',
        { class: 'buttons' },
        h('button', { type: 'button', onclick: () => element.close() }, 'I have copied it'),
      ),
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
