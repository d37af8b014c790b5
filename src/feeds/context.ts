/** What a feed's reader is given for one pull (src/feeds/pull.ts makes it; misp.ts and taxii.ts read through it). */
import type { Importer } from '../iocs/import.js';
import type { FeedCursor } from './feeds.js';
import type { Fetched } from './fetch.js';

export interface PullContext {
  url: string;
  importer: Importer;
  /** The feed's cursor, as saved; a reader moves it and saves it where it has written what it covers. */
  cursor: FeedCursor;
  saveCursor(): Promise<void>;
  /** A GET with the feed's headers, under its URL policy; `conditional` sends the saved validators. */
  fetch(url: string, options: { conditional: boolean; accept?: string }): Promise<Fetched>;
  /** Keeps this answer's validators for the next pull (saved with the pull's end). */
  validators(fetched: Fetched): void;
  items: {
    load(): Promise<Map<string, string>>;
    save(entries: readonly (readonly [string, string])[]): Promise<void>;
  };
}
