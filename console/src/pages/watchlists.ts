/**
 * Watchlists: the workspace's lists of domains, emails, BINs and keywords to watch. List, create,
 * rename, delete (after a confirmation), add and remove entries; a refusal of the API (an entry
 * outside the verified scope) is said as a sentence beside the form that caused it.
 */
import {
  ADD_ENTRIES,
  CREATE_WATCHLIST,
  DELETE_WATCHLIST,
  REMOVE_ENTRY,
  RENAME_WATCHLIST,
  WATCHLISTS,
  type EntryType,
  type Page,
  type Watchlist,
} from '../api.js';
import { announce, busy, cell, confirmDialog, dialog, h, table, when, words, present } from '../dom.js';
import { moreButton, type PageDefinition, type Session } from './page.js';

const ENTRY_TYPES: { value: EntryType; label: string; hint: string }[] = [
  { value: 'DOMAIN', label: 'Domain', hint: 'acme.example: covers its subdomains and the email addresses at them' },
  { value: 'EMAIL', label: 'Email address', hint: 'ceo@acme.example' },
  { value: 'BIN', label: 'Card BIN', hint: '6 to 8 digits' },
  { value: 'KEYWORD', label: 'Keyword', hint: 'a brand name, at least 4 characters' },
];

export const watchlistsPage: PageDefinition = {
  path: 'watchlists',
  title: 'Watchlists',
  permission: 'WATCHLISTS_READ',
  async render(root, session) {
    const canWrite = session.can('WATCHLISTS_WRITE');
    const list = h('div', { id: 'watchlists' });
    const pageError = h('p', { class: 'error', role: 'alert' });
    let after: string | null = null;

    const load = async (): Promise<boolean> => {
      const { watchlists } = await session.api.request<{ watchlists: Page<Watchlist> }>(WATCHLISTS, { after });
      if (after === null) list.replaceChildren();
      for (const { node } of watchlists.edges) list.append(watchlistCard(session, node, canWrite, pageError));
      if (after === null && watchlists.edges.length === 0)
        list.append(h('p', { class: 'help', id: 'no-watchlists' }, 'No watchlists yet.'));
      after = watchlists.pageInfo.endCursor;
      return watchlists.pageInfo.hasNextPage;
    };

    root.append(
      h(
        'p',
        { class: 'help' },
        'New leaks and IOCs that match an entry raise alerts (see Alerts). Domain, email and BIN entries must fall inside your workspace’s verified scope.',
      ),
      canWrite
        ? createForm(session, list, pageError)
        : h('p', { class: 'help' }, 'This key can see watchlists but not change them (it lacks watchlists:write).'),
      pageError,
      list,
    );
    if (await load())
      root.append(moreButton('Show more watchlists', load, (message) => (pageError.textContent = message)));
  },
};

function createForm(session: Session, list: HTMLElement, pageError: HTMLElement): HTMLElement {
  const name = h('input', {
    id: 'new-watchlist-name',
    name: 'name',
    required: true,
    maxlength: '200',
    autocomplete: 'off',
  });
  const description = h('input', {
    id: 'new-watchlist-description',
    name: 'description',
    maxlength: '1000',
    autocomplete: 'off',
  });
  const error = h('p', { class: 'error', role: 'alert', id: 'create-watchlist-error' });
  const submit = h('button', { type: 'submit' }, 'Create watchlist');
  return h(
    'form',
    {
      class: 'card inline-form',
      'aria-labelledby': 'create-watchlist-title',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        error.textContent = '';
        pageError.textContent = '';
        const done = busy(submit, 'Creating…');
        try {
          const input = { name: name.value.trim(), description: description.value.trim() || null, entries: [] };
          const { createWatchlist } = await session.api.request<{ createWatchlist: Watchlist }>(CREATE_WATCHLIST, {
            input,
          });
          document.getElementById('no-watchlists')?.remove();
          const card = watchlistCard(session, createWatchlist, true, pageError);
          list.prepend(card);
          name.value = '';
          description.value = '';
          announce(`Watchlist ${createWatchlist.name} created.`);
          card.querySelector<HTMLInputElement>('input[name="value"]')?.focus();
        } catch (failure) {
          error.textContent = (failure as Error).message;
        } finally {
          done();
        }
      },
    },
    h('h2', { id: 'create-watchlist-title' }, 'New watchlist'),
    h(
      'div',
      { class: 'fields' },
      h('div', {}, h('label', { for: 'new-watchlist-name' }, 'Name'), name),
      h('div', {}, h('label', { for: 'new-watchlist-description' }, 'Description (optional)'), description),
    ),
    error,
    submit,
  );
}

function watchlistCard(session: Session, initial: Watchlist, canWrite: boolean, pageError: HTMLElement): HTMLElement {
  let watchlist = initial;
  const card = h('section', {
    class: 'card watchlist',
    'data-watchlist': watchlist.id,
    'aria-labelledby': `wl-${watchlist.id}`,
  });

  const render = () => {
    const titleId = `wl-${watchlist.id}`;
    const entryError = h('p', { class: 'error', role: 'alert' });
    const rows = watchlist.entries.map((entry) => {
      const remove = canWrite
        ? h(
            'button',
            { type: 'button', class: 'secondary', 'aria-label': `Remove ${entry.value} from ${watchlist.name}` },
            'Remove',
          )
        : null;
      remove?.addEventListener('click', async () => {
        const done = busy(remove, 'Removing…');
        try {
          watchlist = (
            await session.api.request<{ removeWatchlistEntry: Watchlist }>(REMOVE_ENTRY, {
              id: watchlist.id,
              entryId: entry.id,
            })
          ).removeWatchlistEntry;
          render();
          announce(`${entry.value} removed from ${watchlist.name}.`);
          card.querySelector<HTMLInputElement>('input[name="value"]')?.focus();
        } catch (failure) {
          done();
          entryError.textContent = (failure as Error).message;
        }
      });
      return h(
        'tr',
        { 'data-entry': entry.value },
        cell('Type', words(entry.type)),
        cell('Value', h('code', {}, entry.value)),
        cell('Added', when(entry.createdAt)),
        canWrite ? h('td', { class: 'actions', 'data-label': 'Actions' }, remove) : null,
      );
    });
    const columns = ['Type', 'Value', 'Added', ...(canWrite ? ['Actions'] : [])];
    card.replaceChildren(
      ...present(
        h(
          'div',
          { class: 'card-head' },
          h(
            'div',
            {},
            h('h2', { id: titleId, tabindex: '-1' }, watchlist.name),
            watchlist.description ? h('p', { class: 'help' }, watchlist.description) : null,
          ),
          canWrite ? h('div', { class: 'actions' }, renameButton(), deleteButton()) : null,
        ),
        watchlist.entries.length
          ? table(`Entries of ${watchlist.name}`, columns, rows)
          : h('p', { class: 'help' }, 'No entries yet.'),
        canWrite ? addEntryForm(entryError) : null,
        entryError,
      ),
    );
  };

  const addEntryForm = (error: HTMLElement) => {
    const id = watchlist.id;
    const type = h(
      'select',
      { id: `type-${id}`, name: 'type' },
      ...ENTRY_TYPES.map((t) => h('option', { value: t.value }, t.label)),
    );
    const value = h('input', {
      id: `value-${id}`,
      name: 'value',
      required: true,
      maxlength: '2048',
      autocomplete: 'off',
      'aria-describedby': `hint-${id}`,
    });
    const hint = h('p', { class: 'help', id: `hint-${id}` }, ENTRY_TYPES[0]!.hint);
    type.addEventListener('change', () => (hint.textContent = ENTRY_TYPES.find((t) => t.value === type.value)!.hint));
    const add = h('button', { type: 'submit' }, 'Add entry');
    return h(
      'form',
      {
        class: 'entry-form',
        'aria-label': `Add an entry to ${watchlist.name}`,
        onsubmit: async (event: Event) => {
          event.preventDefault();
          error.textContent = '';
          const done = busy(add, 'Adding…');
          try {
            watchlist = (
              await session.api.request<{ addWatchlistEntries: Watchlist }>(ADD_ENTRIES, {
                id,
                entries: [{ type: type.value, value: value.value.trim() }],
              })
            ).addWatchlistEntries;
            const added = value.value.trim();
            render();
            announce(`${added} added to ${watchlist.name}.`);
            card.querySelector<HTMLInputElement>('input[name="value"]')?.focus();
          } catch (failure) {
            done();
            error.textContent = (failure as Error).message;
            value.focus();
          }
        },
      },
      h(
        'div',
        { class: 'fields' },
        h('div', {}, h('label', { for: `type-${id}` }, 'Type'), type),
        h('div', { class: 'grow' }, h('label', { for: `value-${id}` }, 'Value'), value, hint),
      ),
      add,
    );
  };

  const renameButton = () => {
    const button = h(
      'button',
      { type: 'button', class: 'secondary', 'aria-label': `Rename ${watchlist.name}` },
      'Rename',
    );
    button.addEventListener('click', () => {
      const name = h('input', {
        id: 'rename-name',
        name: 'name',
        required: true,
        maxlength: '200',
        value: watchlist.name,
        autocomplete: 'off',
      });
      const error = h('p', { class: 'error', role: 'alert' });
      const save = h('button', { type: 'submit' }, 'Save');
      let renamed = false;
      const element = dialog(
        `Rename “${watchlist.name}”`,
        [
          h(
            'form',
            {
              onsubmit: async (event: Event) => {
                event.preventDefault();
                const done = busy(save, 'Saving…');
                try {
                  watchlist = (
                    await session.api.request<{ updateWatchlist: Watchlist }>(RENAME_WATCHLIST, {
                      id: watchlist.id,
                      input: { name: name.value.trim() },
                    })
                  ).updateWatchlist;
                  renamed = true;
                  element.close();
                } catch (failure) {
                  done();
                  error.textContent = (failure as Error).message;
                }
              },
            },
            h('label', { for: 'rename-name' }, 'Name'),
            name,
            error,
            h(
              'div',
              { class: 'buttons' },
              h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel'),
              save,
            ),
          ),
        ],
        () => {
          if (!renamed) return button.focus();
          render();
          announce(`Watchlist renamed to ${watchlist.name}.`);
          card.querySelector<HTMLButtonElement>('button[aria-label^="Rename"]')?.focus();
        },
      );
      name.select();
    });
    return button;
  };

  const deleteButton = () => {
    const button = h('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${watchlist.name}` }, 'Delete');
    button.addEventListener('click', async () => {
      const confirmed = await confirmDialog(
        `Delete “${watchlist.name}”?`,
        [
          h(
            'p',
            {},
            `Its ${watchlist.entries.length} entr${watchlist.entries.length === 1 ? 'y goes' : 'ies go'} with it, and nothing new will match them. Alerts already raised stay. This cannot be undone.`,
          ),
        ],
        'Delete watchlist',
        button,
      );
      if (!confirmed) return;
      try {
        await session.api.request(DELETE_WATCHLIST, { id: watchlist.id });
        const next = (card.nextElementSibling ?? card.previousElementSibling) as HTMLElement | null;
        card.remove();
        announce(`Watchlist ${watchlist.name} deleted.`);
        (next?.querySelector<HTMLElement>('h2') ?? document.getElementById('new-watchlist-name'))?.focus();
      } catch (failure) {
        pageError.textContent = (failure as Error).message;
        button.focus();
      }
    });
    return button;
  };

  render();
  return card;
}
