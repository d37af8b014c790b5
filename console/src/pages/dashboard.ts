/**
 * Dashboard: the workspace at a glance. New alerts by kind and alerts per day over 30 days (with
 * watchlists:read), IOCs by type in the shared feed and the workspace's own (with iocs:read), the
 * plan, billing and key usage (every key). The chart is uPlot, drawn on a canvas; the same numbers
 * are in a table under it for screen readers and for copying.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import {
  ALERT_SUMMARY,
  IOC_SUMMARY,
  LEAK_PLANS,
  workspaceLeakAccess,
  type IocTypeCount,
  type Summary,
} from '../api.js';
import { cell, h, table, words } from '../dom.js';
import type { PageDefinition, Session } from './page.js';

const KINDS = ['CREDENTIAL_LEAK', 'CARD_LEAK', 'IOC', 'SCOPE'] as const;

export const dashboardPage: PageDefinition = {
  path: 'dashboard',
  title: 'Dashboard',
  permission: null,
  async render(root, session) {
    const [alerts, iocs] = await Promise.all([
      session.can('WATCHLISTS_READ') ? session.api.request<Summary>(ALERT_SUMMARY) : null,
      session.can('IOCS_READ') ? session.api.request<Summary>(IOC_SUMMARY) : null,
    ]);
    let chart: uPlot | undefined;
    const sections: HTMLElement[] = [];
    if (alerts?.alertSummary) {
      const { newByKind, daily } = alerts.alertSummary;
      const plot = h('div', { class: 'chart', 'aria-hidden': 'true' });
      sections.push(newAlertsCard(newByKind), dailyCard(daily, plot));
      // Drawn once the section is in the page, at the width it gets there.
      queueMicrotask(() => (chart = dailyChart(daily, plot)));
    }
    if (iocs?.iocSummary) sections.push(iocsCard(iocs.iocSummary));
    sections.push(planCard(session));
    root.append(h('div', { class: 'grid' }, ...sections));
    return () => chart?.destroy();
  },
};

type AlertSummary = NonNullable<Summary['alertSummary']>;

/** New alerts by kind, each a link to them. */
function newAlertsCard(newByKind: AlertSummary['newByKind']): HTMLElement {
  const count = (kind: string) => newByKind.find((k) => k.kind === kind)?.count ?? 0;
  return h(
    'section',
    { 'aria-labelledby': 'new-alerts-title', class: 'card' },
    h('h2', { id: 'new-alerts-title' }, 'New alerts'),
    h(
      'ul',
      { class: 'tiles' },
      ...KINDS.map((kind) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/alerts?status=NEW&kind=${kind}`, 'data-kind': kind },
            h('span', { class: 'number' }, String(count(kind))),
            h('span', {}, ` ${words(kind)}${count(kind) === 1 ? '' : 's'}`),
          ),
        ),
      ),
    ),
  );
}

/** Alerts per day: the chart's place, and the same numbers as a table. */
function dailyCard(daily: AlertSummary['daily'], plot: HTMLElement): HTMLElement {
  const total = daily.reduce((sum, d) => sum + d.count, 0);
  return h(
    'section',
    { 'aria-labelledby': 'daily-title', class: 'card' },
    h('h2', { id: 'daily-title' }, 'Alerts over the last 30 days'),
    h('p', { class: 'help' }, `${total} alert${total === 1 ? '' : 's'} raised, per UTC day.`),
    h(
      'figure',
      {},
      plot,
      h('figcaption', { class: 'visually-hidden' }, 'Alerts per day; the table below has the same numbers.'),
    ),
    h(
      'details',
      {},
      h('summary', {}, 'Show the numbers'),
      table(
        'Alerts per day, oldest first',
        ['Day', 'Alerts'],
        daily.map((d) => h('tr', {}, cell('Day', d.day), cell('Alerts', String(d.count)))),
      ),
    ),
  );
}

function dailyChart(daily: AlertSummary['daily'], plot: HTMLElement): uPlot {
  const xs = daily.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
  const ys = daily.map((d) => d.count);
  return new uPlot(
    {
      width: Math.max(280, Math.min(plot.clientWidth || 600, 900)),
      height: 220,
      legend: { show: false },
      cursor: { show: true, points: { show: false } },
      // Half a day either side, so that the first and last days' bars are whole.
      scales: {
        x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
        y: { range: (_u, _min, max) => [0, Math.max(4, max)] },
      },
      axes: [
        { stroke: '#3d4452' },
        { stroke: '#3d4452', values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) },
      ],
      series: [
        {},
        {
          label: 'Alerts',
          stroke: '#1f5fbf',
          fill: 'rgba(31, 95, 191, 0.35)',
          paths: uPlot.paths.bars!({ size: [0.7, 40] }),
          points: { show: false },
        },
      ],
    },
    [xs, ys],
    plot,
  );
}

/** IOCs by type, the shared feed's beside the workspace's own; then both by status. */
function iocsCard({ shared, own }: NonNullable<Summary['iocSummary']>): HTMLElement {
  const types = [...new Set([...shared, ...own].map((row) => row.type))].sort();
  const of = (list: IocTypeCount[], type: string) =>
    (list.find((row) => row.type === type)?.count ?? 0).toLocaleString();
  const total = (status: 'active' | 'expired' | 'revoked') =>
    [...shared, ...own].reduce((sum, row) => sum + row[status], 0);
  return h(
    'section',
    { 'aria-labelledby': 'iocs-title', class: 'card' },
    h('h2', { id: 'iocs-title' }, 'IOCs by type'),
    types.length === 0
      ? h('p', { class: 'help' }, 'No IOCs yet.')
      : table(
          'IOCs by type: the shared feed and the workspace’s own',
          ['Type', 'Shared feed', 'Your own'],
          types.map((type) =>
            h(
              'tr',
              {},
              cell('Type', type.toLowerCase()),
              cell('Shared feed', of(shared, type)),
              cell('Your own', of(own, type)),
            ),
          ),
          { id: 'ioc-types' },
        ),
    types.length === 0
      ? null
      : h(
          'ul',
          { class: 'tiles', id: 'ioc-statuses', 'aria-label': 'IOCs by status, the shared feed and your own' },
          ...(['active', 'expired', 'revoked'] as const).map((status) =>
            h(
              'li',
              { 'data-status': status },
              h('span', { class: 'number' }, total(status).toLocaleString()),
              h('span', {}, ` ${status}`),
            ),
          ),
        ),
  );
}

/** The plan, billing and key usage, which every key may see. */
function planCard(session: Session): HTMLElement {
  const { workspace, key } = session.viewer;
  return h(
    'section',
    { 'aria-labelledby': 'plan-title', class: 'card' },
    h('h2', { id: 'plan-title' }, 'Plan and keys'),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Plan'),
      h('dd', {}, workspace.plan.toLowerCase()),
      h('dt', {}, 'Billing'),
      h('dd', {}, words(workspace.billingStatus)),
      h('dt', {}, 'API keys'),
      h('dd', { id: 'key-usage' }, `${workspace.activeKeys} of ${workspace.keyLimit} active`),
      h('dt', {}, 'This key'),
      h('dd', {}, `“${key.name}”: ${key.permissions.length} permissions`),
    ),
    workspaceLeakAccess(workspace) === 'plan'
      ? h('p', { class: 'help' }, `Leak search and leak alerts come with the ${LEAK_PLANS.join(' or ')} plan.`)
      : null,
  );
}
