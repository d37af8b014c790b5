/**
 * IOC lookup: paste up to 1000 values (IPs, domains, URLs, emails, hashes; defanged forms such as
 * hxxp://evil[.]example accepted) and see which the shared feed or the workspace's own IOCs know.
 */
import { LOOKUP, type Ioc } from '../api.js';
import { announce, busy, cell, h, table, words } from '../dom.js';
import type { PageDefinition } from './page.js';

const MAX_VALUES = 1000;

export const lookupPage: PageDefinition = {
  path: 'lookup',
  title: 'IOC lookup',
  permission: 'IOCS_READ',
  render(root, session) {
    const input = h('textarea', {
      id: 'lookup-values',
      name: 'values',
      rows: '8',
      required: true,
      spellcheck: 'false',
      'aria-describedby': 'lookup-help',
    });
    const error = h('p', { class: 'error', role: 'alert' });
    const results = h('div', { id: 'lookup-results' });
    const submit = h('button', { type: 'submit' }, 'Look up');
    root.append(
      h(
        'form',
        {
          class: 'card',
          'aria-label': 'Look up IOCs',
          onsubmit: async (event: Event) => {
            event.preventDefault();
            error.textContent = '';
            // One value per line (commas and spaces separate too); blank lines ignored.
            const values = input.value
              .split(/[\s,]+/)
              .map((v) => v.trim())
              .filter(Boolean);
            if (values.length === 0) {
              error.textContent = 'Paste one value or more, one per line.';
              return input.focus();
            }
            if (values.length > MAX_VALUES) {
              error.textContent = `That is ${values.length} values: look up at most ${MAX_VALUES} at a time.`;
              return input.focus();
            }
            const done = busy(submit, 'Looking up…');
            try {
              const { iocLookup } = await session.api.request<{ iocLookup: (Ioc | null)[] }>(LOOKUP, { values });
              const known = iocLookup.filter(Boolean).length;
              const rows = values.map((value, i) => row(value, iocLookup[i] ?? null));
              results.replaceChildren(
                h('h2', { id: 'lookup-summary', tabindex: '-1' }, `${known} of ${values.length} known`),
                table(
                  'Each value looked up, in the order given',
                  ['Value', 'Known', 'Type', 'Threat', 'Confidence', 'Severity', 'TLP', 'From'],
                  rows,
                  { id: 'lookup-table' },
                ),
              );
              announce(`${known} of ${values.length} values known.`);
            } catch (failure) {
              error.textContent = (failure as Error).message;
            } finally {
              done();
            }
          },
        },
        h('label', { for: 'lookup-values' }, 'Values'),
        input,
        h(
          'p',
          { class: 'help', id: 'lookup-help' },
          `Up to ${MAX_VALUES}, one per line: IPs, domains, URLs, emails, MD5/SHA-1/SHA-256 hashes. Defanged forms (hxxp, [.]) are read as they are meant.`,
        ),
        error,
        submit,
      ),
      results,
    );
  },
};

function row(value: string, ioc: Ioc | null): HTMLTableRowElement {
  if (!ioc) {
    return h(
      'tr',
      { 'data-known': 'false' },
      cell('Value', h('code', {}, value)),
      cell('Known', h('span', { class: 'badge expired' }, 'Unknown')),
      ...['Type', 'Threat', 'Confidence', 'Severity', 'TLP', 'From'].map((c) => cell(c, '—')),
    );
  }
  return h(
    'tr',
    { 'data-known': 'true' },
    cell(
      'Value',
      h('a', { href: `#/ioc?id=${ioc.id}` }, h('code', {}, value)),
      ioc.value !== value ? h('span', { class: 'help' }, ` (${ioc.value})`) : null,
    ),
    cell('Known', h('span', { class: `badge ${ioc.status.toLowerCase()}` }, `Known, ${ioc.status.toLowerCase()}`)),
    cell('Type', ioc.type.toLowerCase()),
    cell('Threat', [ioc.threatType, ioc.malwareFamily].filter(Boolean).join(', ') || '—'),
    cell('Confidence', String(ioc.confidence)),
    cell('Severity', words(ioc.severity)),
    cell('TLP', ioc.tlp.toLowerCase().replace('_', '+')),
    cell('From', ioc.shared ? 'Shared feed' : `Your own${ioc.source ? ` (${ioc.source})` : ''}`),
  );
}
