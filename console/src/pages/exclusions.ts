/**
 * Exclusion lists: the workspace's own (make one by pasting entries, open it to see what each entry
 * covers, add by pasting, remove an entry, delete the list after a confirmation) and the shared
 * feed's, read-only. What a workspace's list covers leaves its listings, exports, TAXII view and
 * alerts.
 */
import {
  CREATE_EXCLUSION_LIST,
  DELETE_EXCLUSION_LIST,
  EXCLUSION_LIST,
  EXCLUSION_LISTS,
  UPDATE_EXCLUSION_LIST,
  type ExclusionList,
} from '../api.js';
import { announce, busy, cell, confirmDialog, h, present, table, when } from '../dom.js';
import { hashParams, type PageDefinition, type Session } from './page.js';

/** Entries as pasted: one a line (commas and spaces separate too); `#` starts a comment. */
const pasted = (text: string) =>
  text
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,]+/))
    .filter(Boolean);

/** What one entry covers, in words (the server decides; this says how it reads the entry). */
export function covers(entry: string): string {
  if (entry.startsWith('.')) return `${entry.slice(1)} and every subdomain, with the URLs and email addresses at them`;
  const slash = entry.indexOf('/');
  if (slash >= 0) {
    const bits = (entry.includes(':') ? 128 : 32) - Number(entry.slice(slash + 1));
    const size = bits <= 32 ? (2 ** bits).toLocaleString() : `2^${bits}`;
    return `${size} address${bits === 0 ? '' : 'es'} from ${entry.slice(0, slash)}`;
  }
  return 'this exact value';
}

export const exclusionsPage: PageDefinition = {
  path: 'exclusions',
  title: 'Exclusions',
  permission: 'IOCS_READ',
  async render(root, session) {
    const { exclusionLists } = await session.api.request<{ exclusionLists: ExclusionList[] }>(EXCLUSION_LISTS);
    const own = exclusionLists.filter((list) => !list.shared);
    const shared = exclusionLists.filter((list) => list.shared);
    const openId = hashParams().get('id');
    const opened = openId ? exclusionLists.find((list) => list.id === openId) : undefined;
    // The list opened comes first after the workspace's lists, its heading focused.
    const openedCard = opened ? await listCard(opened.id, session) : null;
    root.append(
      ...present(
        h(
          'p',
          { class: 'help' },
          'What your lists cover leaves your listings, exports, TAXII view and watchlist alerts; a lookup still finds it and names the list.',
        ),
        listsCard('own-lists', 'Your lists', own, 'No lists yet.'),
        openedCard,
        session.can('IOCS_WRITE') ? createForm(session) : null,
        listsCard('shared-lists', 'The shared feed’s lists (read-only)', shared, 'None.'),
      ),
    );
    openedCard?.querySelector<HTMLElement>('#list-title')?.focus();
  },
};

function listsCard(id: string, title: string, lists: ExclusionList[], none: string): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    lists.length === 0
      ? h('p', { class: 'help' }, none)
      : table(
          title,
          ['Name', 'Entries', 'Changed'],
          lists.map((list) =>
            h(
              'tr',
              {},
              cell('Name', h('a', { href: `#/exclusions?id=${list.id}` }, list.name)),
              cell('Entries', list.entryCount.toLocaleString()),
              cell('Changed', when(list.updatedAt)),
            ),
          ),
          { id },
        ),
  );
}

function createForm(session: Session): HTMLElement {
  const name = h('input', { id: 'new-list-name', name: 'name', required: true, maxlength: '100' });
  const entries = h('textarea', {
    id: 'new-list-entries',
    name: 'entries',
    rows: '5',
    spellcheck: 'false',
    'aria-describedby': 'new-list-help',
  });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = h('button', { type: 'submit' }, 'Create list');
  return h(
    'form',
    {
      class: 'card',
      'aria-labelledby': 'new-list-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.textContent = '';
        const done = busy(submit, 'Creating…');
        try {
          const { createExclusionList: list } = await session.api.request<{ createExclusionList: ExclusionList }>(
            CREATE_EXCLUSION_LIST,
            { name: name.value.trim(), entries: pasted(entries.value) },
          );
          announce(`List ${list.name} created with ${list.entryCount} entries.`);
          window.location.hash = `#/exclusions?id=${list.id}`;
        } catch (failure) {
          error.textContent = (failure as Error).message;
          name.focus();
        } finally {
          done();
        }
      },
    },
    h('h2', { id: 'new-list-title' }, 'New list'),
    h('label', { for: 'new-list-name' }, 'Name'),
    name,
    h('label', { for: 'new-list-entries' }, 'Entries'),
    entries,
    h(
      'p',
      { class: 'help', id: 'new-list-help' },
      'Paste one a line: an exact value (203.0.113.9, evil[.]example), a CIDR range (198.51.100.0/24, 2001:db8::/32) or a domain suffix starting with a dot (.example.com). # starts a comment.',
    ),
    error,
    submit,
  );
}

/** One list with its entries and what each covers; changes for the workspace's own. */
async function listCard(id: string, session: Session): Promise<HTMLElement> {
  const card = h('section', { class: 'card', 'aria-labelledby': 'list-title', id: 'exclusion-list' });
  const error = h('p', { class: 'error', role: 'alert' });
  const render = (list: ExclusionList) => {
    const editable = !list.shared && session.can('IOCS_WRITE');
    const entries = list.entries ?? [];
    card.replaceChildren(
      ...present(
        h('h2', { id: 'list-title', tabindex: '-1' }, `${list.name}: ${list.entryCount.toLocaleString()} entries`),
        entries.length === 0
          ? h('p', { class: 'help' }, 'No entries.')
          : table(
              `The entries of ${list.name} and what each covers`,
              editable ? ['Entry', 'Covers', 'Remove'] : ['Entry', 'Covers'],
              entries.map((entry) =>
                h(
                  'tr',
                  {},
                  cell('Entry', h('code', {}, entry)),
                  cell('Covers', covers(entry)),
                  editable
                    ? cell(
                        'Remove',
                        h(
                          'button',
                          {
                            type: 'button',
                            class: 'secondary',
                            'aria-label': `Remove ${entry}`,
                            onclick: () => change({ remove: [entry] }, `${entry} removed.`),
                          },
                          'Remove',
                        ),
                      )
                    : null,
                ),
              ),
              { id: 'exclusion-entries' },
            ),
        editable ? addForm() : null,
        error,
        editable ? deleteButton(list) : null,
      ),
    );
  };
  const change = async (input: { add?: string[]; remove?: string[] }, said: string) => {
    error.textContent = '';
    try {
      const { updateExclusionList: list } = await session.api.request<{ updateExclusionList: ExclusionList }>(
        UPDATE_EXCLUSION_LIST,
        { id, ...input },
      );
      render(list);
      announce(said);
      card.querySelector<HTMLElement>('#list-title')?.focus();
    } catch (failure) {
      error.textContent = (failure as Error).message;
    }
  };
  const addForm = () => {
    const text = h('textarea', { id: 'add-entries', name: 'add', rows: '3', spellcheck: 'false', required: true });
    const submit = h('button', { type: 'submit' }, 'Add entries');
    return h(
      'form',
      {
        'aria-label': 'Add entries',
        onsubmit: async (event: Event) => {
          event.preventDefault();
          const add = pasted(text.value);
          if (add.length === 0) return text.focus();
          const done = busy(submit, 'Adding…');
          await change({ add }, `${add.length} entr${add.length === 1 ? 'y' : 'ies'} added.`);
          done();
        },
      },
      h('label', { for: 'add-entries' }, 'Add entries, one a line'),
      text,
      submit,
    );
  };
  const deleteButton = (list: ExclusionList) => {
    const button = h('button', { type: 'button', class: 'danger' }, 'Delete list');
    button.addEventListener('click', async () => {
      const confirmed = await confirmDialog(
        `Delete “${list.name}”?`,
        [h('p', {}, 'What it covers comes back into your listings, exports and TAXII view. This cannot be undone.')],
        'Delete list',
        button,
      );
      if (!confirmed) return;
      try {
        await session.api.request(DELETE_EXCLUSION_LIST, { id: list.id });
        announce(`List ${list.name} deleted.`);
        window.location.hash = '#/exclusions';
      } catch (failure) {
        error.textContent = (failure as Error).message;
      }
    });
    return button;
  };
  const { exclusionList } = await session.api.request<{ exclusionList: ExclusionList | null }>(EXCLUSION_LIST, { id });
  if (exclusionList) render(exclusionList);
  else card.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'This list no longer exists.'));
  return card;
}
