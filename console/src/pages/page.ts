/** What every page of the console gets: the API, who is signed in, and what the key may do. */
import type { ConsoleApi, Overview } from '../api.js';

export interface Session {
  api: ConsoleApi;
  viewer: Overview['viewer'];
  /** Whether the signed-in key has this permission (`IOCS_READ`, `WEBHOOKS_WRITE`…). */
  can(permission: string): boolean;
  signOut(message?: string): void;
}

export interface PageDefinition {
  /** The hash path: `#/alerts`. */
  path: string;
  title: string;
  /** The permission the page needs to be shown at all; null: every key. */
  permission: string | null;
  /** Reached by links only (one record's page), not listed in the navigation. */
  hidden?: boolean;
  /** Fills `root`; the returned function, if any, runs when the person leaves the page. */
  render(root: HTMLElement, session: Session): (() => void) | void | Promise<(() => void) | void>;
}

/** The parameters after `?` in the page's hash (`#/alerts?status=NEW`). */
export const hashParams = () => new URLSearchParams(window.location.hash.split('?')[1] ?? '');

/** A "Show more" button that runs `more` and takes itself away when nothing follows. */
export function moreButton(
  label: string,
  more: () => Promise<boolean>,
  onError: (message: string) => void,
): HTMLButtonElement {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'secondary more';
  button.textContent = label;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      if (!(await more())) button.remove();
    } catch (error) {
      onError((error as Error).message);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
