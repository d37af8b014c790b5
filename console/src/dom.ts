/**
 * The console's DOM helpers: elements built from attributes and children (strings become text
 * nodes, never markup: every name shown comes from users), times as people say them, the live
 * region for screen readers, native <dialog>s that give focus back, and buttons that say they work.
 */

export type Child = Node | string | null | undefined | false;

/**
 * An event handler: it may be async, and then handles its own failures (each form shows them in its
 * alert); what it returns is not awaited by the browser.
 */
export type Handler = (event: Event) => void | Promise<void>;

/** An element with attributes and children; strings become text nodes, never markup. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | Handler> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value === 'function')
      element.addEventListener(name.slice(2).toLowerCase(), (event) => void value(event));
    else if (value === true) element.setAttribute(name, '');
    else if (value !== false) element.setAttribute(name, value);
  }
  for (const child of children.flat())
    if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

const live = () => document.getElementById('live')!;

/** Said politely to screen readers (the page's one live region). */
export function announce(text: string): void {
  live().textContent = '';
  window.setTimeout(() => (live().textContent = text), 50);
}

const absolute = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 31_536_000],
  ['month', 2_592_000],
  ['day', 86_400],
  ['hour', 3600],
  ['minute', 60],
];

/** A time as people say it ("3 days ago", "in 29 days"), the exact time in its tooltip. */
export function when(iso: string | null, none = '—'): Node | string {
  if (!iso) return none;
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  const [unit, size] = UNITS.find(([, size]) => Math.abs(seconds) >= size) ?? ['minute', 60];
  const text = Math.abs(seconds) < 60 ? 'just now' : relative.format(Math.round(seconds / size), unit);
  return h('time', { datetime: iso, title: absolute(iso) }, text);
}

/** `IOCS_READ` as people read it: `iocs:read`. */
export const permissionLabel = (name: string) => name.toLowerCase().replace('_', ':');

/** `CREDENTIAL_LEAK` as words: `credential leak` (and `IOC` stays `IOC`). */
export const words = (name: string) =>
  name
    .toLowerCase()
    .replaceAll('_', ' ')
    .replace(/\bioc\b/, 'IOC');

/**
 * A native modal <dialog>: focus stays inside while it is open and Escape closes it; `onClose`
 * decides where focus goes after (back to the opener, or to what the action produced).
 */
export function dialog(title: string, body: Child[], onClose: () => void): HTMLDialogElement {
  const id = `dialog-${Math.random().toString(36).slice(2)}`;
  const element = h('dialog', { 'aria-labelledby': id }, h('h2', { id }, title), ...body);
  element.addEventListener('close', () => {
    element.remove();
    onClose();
  });
  document.body.append(element);
  element.showModal();
  return element;
}

/** Disables a button while its action runs, saying so; the returned function puts it back. */
export function busy(button: HTMLButtonElement, text: string): () => void {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = text;
  return () => {
    button.disabled = false;
    button.textContent = before;
  };
}

/** A confirmation dialog: resolves true when the person confirms, false otherwise. */
export function confirmDialog(
  title: string,
  text: Child[],
  confirmLabel: string,
  opener: HTMLElement,
): Promise<boolean> {
  return new Promise((resolve) => {
    let confirmed = false;
    const cancel = h('button', { type: 'button', class: 'secondary', onclick: () => element.close() }, 'Cancel');
    const confirm = h(
      'button',
      { type: 'button', class: 'danger', onclick: () => ((confirmed = true), element.close()) },
      confirmLabel,
    );
    const element = dialog(title, [...text, h('div', { class: 'buttons' }, cancel, confirm)], () => {
      if (!confirmed) opener.focus();
      resolve(confirmed);
    });
    cancel.focus();
  });
}

/** A table that scrolls inside its own box, never the page; on a phone its rows become cards (style.css). */
export function table(
  caption: string,
  columns: string[],
  rows: HTMLTableRowElement[],
  attributes: Record<string, string> = {},
): HTMLElement {
  const id = `table-${Math.random().toString(36).slice(2)}`;
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-labelledby': id, tabindex: '0' },
    h(
      'table',
      attributes,
      h('caption', { id, class: 'visually-hidden' }, caption),
      h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/**
 * A cell that names its column (the phone layout shows the name beside the value); its content is
 * one element, so that its parts flow as text there.
 */
export const cell = (column: string, ...children: (Child | Child[])[]) =>
  h('td', { 'data-label': column }, h('span', {}, ...children));

/** A copy button for a value shown once (a secret): copies it, or selects it and says how. */
export function copyButton(input: HTMLInputElement, id: string): { button: HTMLButtonElement; status: HTMLElement } {
  const status = h('span', { role: 'status', class: 'help' });
  const button = h('button', { type: 'button', id }, 'Copy');
  button.addEventListener('click', async () => {
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = 'Copied.';
    } catch {
      status.textContent = 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
    }
  });
  return { button, status };
}

/** Children for `replaceChildren`/`append`, the absent ones left out. */
export const present = (...children: Child[]): (Node | string)[] =>
  children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false);
