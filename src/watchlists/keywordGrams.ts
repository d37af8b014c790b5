/**
 * Keyword matching without reading every keyword (docs/api.md §10, §12). Each keyword entry is keyed on
 * one run of four of its characters, the one fewest other keywords use (`keyword_gram`,
 * drizzle/0012); an IOC can only contain keywords keyed on one of its own runs.
 *
 * A value of 70 characters has 67 runs; probing the index for each in SQL cost more than the rest
 * of the upsert. So each process keeps the set of runs keywords are keyed on (a few bytes per
 * keyword) and sends, with each IOC, only its runs that are in the set: usually none. The set is
 * read with the number in `keyword_gram_version`, which moves whenever a keyword is added; the
 * upsert checks that number in its own snapshot and, when it has moved, computes every run in SQL
 * instead (drizzle/0015). A stale set costs time, never a missed alert; the next upsert reloads it.
 */
import { rootOf } from '../db/cancellation.js';
import type { Db } from '../db/handle.js';
import { preparedRows } from '../db/prepared.js';
import { MIN_KEYWORD_LENGTH } from './matching.js';

export interface KeywordGrams {
  /** `keyword_gram_version` when the set was read. */
  version: number;
  grams: ReadonlySet<string>;
}

/** What separates one IOC's runs in the text sent: keywords hold no control characters. */
export const GRAM_SEPARATOR = '\n';

class KeywordGramSet {
  private current: KeywordGrams | null = null;
  private loading: Promise<KeywordGrams> | null = null;

  constructor(private readonly db: Db) {}

  /** The set, read again when a statement saw a newer version than it holds. */
  async get(): Promise<KeywordGrams> {
    if (this.current) return this.current;
    this.loading ??= this.load().finally(() => (this.loading = null));
    return this.loading;
  }

  /** Told the version a statement saw: a newer one means the set misses keywords added since. */
  saw(version: number): void {
    if (this.current && version > this.current.version) this.current = null;
  }

  private async load(): Promise<KeywordGrams> {
    // One statement, one snapshot: the set and its version agree.
    const [row] = await preparedRows<{ version: string; grams: string[] }>(
      this.db,
      `select (select version::text from keyword_gram_version where id = 1) as version,
              array(select distinct keyword_gram from watchlist_entries where keyword_gram is not null) as grams`,
      [],
    );
    const loaded = { version: Number(row?.version ?? 0), grams: new Set(row?.grams ?? []) };
    this.current = loaded;
    return loaded;
  }
}

const sets = new WeakMap<Db, KeywordGramSet>();

/** This process's set for this database. */
export function keywordGramSet(db: Db): KeywordGramSet {
  const root = rootOf(db);
  let set = sets.get(root);
  if (!set) sets.set(root, (set = new KeywordGramSet(root)));
  return set;
}

/** Only plain ASCII is split here: SQL's `lower()` and code points decide for the rest. */
const ASCII = /^[\x20-\x7e]*$/;

/**
 * The runs of an IOC's value (lower-cased, four characters) that some keyword is keyed on, joined
 * by GRAM_SEPARATOR; null when SQL must compute them (a value that is not plain ASCII).
 */
export function candidateGrams(value: string, grams: ReadonlySet<string>): string | null {
  if (!ASCII.test(value)) return null;
  if (grams.size === 0) return '';
  const lower = value.toLowerCase();
  let found: string[] | null = null;
  for (let i = 0; i + MIN_KEYWORD_LENGTH <= lower.length; i++) {
    const gram = lower.slice(i, i + MIN_KEYWORD_LENGTH);
    if (grams.has(gram) && !found?.includes(gram)) (found ??= []).push(gram);
  }
  return found ? found.join(GRAM_SEPARATOR) : '';
}
