/**
 * Leak search (enterprise): leaked credentials by domain, email or site, leaked cards by BIN, all
 * inside the workspace's verified scope; passwords only ever masked. Pages by keyset ("Show more").
 */
import {
  LEAK_PLANS,
  LEAK_SEARCHES,
  workspaceLeakAccess,
  type CardLeak,
  type CredentialLeak,
  type Page,
} from '../api.js';
import { announce, busy, cell, h, table, words, present } from '../dom.js';
import { moreButton, type PageDefinition, type Session } from './page.js';

type SearchBy = keyof typeof LEAK_SEARCHES;
const BY: { value: SearchBy; label: string; hint: string }[] = [
  { value: 'domain', label: 'Email domain', hint: 'Accounts whose email is at this domain or under it.' },
  { value: 'email', label: 'Email address', hint: 'One address.' },
  { value: 'site', label: 'Website', hint: 'Accounts of your customers captured on this site by stealer malware.' },
  { value: 'bin', label: 'Card BIN', hint: '6 to 8 digits: cards whose number starts with them.' },
];

export const leaksPage: PageDefinition = {
  path: 'leaks',
  title: 'Leak search',
  permission: 'DATALEAKS_READ',
  render(root, session) {
    const { workspace } = session.viewer;
    const access = workspaceLeakAccess(workspace);
    if (access !== 'granted') {
      root.append(
        h(
          'p',
          { class: 'warning' },
          access === 'plan'
            ? `Leak search comes with the ${LEAK_PLANS.join(' or ')} plan: your workspace is on the ${workspace.plan.toLowerCase()} plan.`
            : `Leak search is paused until billing is settled (it is ${words(workspace.billingStatus)}).`,
        ),
      );
      return;
    }
    const { scope } = workspace;
    const by = h('select', { id: 'leak-by', name: 'by' }, ...BY.map((b) => h('option', { value: b.value }, b.label)));
    const value = h('input', {
      id: 'leak-value',
      name: 'value',
      required: true,
      maxlength: '320',
      autocomplete: 'off',
      'aria-describedby': 'leak-hint leak-scope',
      list: 'scope-values',
    });
    const hint = h('p', { class: 'help', id: 'leak-hint' }, BY[0]!.hint);
    by.addEventListener('change', () => (hint.textContent = BY.find((b) => b.value === by.value)!.hint));
    const error = h('p', { class: 'error', role: 'alert' });
    const results = h('div', { id: 'leak-results', 'aria-live': 'off' });
    const submit = h('button', { type: 'submit' }, 'Search');
    const scopeText = [
      scope.domains.length ? `domains ${scope.domains.join(', ')}` : null,
      scope.emails.length ? `emails ${scope.emails.join(', ')}` : null,
      scope.bins.length ? `BINs ${scope.bins.join(', ')}` : null,
    ].filter(Boolean);

    const search = async () => {
      const kind = by.value as SearchBy;
      const query = value.value.trim();
      let after: string | null = null;
      let total: { count: number; exact: boolean } | null = null;
      const tbody = h('tbody', {});
      const load = async (): Promise<boolean> => {
        const page = await searchPage(session, kind, query, after, { first: 25, withCount: total === null });
        if (page.totalCount !== undefined) total = { count: page.totalCount, exact: page.totalCountExact !== false };
        tbody.append(
          ...page.edges.map(({ node }) =>
            kind === 'bin' ? cardRow(node as CardLeak) : credentialRow(node as CredentialLeak),
          ),
        );
        after = page.pageInfo.endCursor;
        return page.pageInfo.hasNextPage;
      };
      const hasMore = await load();
      const columns = kind === 'bin' ? CARD_COLUMNS : CREDENTIAL_COLUMNS;
      const wrap = table(`Leaks for ${query}`, columns, []);
      wrap.querySelector('tbody')!.replaceWith(tbody);
      const found = tbody.children.length;
      const counted = total as { count: number; exact: boolean } | null;
      const summary = counted
        ? `${counted.count.toLocaleString('en')}${counted.exact ? '' : ' or more'} ${counted.count === 1 && counted.exact ? 'leak' : 'leaks'} found for ${query}`
        : `${found} leaks found for ${query}`;
      results.replaceChildren(
        ...present(
          h('h2', { id: 'results-title' }, found ? `Leaks for ${query}` : `No leaks found for ${query}`),
          found ? h('p', { class: 'help', id: 'leak-count' }, `${summary}.`) : null,
          found ? exportButton(session, kind, query, counted, (message) => (error.textContent = message)) : null,
          found
            ? wrap
            : h('p', { class: 'help' }, 'Nothing stored matches. New leaks that match a watchlist entry raise alerts.'),
          hasMore ? moreButton('Show more leaks', load, (message) => (error.textContent = message)) : null,
        ),
      );
      announce(found ? `${summary}.` : `No leaks found for ${query}.`);
    };

    root.append(
      h(
        'form',
        {
          class: 'card inline-form',
          role: 'search',
          'aria-label': 'Search leaks',
          onsubmit: async (event: Event) => {
            event.preventDefault();
            error.textContent = '';
            const done = busy(submit, 'Searching…');
            try {
              await search();
            } catch (failure) {
              error.textContent = (failure as Error).message;
              results.replaceChildren();
              value.focus();
            } finally {
              done();
            }
          },
        },
        h(
          'div',
          { class: 'fields' },
          h('div', {}, h('label', { for: 'leak-by' }, 'Search by'), by),
          h('div', { class: 'grow' }, h('label', { for: 'leak-value' }, 'Value'), value, hint),
        ),
        h(
          'p',
          { class: 'help', id: 'leak-scope' },
          scopeText.length
            ? `Inside your verified scope: ${scopeText.join('; ')}.`
            : 'Your workspace has no verified scope yet: every search is refused.',
        ),
        h(
          'datalist',
          { id: 'scope-values' },
          ...[...scope.domains, ...scope.emails, ...scope.bins].map((v) => h('option', { value: v })),
        ),
        error,
        submit,
      ),
      results,
    );
  },
};

const FIELDS = { domain: 'byDomain', email: 'byEmail', site: 'bySite', bin: 'byBin' } as const;
const CREDENTIAL_COLUMNS = ['Email or login', 'Site', 'Password (masked)', 'Source', 'Leaked', 'Severity'];
const CARD_COLUMNS = ['Card', 'Expiry', 'Brand', 'Source', 'Leaked'];
/** The most rows an export holds: the server counts that far, and a browser builds the file in memory. */
const EXPORT_MAX_ROWS = 10_000;

function searchPage(
  session: Session,
  kind: SearchBy,
  query: string,
  after: string | null,
  options: { first: number; withCount: boolean },
): Promise<Page<CredentialLeak | CardLeak>> {
  return session.api
    .request<{ dataleaks: Record<string, Page<CredentialLeak | CardLeak>> }>(LEAK_SEARCHES[kind], {
      value: query,
      after,
      ...options,
    })
    .then((data) => data.dataleaks[FIELDS[kind]]!);
}

/**
 * "Download CSV": every row of the search (up to 10,000), read 1000 at a time, as a CSV file the
 * browser saves. Passwords are masked as the API shows them; a cell that a spreadsheet would run
 * as a formula (`=`, `+`, `-`, `@` first) is written with a `'` before it.
 */
function exportButton(
  session: Session,
  kind: SearchBy,
  query: string,
  total: { count: number; exact: boolean } | null,
  onError: (message: string) => void,
): HTMLElement {
  const button = h('button', { type: 'button', class: 'secondary', id: 'leak-export' }, 'Download CSV');
  const status = h('span', { class: 'help', role: 'status' });
  button.addEventListener('click', async () => {
    const done = busy(button, 'Preparing…');
    try {
      const rows: string[][] = [kind === 'bin' ? CARD_COLUMNS : CREDENTIAL_COLUMNS];
      let after: string | null = null;
      for (;;) {
        const page = await searchPage(session, kind, query, after, { first: 1000, withCount: false });
        for (const { node } of page.edges)
          rows.push(kind === 'bin' ? cardCells(node as CardLeak) : credentialCells(node as CredentialLeak));
        after = page.pageInfo.endCursor;
        if (!page.pageInfo.hasNextPage || rows.length > EXPORT_MAX_ROWS) break;
      }
      const kept = rows.slice(0, EXPORT_MAX_ROWS + 1);
      const blob = new Blob([kept.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'], {
        type: 'text/csv;charset=utf-8',
      });
      const link = h('a', {
        href: URL.createObjectURL(blob),
        download: `leaks-${kind}-${query.replace(/[^A-Za-z0-9.@-]/g, '_')}.csv`,
      });
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      const cut = rows.length > EXPORT_MAX_ROWS || (total !== null && !total.exact);
      status.textContent = `${kept.length - 1} rows saved${cut ? ` (the first ${EXPORT_MAX_ROWS.toLocaleString('en')})` : ''}.`;
    } catch (failure) {
      onError((failure as Error).message);
    } finally {
      done();
    }
  });
  return h('div', { class: 'buttons start' }, button, status);
}

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const credentialCells = (leak: CredentialLeak) => [
  leak.email ?? leak.username ?? '',
  leak.site ?? '',
  leak.passwordMasked ?? '',
  `${leak.sourceName} (${words(leak.sourceType)})`,
  leak.leakedAt?.slice(0, 10) ?? '',
  words(leak.severity),
];

const cardCells = (leak: CardLeak) => [
  `${leak.bin}…${leak.last4}`,
  leak.expiry ?? '',
  leak.brand ?? '',
  leak.sourceName,
  leak.leakedAt?.slice(0, 10) ?? '',
];

function credentialRow(leak: CredentialLeak): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-leak': leak.id },
    cell('Email or login', leak.email ?? leak.username ?? '—'),
    cell('Site', leak.site ?? '—'),
    cell('Password (masked)', leak.passwordMasked ? h('code', {}, leak.passwordMasked) : '—'),
    cell('Source', `${leak.sourceName} (${words(leak.sourceType)})`),
    cell('Leaked', leak.leakedAt?.slice(0, 10) ?? '—'),
    cell('Severity', words(leak.severity)),
  );
}

function cardRow(leak: CardLeak): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-leak': leak.id },
    cell('Card', h('code', {}, `${leak.bin}…${leak.last4}`)),
    cell('Expiry', leak.expiry ?? '—'),
    cell('Brand', leak.brand ?? '—'),
    cell('Source', leak.sourceName),
    cell('Leaked', leak.leakedAt?.slice(0, 10) ?? '—'),
  );
}
