/**
 * Alerts: what matched the workspace's watchlists. Filters (status, kind, watchlist), pages by
 * keyset ("Show more"), acknowledge or resolve one alert or the selected ones, the matched record in
 * a dialog, and new alerts arriving live from the alert stream (`/api/v1/alerts/stream`, read with
 * the `eventsource` package, which sends the key in a header as the API requires), each said
 * politely to screen readers.
 */
import { EventSource } from 'eventsource';
import {
  ALERT,
  ALERTS,
  UPDATE_ALERTS,
  WATCHLIST_NAMES,
  type Alert,
  type AlertKind,
  type AlertStatus,
  type Page,
} from '../api.js';
import { announce, busy, cell, dialog, h, when, words } from '../dom.js';
import { hashParams, moreButton, type PageDefinition, type Session } from './page.js';

const STATUSES: AlertStatus[] = ['NEW', 'ACKNOWLEDGED', 'RESOLVED'];
const KINDS: AlertKind[] = ['CREDENTIAL_LEAK', 'CARD_LEAK', 'IOC', 'SCOPE'];

export const alertsPage: PageDefinition = {
  path: 'alerts',
  title: 'Alerts',
  permission: 'WATCHLISTS_READ',
  async render(root, session) {
    const canWrite = session.can('WATCHLISTS_WRITE');
    const { watchlists } = await session.api.request<{
      watchlists: { edges: { node: { id: string; name: string } }[] };
    }>(WATCHLIST_NAMES);
    const names = new Map(watchlists.edges.map(({ node }) => [node.id, node.name]));
    const { filters, chosen } = filterForm(names, hashParams());
    const pageError = h('p', { class: 'error', role: 'alert' });
    const table = alertTable(canWrite);
    const count = h('p', { class: 'help', id: 'alert-count', 'aria-live': 'off' });
    const bulk = bulkButtons();
    const more = h('div', {});
    root.append(
      filters,
      canWrite
        ? bulk
        : h('p', { class: 'help' }, 'This key can see alerts but not change them (it lacks watchlists:write).'),
      pageError,
      count,
      table.region,
      more,
    );

    const { tbody, selectAll } = table;
    const updateCount = () => {
      const shown = table.rowsShown().length;
      count.textContent = `${shown} alert${shown === 1 ? '' : 's'} shown`;
    };
    const setStatus = async (ids: string[], status: AlertStatus, button: HTMLButtonElement) => {
      pageError.textContent = '';
      const done = busy(button, 'Saving…');
      try {
        const { updateAlerts } = await session.api.request<{ updateAlerts: Alert[] }>(UPDATE_ALERTS, { ids, status });
        for (const alert of updateAlerts) tbody.querySelector(`tr[data-alert="${alert.id}"]`)?.replaceWith(row(alert));
        announce(`${updateAlerts.length} alert${updateAlerts.length === 1 ? '' : 's'} ${words(status)}.`);
      } catch (failure) {
        pageError.textContent = (failure as Error).message;
      } finally {
        done();
        if (button.isConnected) button.focus();
        else tbody.querySelector<HTMLElement>(`tr[data-alert="${ids[0]}"] button`)?.focus();
      }
    };
    const row = (alert: Alert, fresh = false) => alertRow(alert, { canWrite, names, fresh, setStatus });

    let after: string | null = null;
    const load = async (): Promise<boolean> => {
      const { alerts } = await session.api.request<{ alerts: Page<Alert> }>(ALERTS, { ...chosen(), after });
      if (after === null) tbody.replaceChildren();
      tbody.append(...alerts.edges.map(({ node }) => row(node)));
      if (table.rowsShown().length === 0)
        tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: canWrite ? '7' : '6' }, 'No alerts match.')));
      after = alerts.pageInfo.endCursor;
      updateCount();
      return alerts.pageInfo.hasNextPage;
    };
    const reload = async () => {
      after = null;
      selectAll.checked = false;
      rememberFilters(chosen());
      more.replaceChildren();
      if (await load())
        more.append(moreButton('Show more alerts', load, (message) => (pageError.textContent = message)));
    };
    filters.addEventListener(
      'change',
      () => void reload().catch((error: Error) => (pageError.textContent = error.message)),
    );
    selectAll.addEventListener('change', () => {
      for (const box of tbody.querySelectorAll<HTMLInputElement>('input[name="selected"]'))
        box.checked = selectAll.checked;
    });
    for (const [id, status] of [
      ['acknowledge-selected', 'ACKNOWLEDGED'],
      ['resolve-selected', 'RESOLVED'],
    ] as const) {
      const button = bulk.querySelector<HTMLButtonElement>(`#${id}`)!;
      button.addEventListener('click', () => {
        const ids = [...tbody.querySelectorAll<HTMLInputElement>('input[name="selected"]:checked')].map(
          (box) => box.value,
        );
        if (ids.length === 0) {
          pageError.textContent = 'Select one alert or more first (the boxes in the first column).';
          return;
        }
        void setStatus(ids.slice(0, 100), status, button);
      });
    }
    await reload();

    // Live: new alerts from the stream, without a reload.
    return followAlerts(session, (alert) => {
      if (!matches(alert, chosen()) || tbody.querySelector(`tr[data-alert="${alert.id}"]`)) return;
      tbody.querySelector('tr.empty')?.remove();
      tbody.prepend(row(alert, true));
      updateCount();
      announce(`New alert: ${subject(alert)}.`);
    });
  },
};

type Filters = { status: AlertStatus | null; kind: AlertKind | null; watchlistId: string | null };

/** The filters, set from the page's address, and what they choose now. */
function filterForm(
  names: ReadonlyMap<string, string>,
  params: URLSearchParams,
): { filters: HTMLFormElement; chosen: () => Filters } {
  const select = (id: string, label: string, options: [string, string][], chosen: string | null) =>
    h(
      'div',
      {},
      h('label', { for: id }, label),
      h(
        'select',
        { id, name: id },
        ...options.map(([value, text]) => h('option', { value, selected: value === (chosen ?? '') }, text)),
      ),
    );
  const filters = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter alerts', onsubmit: (event: Event) => event.preventDefault() },
    select(
      'filter-status',
      'Status',
      [['', 'Any status'], ...STATUSES.map((s): [string, string] => [s, words(s)])],
      params.get('status'),
    ),
    select(
      'filter-kind',
      'Kind',
      [['', 'Any kind'], ...KINDS.map((k): [string, string] => [k, words(k)])],
      params.get('kind'),
    ),
    select(
      'filter-watchlist',
      'Watchlist',
      [['', 'Any watchlist'], ...[...names].map(([id, name]): [string, string] => [id, name])],
      params.get('watchlist'),
    ),
  );
  const chosen = (): Filters => {
    const value = (id: string) => filters.querySelector<HTMLSelectElement>(`#${id}`)!.value || null;
    return {
      status: value('filter-status') as AlertStatus | null,
      kind: value('filter-kind') as AlertKind | null,
      watchlistId: value('filter-watchlist'),
    };
  };
  return { filters, chosen };
}

/** The filters in the page's address, so that a reload or a shared link shows the same alerts. */
function rememberFilters(f: Filters): void {
  const query = new URLSearchParams(
    Object.entries({ status: f.status, kind: f.kind, watchlist: f.watchlistId }).filter(
      (e): e is [string, string] => e[1] !== null,
    ),
  );
  history.replaceState(null, '', `#/alerts${query.size ? `?${query}` : ''}`);
}

const matches = (alert: Alert, f: Filters) =>
  (!f.status || alert.status === f.status) &&
  (!f.kind || alert.kind === f.kind) &&
  (!f.watchlistId || alert.watchlistId === f.watchlistId);

function bulkButtons(): HTMLElement {
  return h(
    'div',
    { class: 'bulk', role: 'group', 'aria-label': 'Change the selected alerts' },
    h('button', { type: 'button', id: 'acknowledge-selected', class: 'secondary' }, 'Acknowledge selected'),
    h('button', { type: 'button', id: 'resolve-selected', class: 'secondary' }, 'Resolve selected'),
  );
}

/** The table of alerts in its scrolling region, with the select-all box when the key may change them. */
function alertTable(canWrite: boolean) {
  const tbody = h('tbody', {});
  const selectAll = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select every alert shown' });
  const table = h(
    'table',
    { id: 'alerts' },
    h('caption', { class: 'visually-hidden', id: 'alerts-caption' }, 'Alerts, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        canWrite ? h('th', { scope: 'col' }, selectAll) : null,
        ...['Raised', 'Kind', 'Matched', 'Record', 'Status', 'Actions'].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    tbody,
  );
  const region = h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-labelledby': 'alerts-caption', tabindex: '0' },
    table,
  );
  return {
    tbody,
    selectAll,
    region,
    rowsShown: () => [...tbody.querySelectorAll<HTMLTableRowElement>('tr[data-alert]')],
  };
}

interface RowOptions {
  canWrite: boolean;
  names: ReadonlyMap<string, string>;
  /** Arrived from the stream: highlighted. */
  fresh: boolean;
  setStatus: (ids: string[], status: AlertStatus, button: HTMLButtonElement) => Promise<void>;
}

function alertRow(alert: Alert, { canWrite, names, fresh, setStatus }: RowOptions): HTMLTableRowElement {
  const label = subject(alert);
  const buttons = h('div', { class: 'action-buttons' });
  const actions = h('td', { class: 'actions', 'data-label': 'Actions' }, buttons);
  const details = h(
    'button',
    { type: 'button', class: 'secondary', 'aria-label': `Details of the ${label}` },
    'Details',
  );
  details.addEventListener('click', () => showRecord(alert, names, details));
  buttons.append(details);
  if (canWrite) {
    for (const [status, text] of [
      ['ACKNOWLEDGED', 'Acknowledge'],
      ['RESOLVED', 'Resolve'],
    ] as const) {
      if (alert.status === status) continue;
      const button = h('button', { type: 'button', class: 'secondary', 'aria-label': `${text} the ${label}` }, text);
      button.addEventListener('click', () => void setStatus([alert.id], status, button));
      buttons.append(button);
    }
  }
  return h(
    'tr',
    { 'data-alert': alert.id, 'data-status': alert.status, class: fresh ? 'fresh' : '' },
    canWrite
      ? h(
          'td',
          { 'data-label': 'Select' },
          h('input', { type: 'checkbox', name: 'selected', value: alert.id, 'aria-label': `Select the ${label}` }),
        )
      : null,
    cell('Raised', when(alert.createdAt)),
    cell('Kind', words(alert.kind)),
    cell(
      'Matched',
      alert.entry
        ? [
            h('span', {}, `${words(alert.entry.type)} `, h('code', {}, alert.entry.value)),
            h('span', { class: 'help' }, ` in ${names.get(alert.watchlistId ?? '') ?? 'a deleted watchlist'}`),
          ]
        : h('span', { class: 'help' }, 'Your scope'),
    ),
    cell('Record', recordSummary(alert)),
    cell('Status', h('span', { class: `badge ${alert.status.toLowerCase()}` }, words(alert.status))),
    actions,
  );
}

/** New alerts from the alert stream, each read whole; returns what stops following. */
function followAlerts(session: Session, onAlert: (alert: Alert) => void): () => void {
  const stream = new EventSource(new URL('/api/v1/alerts/stream', window.location.origin).toString(), {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, authorization: session.api.authorization } }),
  });
  stream.addEventListener('alert', (event) => {
    const { id } = JSON.parse(String(event.data)) as { id: string };
    void session.api.request<{ alert: Alert | null }>(ALERT, { id }).then(({ alert }) => {
      if (alert) onAlert(alert);
    });
  });
  return () => stream.close();
}

/** What an alert is about, in words: `Credential leak matching acme.example`, `acme.example lapsed`. */
function subject(alert: Alert): string {
  if (alert.entry) return `${words(alert.kind)} matching ${alert.entry.value}`;
  const record = alert.record;
  return record?.__typename === 'ScopeChange'
    ? `Scope change: ${record.domain} ${words(record.scopeStatus)}`
    : words(alert.kind);
}

function recordSummary(alert: Alert): Node | string {
  const record = alert.record;
  if (!record) return h('span', { class: 'help' }, 'Not shown to this key');
  if (record.__typename === 'ScopeChange')
    return h(
      'span',
      {},
      h('code', {}, record.domain),
      h('span', { class: 'help' }, ` ${words(record.scopeStatus)}: its DNS record was missing three days in a row`),
    );
  if (record.__typename === 'CredentialLeak')
    return h(
      'span',
      {},
      record.email ?? record.username ?? '—',
      record.site ? h('span', { class: 'help' }, ` on ${record.site}`) : null,
    );
  if (record.__typename === 'CardLeak')
    return h(
      'span',
      {},
      `${record.bin}…${record.last4}`,
      record.brand ? h('span', { class: 'help' }, ` ${record.brand}`) : null,
    );
  return h(
    'span',
    {},
    h('a', { href: `#/ioc?id=${record.id}` }, h('code', {}, record.value)),
    h('span', { class: 'help' }, ` ${record.type.toLowerCase()}`),
  );
}

function showRecord(alert: Alert, names: ReadonlyMap<string, string>, opener: HTMLElement): void {
  const record = alert.record;
  const facts: [string, string | null | undefined][] = [
    ...(alert.entry
      ? ([
          ['Watchlist', names.get(alert.watchlistId ?? '') ?? 'deleted'],
          ['Entry', `${words(alert.entry.type)} ${alert.entry.value}`],
        ] as [string, string][])
      : []),
    ['Status', words(alert.status)],
  ];
  if (record?.__typename === 'CredentialLeak') {
    facts.push(
      ['Email', record.email],
      ['Username', record.username],
      ['Domain', record.domain],
      ['Site', record.site],
      ['Password (masked)', record.passwordMasked],
      ['Source', record.sourceName],
      ['Leaked', record.leakedAt?.slice(0, 10)],
    );
  } else if (record?.__typename === 'CardLeak') {
    facts.push(
      ['BIN', record.bin],
      ['Last four', record.last4],
      ['Expiry', record.expiry],
      ['Brand', record.brand],
      ['Source', record.sourceName],
      ['Leaked', record.leakedAt?.slice(0, 10)],
    );
  } else if (record?.__typename === 'Ioc') {
    facts.push(
      ['Type', record.type.toLowerCase()],
      ['Value', record.value],
      ['Threat', record.threatType],
      ['Confidence', String(record.confidence)],
      ['Severity', record.severity.toLowerCase()],
      ['Source', record.source],
    );
  } else if (record?.__typename === 'ScopeChange') {
    facts.push(
      ['Domain', record.domain],
      ['Now', `${words(record.scopeStatus)}: out of the scope until verified again`],
    );
  } else facts.push(['Record', 'This key may not see it (it needs the permission of the search that finds it).']);
  const element = dialog(
    subject(alert),
    [
      h('dl', { class: 'facts' }, ...facts.flatMap(([name, value]) => [h('dt', {}, name), h('dd', {}, value ?? '—')])),
      h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: () => element.close() }, 'Close')),
    ],
    () => opener.focus(),
  );
  element.querySelector<HTMLButtonElement>('.buttons button')!.focus();
}
