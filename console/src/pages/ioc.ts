/**
 * One IOC (`#/ioc?id=…`, opened from a lookup or an alert): its status, score and validity, what the
 * workspace saw of it, and the workspace's judgement, "False positive here" with a reason, which
 * takes it out of the workspace's listings, exports, TAXII view and alerts (and can be taken back).
 */
import { IOC, REPORT_SIGHTINGS, type IocDetail, type SightingReport } from '../api.js';
import { announce, busy, h, when, words } from '../dom.js';
import { hashParams, type PageDefinition, type Session } from './page.js';

export const iocPage: PageDefinition = {
  path: 'ioc',
  title: 'IOC',
  permission: 'IOCS_READ',
  hidden: true,
  async render(root, session) {
    const id = hashParams().get('id') ?? '';
    const { ioc } = await session.api.request<{ ioc: IocDetail | null }>(IOC, { id }, { notFound: 'No such IOC.' });
    if (!ioc) {
      root.append(h('p', { class: 'error', role: 'alert' }, 'This workspace can read no IOC with this id.'));
      return;
    }
    document.getElementById('page-title')!.textContent = `IOC ${ioc.value}`;
    const reload = () => {
      root.replaceChildren();
      void iocPage.render(root, session);
    };
    root.append(facts(ioc), judgement(ioc, session, reload));
  },
};

const STATUS_HELP: Record<IocDetail['status'], string> = {
  ACTIVE: 'active: a live detection',
  EXPIRED: 'expired: its validity has ended; a new sighting or import renews it',
  REVOKED: 'revoked: withdrawn by its source, its owner or an exclusion list',
};

function facts(ioc: IocDetail): HTMLElement {
  const fact = (term: string, ...value: (Node | string | null)[]) => [h('dt', {}, term), h('dd', {}, ...value)];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'ioc-facts' },
    h('h2', { id: 'ioc-facts' }, 'Status and validity'),
    h(
      'dl',
      { class: 'facts', id: 'ioc-detail' },
      ...fact('Value', h('code', {}, ioc.value)),
      ...fact('Type', ioc.type.toLowerCase()),
      ...fact(
        'Status',
        h('span', { class: `badge ${ioc.status.toLowerCase()}`, 'data-status': ioc.status }, words(ioc.status)),
        h('span', { class: 'help' }, ` ${STATUS_HELP[ioc.status].split(': ')[1]}`),
      ),
      ...fact(
        'Score',
        h('span', { id: 'ioc-score' }, `${ioc.score} of 100`),
        h('span', { class: 'help' }, ` (confidence ${ioc.confidence}, lower as it ages)`),
      ),
      ...fact('Valid from', when(ioc.validFrom)),
      ...fact('Valid until', ioc.validUntil ? when(ioc.validUntil) : 'never (hashes do not expire)'),
      ...fact('Last seen', when(ioc.lastSeen)),
      ...fact('Threat', [ioc.threatType, ioc.malwareFamily].filter(Boolean).join(', ') || '—'),
      ...fact('Severity', words(ioc.severity)),
      ...fact('From', ioc.shared ? 'Shared feed' : `Your own${ioc.source ? ` (${ioc.source})` : ''}`),
      ...fact(
        'Your sightings',
        h(
          'span',
          { id: 'ioc-sightings' },
          ioc.sightings.count === 0 ? 'none reported' : `${ioc.sightings.count.toLocaleString()}, the last `,
        ),
        ioc.sightings.count === 0 ? null : when(ioc.sightings.lastSeen),
      ),
      ...(ioc.shared
        ? fact(
            'Reported benign by',
            `${ioc.falsePositiveReports} workspace${ioc.falsePositiveReports === 1 ? '' : 's'}`,
          )
        : []),
      ...(ioc.excludedBy ? fact('Excluded by', h('a', { href: '#/exclusions' }, ioc.excludedBy)) : []),
    ),
  );
}

/** The workspace's judgement: a switch with a reason, sent as a sighting with `falsePositive`. */
function judgement(ioc: IocDetail, session: Session, reload: () => void): HTMLElement {
  const canWrite = session.can('IOCS_WRITE');
  const toggle = h('input', {
    type: 'checkbox',
    id: 'false-positive',
    name: 'falsePositive',
    role: 'switch',
    checked: ioc.falsePositive,
    disabled: !canWrite,
    'aria-describedby': 'false-positive-help',
  });
  const reason = h('input', {
    type: 'text',
    id: 'false-positive-reason',
    name: 'reason',
    maxlength: '500',
    disabled: !canWrite,
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const save = h('button', { type: 'submit', disabled: !canWrite }, 'Save judgement');
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'judgement-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.textContent = '';
        const done = busy(save, 'Saving…');
        try {
          const falsePositive = toggle.checked;
          const { reportSightings } = await session.api.request<{ reportSightings: SightingReport }>(REPORT_SIGHTINGS, {
            sightings: [
              {
                value: ioc.value,
                type: ioc.type.toLowerCase(),
                falsePositive,
                reason: falsePositive ? reason.value.trim() || null : null,
              },
            ],
          });
          const refused = reportSightings.rejected[0]?.reason;
          if (refused) {
            error.textContent = refused;
            return;
          }
          announce(falsePositive ? 'Marked a false positive here.' : 'No longer a false positive here.');
          reload();
        } catch (failure) {
          error.textContent = (failure as Error).message;
        } finally {
          done();
        }
      },
    },
    h('h2', { id: 'judgement-title' }, 'Your judgement'),
    h('div', { class: 'check' }, toggle, h('label', { for: 'false-positive' }, 'False positive here')),
    h(
      'p',
      { class: 'help', id: 'false-positive-help' },
      'Benign in your environment: it leaves your listings, exports, TAXII view and watchlist alerts; other workspaces see only a count.',
    ),
    h('label', { for: 'false-positive-reason' }, 'Reason (optional)'),
    reason,
    error,
    canWrite ? save : h('p', { class: 'help' }, 'This key may not change judgements (it lacks iocs:write).'),
  );
}
