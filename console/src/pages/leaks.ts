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
import { moreButton, type PageDefinition } from './page.js';

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
      const tbody = h('tbody', {});
      const field = { domain: 'byDomain', email: 'byEmail', site: 'bySite', bin: 'byBin' }[kind] as 'byDomain';
      const load = async (): Promise<boolean> => {
        const data = await session.api.request<{ dataleaks: Record<string, Page<CredentialLeak | CardLeak>> }>(
          LEAK_SEARCHES[kind],
          { value: query, after },
        );
        const page = data.dataleaks[field]!;
        tbody.append(
          ...page.edges.map(({ node }) =>
            kind === 'bin' ? cardRow(node as CardLeak) : credentialRow(node as CredentialLeak),
          ),
        );
        after = page.pageInfo.endCursor;
        return page.pageInfo.hasNextPage;
      };
      const hasMore = await load();
      const columns =
        kind === 'bin'
          ? ['Card', 'Expiry', 'Brand', 'Source', 'Leaked']
          : ['Email or login', 'Site', 'Password (masked)', 'Source', 'Leaked', 'Severity'];
      const wrap = table(`Leaks for ${query}`, columns, []);
      wrap.querySelector('tbody')!.replaceWith(tbody);
      const found = tbody.children.length;
      results.replaceChildren(
        ...present(
          h('h2', { id: 'results-title' }, found ? `Leaks for ${query}` : `No leaks found for ${query}`),
          found
            ? wrap
            : h('p', { class: 'help' }, 'Nothing stored matches. New leaks that match a watchlist entry raise alerts.'),
          hasMore ? moreButton('Show more leaks', load, (message) => (error.textContent = message)) : null,
        ),
      );
      announce(
        found ? `${found}${hasMore ? ' or more' : ''} leaks found for ${query}.` : `No leaks found for ${query}.`,
      );
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
