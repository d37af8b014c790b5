/**
 * Feeds: the workspace's own (each one's format, schedule, how its last pull went and why it
 * failed; Run now; add one; delete one after a confirmation) and the addresses the security stack
 * reads this server at (block lists for firewalls, the MISP feed) with the settings they need.
 */
import { CREATE_FEED, DELETE_FEED, FEEDS, RUN_FEED, type Feed } from '../api.js';
import { announce, busy, cell, confirmDialog, h, present, table, when } from '../dom.js';
import type { PageDefinition, Session } from './page.js';

const FORMATS: [string, string][] = [
  ['TEXT', 'text: one value a line'],
  ['CSV', 'csv: this product’s CSV'],
  ['STIX', 'stix: a STIX 2.1 bundle'],
  ['TAXII', 'taxii: a TAXII 2.1 collection URL'],
  ['MISP', 'misp: a MISP feed folder'],
  ['URLHAUS', 'urlhaus: abuse.ch URLhaus CSV'],
  ['THREATFOX', 'threatfox: abuse.ch ThreatFox JSON'],
];
const BLOCKLIST_TYPES = ['ipv4', 'ipv6', 'domain', 'url', 'sha256', 'md5', 'sha1'];

/** How the last pull went, in words. */
export function lastRunText(feed: Pick<Feed, 'lastRunAt' | 'lastError' | 'lastRun'>): string {
  if (!feed.lastRunAt) return 'not pulled yet';
  if (feed.lastError) return `failed: ${feed.lastError}`;
  const run = feed.lastRun;
  if (!run || run.read === 0) return 'unchanged since the last pull';
  return `${run.read.toLocaleString()} read: ${run.created.toLocaleString()} new, ${run.updated.toLocaleString()} updated, ${run.unchanged.toLocaleString()} unchanged, ${run.rejected.toLocaleString()} rejected`;
}

export const feedsPage: PageDefinition = {
  path: 'feeds',
  title: 'Feeds',
  permission: 'IOCS_READ',
  async render(root, session) {
    const writable = session.can('IOCS_WRITE');
    const list = writable ? await feedsCard(session) : null;
    root.append(
      ...present(
        h(
          'p',
          { class: 'help' },
          'Feeds pull the sources you trust into your own IOCs on a schedule; the block lists and the MISP feed below are how your firewalls and MISP read this server.',
        ),
        list?.card,
        list ? addForm(session, list.load) : null,
        outCard(),
      ),
    );
  },
};

async function feedsCard(session: Session): Promise<{ card: HTMLElement; load: () => Promise<void> }> {
  const card = h('section', { class: 'card', 'aria-labelledby': 'feeds-title', id: 'feeds' });
  const error = h('p', { class: 'error', role: 'alert' });
  const render = (feeds: Feed[]) =>
    card.replaceChildren(
      ...present(
        h('h2', { id: 'feeds-title', tabindex: '-1' }, 'Your feeds'),
        feeds.length === 0
          ? h('p', { class: 'help' }, 'No feeds yet.')
          : table(
              'Your feeds',
              ['Name', 'Format', 'Every', 'Last pull', 'Result', 'Actions'],
              feeds.map((feed) =>
                h(
                  'tr',
                  { 'data-feed': feed.name },
                  cell('Name', h('span', { title: feed.url }, feed.name)),
                  cell('Format', feed.format.toLowerCase()),
                  cell('Every', feed.every),
                  cell('Last pull', when(feed.lastRunAt, 'never')),
                  cell('Result', h('span', { class: feed.lastError ? 'error' : '' }, lastRunText(feed))),
                  cell('Actions', runButton(feed), deleteButton(feed)),
                ),
              ),
              { id: 'feed-list' },
            ),
        error,
      ),
    );
  const load = async () => {
    render((await session.api.request<{ feeds: Feed[] }>(FEEDS)).feeds);
  };
  const runButton = (feed: Feed) => {
    const button = h(
      'button',
      { type: 'button', class: 'secondary', 'aria-label': `Run now: ${feed.name}` },
      'Run now',
    );
    button.addEventListener('click', async () => {
      error.textContent = '';
      const done = busy(button, 'Queued…');
      try {
        await session.api.request(RUN_FEED, { id: feed.id });
        announce(`${feed.name} queued: a server process pulls it within seconds.`);
        // The pull takes a moment: show its outcome once it is recorded.
        window.setTimeout(() => void load().catch(() => {}), 3000);
      } catch (failure) {
        error.textContent = (failure as Error).message;
      } finally {
        done();
      }
    });
    return button;
  };
  const deleteButton = (feed: Feed) => {
    const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${feed.name}` }, 'Delete');
    button.addEventListener('click', async () => {
      const confirmed = await confirmDialog(
        `Delete the feed “${feed.name}”?`,
        [h('p', {}, 'It is no longer pulled. The IOCs it brought stay.')],
        'Delete feed',
        button,
      );
      if (!confirmed) return;
      try {
        await session.api.request(DELETE_FEED, { id: feed.id });
        announce(`Feed ${feed.name} deleted.`);
        await load();
        card.querySelector<HTMLElement>('#feeds-title')?.focus();
      } catch (failure) {
        error.textContent = (failure as Error).message;
      }
    });
    return button;
  };
  await load();
  return { card, load };
}

function addForm(session: Session, added: () => Promise<void>): HTMLElement {
  const name = h('input', { id: 'feed-name', name: 'name', required: true, maxlength: '100' });
  const url = h('input', { id: 'feed-url', name: 'url', type: 'url', required: true, placeholder: 'https://' });
  const format = h(
    'select',
    { id: 'feed-format', name: 'format' },
    ...FORMATS.map(([value, label]) => h('option', { value }, label)),
  );
  const every = h('input', {
    id: 'feed-every',
    name: 'every',
    value: '1h',
    pattern: '\\d+[mhd]',
    'aria-describedby': 'feed-every-help',
  });
  const headerName = h('input', { id: 'feed-header-name', name: 'header-name', placeholder: 'Authorization' });
  const headerValue = h('input', {
    id: 'feed-header-value',
    name: 'header-value',
    type: 'password',
    autocomplete: 'off',
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Add feed');
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'new-feed-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.textContent = '';
        const done = busy(submit, 'Adding…');
        try {
          const header = headerName.value.trim();
          await session.api.request(CREATE_FEED, {
            name: name.value.trim(),
            url: url.value.trim(),
            format: format.value,
            every: every.value.trim() || null,
            headers: header ? [{ name: header, value: headerValue.value }] : null,
          });
          announce(`Feed ${name.value.trim()} added; its first pull is due now.`);
          await added();
          name.value = '';
          url.value = '';
          headerName.value = '';
          headerValue.value = '';
        } catch (failure) {
          error.textContent = (failure as Error).message;
          name.focus();
        } finally {
          done();
        }
      },
    },
    h('h2', { id: 'new-feed-title' }, 'New feed'),
    h('label', { for: 'feed-name' }, 'Name (the source of the IOCs it brings)'),
    name,
    h('label', { for: 'feed-url' }, 'URL (https, a public address)'),
    url,
    h('label', { for: 'feed-format' }, 'Format'),
    format,
    h('label', { for: 'feed-every' }, 'Every'),
    every,
    h('p', { class: 'help', id: 'feed-every-help' }, 'From 15m to 7d: a number and m, h or d.'),
    h('label', { for: 'feed-header-name' }, 'Request header (optional)'),
    headerName,
    h('label', { for: 'feed-header-value' }, 'Its value: stored sealed, never shown again'),
    headerValue,
    error,
    submit,
  );
}

function outCard(): HTMLElement {
  const origin = window.location.origin;
  const code = (text: string) => h('code', {}, text);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'out-title', id: 'feeds-out' },
    h('h2', { id: 'out-title' }, 'Read by your security stack'),
    h('h3', {}, 'Block lists for firewalls, proxies and DNS filters'),
    table(
      'Block list addresses',
      ['Type', 'Address'],
      BLOCKLIST_TYPES.map((type) =>
        h('tr', {}, cell('Type', type), cell('Address', code(`${origin}/api/v1/blocklists/${type}.txt`))),
      ),
      { id: 'blocklist-urls' },
    ),
    h(
      'p',
      { class: 'help' },
      'One active value a line, newest first, at most 150,000; add min_score, min_confidence, tag, source or own=true|false to the address to narrow it. ',
      'In PAN-OS (External Dynamic Lists) or FortiGate (Threat Feeds): the address as source, HTTP Basic with any user name and an API key with iocs:read as password, refreshed every 5 minutes (unchanged lists answer 304).',
    ),
    h('h3', {}, 'MISP feed'),
    h('p', {}, 'Shared feed: ', code(`${origin}/misp/shared`), ' — your own IOCs: ', code(`${origin}/misp/own`)),
    h(
      'p',
      { class: 'help' },
      'In MISP, Sync Actions → Feeds → Add Feed: source format MISP Feed, the URL above, header Authorization: Bearer and an API key with iocs:read. One event per source and day; a withdrawn IOC comes back with to_ids false.',
    ),
  );
}
