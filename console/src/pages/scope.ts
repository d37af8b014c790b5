/**
 * Scope: the domains, email addresses and BINs whose leaks the workspace may search. A key with
 * scope:write claims a domain here, is shown the TXT record to publish (with copy buttons), and
 * verifies it: found, the domain and its subdomains are in scope at once. Operators' entries are
 * listed as such and cannot be removed here.
 */
import { CLAIM_DOMAIN, REMOVE_DOMAIN, SCOPE, VERIFY_DOMAIN, type ScopeDomain } from '../api.js';
import { announce, busy, cell, confirmDialog, copyButton, h, table, when } from '../dom.js';
import type { PageDefinition, Session } from './page.js';

type ScopeAnswer = {
  viewer: { workspace: { scope: { domainEntries: ScopeDomain[]; emails: string[]; bins: string[] } } };
};

const STATUS_WORDS: Record<ScopeDomain['status'], string> = {
  PENDING: 'Pending: publish the record, then verify',
  VERIFIED: 'Verified',
  LAPSED: 'Lapsed: the record was missing at three checks in a row',
  OPERATOR: 'Added by an operator',
};

export const scopePage: PageDefinition = {
  path: 'scope',
  title: 'Scope',
  permission: null,
  async render(root, session) {
    const canWrite = session.can('SCOPE_WRITE');
    const domains = h('div', { id: 'scope-domains' });
    const others = h('div', { id: 'scope-others' });
    const pageError = h('p', { class: 'error', role: 'alert', id: 'scope-error' });
    const load = async () => {
      const { scope } = (await session.api.request<ScopeAnswer>(SCOPE)).viewer.workspace;
      domains.replaceChildren(domainTable(session, scope.domainEntries, canWrite, pageError, load));
      others.replaceChildren(
        h('h2', {}, 'Email addresses and BINs'),
        scope.emails.length + scope.bins.length === 0
          ? h('p', { class: 'help' }, 'None. An operator adds them with the command line (scope add).')
          : h('ul', { class: 'plain' }, ...[...scope.emails, ...scope.bins].map((value) => h('li', {}, value))),
      );
    };
    root.append(
      h(
        'p',
        { class: 'help' },
        'Leak searches answer for what is in scope: a domain covers its subdomains and their email addresses. Prove a domain by publishing a DNS TXT record; it is checked again every day, and lapses when the record is missing three days in a row.',
      ),
      canWrite
        ? claimForm(session, pageError, load)
        : h('p', { class: 'help' }, 'This key can see the scope but not claim domains (it lacks scope:write).'),
      pageError,
      domains,
      others,
    );
    await load();
  },
};

function claimForm(session: Session, pageError: HTMLElement, reload: () => Promise<void>): HTMLElement {
  const domain = h('input', {
    id: 'claim-domain',
    name: 'domain',
    required: true,
    maxlength: '253',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'acme.example',
    'aria-describedby': 'claim-domain-help',
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Claim domain');
  return h(
    'form',
    {
      class: 'card inline-form',
      'aria-labelledby': 'claim-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.textContent = '';
        pageError.textContent = '';
        const done = busy(submit, 'Claiming…');
        try {
          const { claimDomain } = await session.api.request<{ claimDomain: { claim: ScopeDomain; created: boolean } }>(
            CLAIM_DOMAIN,
            { domain: domain.value.trim() },
          );
          domain.value = '';
          await reload();
          done();
          announce(
            `${claimDomain.claim.domain} ${claimDomain.created ? 'claimed' : 'was already claimed'}: publish its TXT record, then verify.`,
          );
          document.getElementById(`record-${claimDomain.claim.domain}`)?.focus();
        } catch (failure) {
          done();
          error.textContent = (failure as Error).message;
        }
      },
    },
    h('h2', { id: 'claim-title' }, 'Claim a domain'),
    h('label', { for: 'claim-domain' }, 'Domain'),
    domain,
    h('p', { class: 'help', id: 'claim-domain-help' }, 'You will be shown a TXT record to publish at your DNS host.'),
    error,
    submit,
  );
}

function domainTable(
  session: Session,
  entries: ScopeDomain[],
  canWrite: boolean,
  pageError: HTMLElement,
  reload: () => Promise<void>,
): HTMLElement {
  if (entries.length === 0) return h('p', { class: 'help', id: 'no-domains' }, 'No domains in scope yet.');
  const rows = entries.map((entry) => {
    const actions = h('div', { class: 'actions' });
    if (canWrite && entry.status !== 'OPERATOR') {
      if (entry.status !== 'VERIFIED') {
        const verify = h('button', { type: 'button', 'aria-label': `Verify ${entry.domain}` }, 'Verify');
        verify.addEventListener('click', async () => {
          pageError.textContent = '';
          const done = busy(verify, 'Looking up…');
          try {
            await session.api.request(VERIFY_DOMAIN, { domain: entry.domain });
            await reload();
            announce(`${entry.domain} verified: it is in scope now.`);
          } catch (failure) {
            done();
            pageError.textContent = (failure as Error).message;
          }
        });
        actions.append(verify);
      }
      const remove = h(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': `Remove ${entry.domain}` },
        'Remove',
      );
      remove.addEventListener('click', async () => {
        const confirmed = await confirmDialog(
          `Remove ${entry.domain}?`,
          [h('p', {}, 'It leaves the scope at once; to add it again you will publish a new record.')],
          'Remove',
          remove,
        );
        if (!confirmed) return;
        try {
          await session.api.request(REMOVE_DOMAIN, { domain: entry.domain });
          await reload();
          announce(`${entry.domain} removed.`);
        } catch (failure) {
          pageError.textContent = (failure as Error).message;
        }
      });
      actions.append(remove);
    }
    return h(
      'tr',
      { 'data-domain': entry.domain },
      cell('Domain', entry.domain),
      cell('Status', STATUS_WORDS[entry.status]),
      cell('Verified', when(entry.verifiedAt)),
      cell('DNS record', entry.record && entry.status !== 'VERIFIED' ? recordFields(entry) : '—'),
      cell('Actions', actions),
    );
  });
  return table('Domains in scope', ['Domain', 'Status', 'Verified', 'DNS record', 'Actions'], rows, {
    class: 'scope-table',
  });
}

/** The TXT record's name and value, each in a read-only field with a copy button. */
function recordFields(entry: ScopeDomain): HTMLElement {
  const record = entry.record!;
  const field = (label: string, value: string, id: string) => {
    const input = h('input', {
      id,
      readonly: true,
      value,
      spellcheck: 'false',
      'aria-label': `${label} of ${entry.domain}`,
    });
    const { button, status } = copyButton(input, `copy-${id}`);
    button.setAttribute('aria-label', `Copy the ${label.toLowerCase()}`);
    return h('div', { class: 'secret-row' }, h('span', { class: 'help' }, `${label}:`), input, button, status);
  };
  return h(
    'div',
    { class: 'dns-record', id: `record-${entry.domain}`, tabindex: '-1' },
    h('span', {}, `TXT record`),
    field('Name', record.name, `record-name-${entry.domain}`),
    field('Value', record.value, `record-value-${entry.domain}`),
  );
}
