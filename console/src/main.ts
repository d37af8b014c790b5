/**
 * The console: sign in with an API key (kept in this tab's session storage only), then the
 * workspace's pages, each shown only to a key whose permissions can use it. Pages live at hash
 * paths (`#/alerts`); moving to one puts the focus on its heading, so a screen reader says where
 * the person is. Plain DOM, no innerHTML: every name shown comes from users and is set as text.
 */
import { ConsoleApi, ConsoleError, OVERVIEW, session as stored, type Overview } from './api.js';
import { announce, h } from './dom.js';
import { alertsPage } from './pages/alerts.js';
import { dashboardPage } from './pages/dashboard.js';
import { keysPage } from './pages/keys.js';
import { leaksPage } from './pages/leaks.js';
import { exclusionsPage } from './pages/exclusions.js';
import { feedsPage } from './pages/feeds.js';
import { iocPage } from './pages/ioc.js';
import { lookupPage } from './pages/lookup.js';
import { scopePage } from './pages/scope.js';
import type { PageDefinition, Session } from './pages/page.js';
import { watchlistsPage } from './pages/watchlists.js';
import { webhooksPage } from './pages/webhooks.js';

const PAGES: PageDefinition[] = [
  dashboardPage,
  watchlistsPage,
  alertsPage,
  webhooksPage,
  leaksPage,
  lookupPage,
  exclusionsPage,
  feedsPage,
  iocPage,
  scopePage,
  keysPage,
];

const main = document.getElementById('main')!;

// ---------------------------------------------------------------------------------------------
// Sign-in

function showSignIn(message?: string): void {
  const input = h('input', {
    id: 'key',
    name: 'key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'key-help',
  });
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' }, message ?? '');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (event: Event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        stored.set(key);
        await start(error);
      },
    },
    h('h1', {}, 'Sign in to the console'),
    h('label', { for: 'key' }, 'API key'),
    input,
    h(
      'p',
      { class: 'help', id: 'key-help' },
      'Any key of your workspace: the console shows the pages its permissions allow. It is kept in this browser tab only, until you sign out or close the tab.',
    ),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  document.title = 'Sign in · Threat intelligence console';
  main.replaceChildren(form);
  input.focus();
}

function signOut(message?: string): void {
  leave?.();
  leave = undefined;
  stored.clear();
  window.removeEventListener('hashchange', onHashChange);
  history.replaceState(null, '', window.location.pathname);
  showSignIn(message);
  announce(message ?? 'Signed out.');
}

// ---------------------------------------------------------------------------------------------
// The shell: who is signed in, the pages this key may use, the page shown

let current: Session | undefined;
let leave: (() => void) | undefined;
let pageRoot: HTMLElement | undefined;
let nav: HTMLElement | undefined;

async function start(errorTarget?: HTMLElement): Promise<void> {
  const key = stored.get();
  if (!key) return showSignIn();
  const api = new ConsoleApi(key);
  let overview: Overview;
  try {
    overview = await api.request<Overview>(OVERVIEW);
  } catch (error) {
    stored.clear();
    const message = error instanceof ConsoleError ? error.message : String(error);
    if (errorTarget) errorTarget.textContent = message;
    else showSignIn(message);
    return;
  }
  const { viewer } = overview;
  api.keyLimit = viewer.workspace.keyLimit;
  current = { api, viewer, can: (permission) => viewer.key.permissions.includes(permission), signOut };

  pageRoot = h('div', { id: 'page' });
  nav = h(
    'nav',
    { 'aria-label': 'Console' },
    h(
      'ul',
      {},
      ...allowed()
        .filter((page) => !page.hidden)
        .map((page) => h('li', {}, h('a', { href: `#/${page.path}` }, page.title))),
    ),
  );
  main.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h(
        'div',
        {},
        h('p', { class: 'workspace' }, viewer.workspace.name),
        h('p', { class: 'plan' }, `${viewer.workspace.plan.toLowerCase()} plan · signed in as “${viewer.key.name}”`),
      ),
      h('button', { type: 'button', class: 'secondary', onclick: () => signOut() }, 'Sign out'),
    ),
    nav,
    pageRoot,
  );
  window.addEventListener('hashchange', onHashChange);
  await show();
}

/** The pages this key may use, in the order of the navigation. */
const allowed = () => PAGES.filter((page) => page.permission === null || current!.can(page.permission));

function onHashChange(): void {
  void show();
}

async function show(): Promise<void> {
  if (!current || !pageRoot || !nav) return;
  const wanted = window.location.hash.replace(/^#\/?/, '').split('?')[0]!;
  const page = allowed().find((p) => p.path === wanted);
  if (!page) {
    // An unknown page, or one this key may not use: the dashboard, saying why.
    if (wanted && PAGES.some((p) => p.path === wanted)) announce('This key may not use that page.');
    history.replaceState(null, '', `#/${dashboardPage.path}`);
    return show();
  }
  leave?.();
  leave = undefined;
  for (const link of nav.querySelectorAll('a')) {
    if (link.getAttribute('href') === `#/${page.path}`) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${page.title} · Threat intelligence console`;
  const heading = h('h1', { tabindex: '-1', id: 'page-title' }, page.title);
  const root = h('div', { class: 'page', 'data-page': page.path });
  pageRoot.replaceChildren(heading, root);
  heading.focus();
  try {
    leave = (await page.render(root, current)) ?? undefined;
  } catch (error) {
    root.replaceChildren(h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
}

void start();
