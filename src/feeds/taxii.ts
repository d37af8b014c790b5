/**
 * A TAXII 2.1 collection as a feed (docs/api.md §14): the feed's URL is the collection's
 * (`…/collections/{id}/`); a pull asks its `objects/` for what was added after the last page it
 * read (`X-TAXII-Date-Added-Last`), page by page with `next` while `more`, and remembers each
 * page's position once its objects are written (a server without `next` pages by that alone), so a pull stopped halfway goes on from there.
 * Credentials are the feed's headers (`Authorization: Basic …` or `Bearer …`).
 */
import { addStixObjects } from '../iocs/import.js';
import { jsonValues } from './documents.js';
import { FeedError } from './fetch.js';
import type { PullContext } from './context.js';

const TAXII_ACCEPT = 'application/taxii+json;version=2.1';
/** Objects asked for per page (a server may send fewer). */
const PAGE = 1000;
/** A guard against a server whose `next` never ends. */
const MAX_PAGES = 100_000;
const NO_OWNERS: ReadonlyMap<string, boolean> = new Map();

export async function pullTaxii(context: PullContext): Promise<void> {
  const base = context.url.endsWith('/') ? context.url : `${context.url}/`;
  let addedAfter = context.cursor.addedAfter ?? null;
  let next: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL('objects/', base);
    url.searchParams.set('limit', String(PAGE));
    if (addedAfter) url.searchParams.set('added_after', addedAfter);
    if (next) url.searchParams.set('next', next);
    const fetched = await context.fetch(url.toString(), { conditional: false, accept: TAXII_ACCEPT });
    if (fetched.status === 304) return;
    let more = false;
    next = null;
    for await (const { key, value } of jsonValues(fetched.body, ['$.objects.*', '$.more', '$.next'])) {
      if (key === 'more') more = value === true;
      else if (key === 'next') next = typeof value === 'string' ? value : null;
      else await addStixObjects(context.importer, [value], NO_OWNERS);
    }
    await context.importer.finish();
    const last = fetched.headers['x-taxii-date-added-last'];
    if (typeof last === 'string' && last) {
      context.cursor.addedAfter = last;
      await context.saveCursor();
    }
    if (!more) return;
    if (!next) {
      // A server that pages by `added_after` alone: go on from the page's last.
      if (typeof last !== 'string' || !last || last === addedAfter)
        throw new FeedError(
          'the TAXII server said more objects follow but gave neither next nor X-TAXII-Date-Added-Last',
        );
      addedAfter = last;
    }
  }
  throw new FeedError(`more than ${MAX_PAGES} pages in one pull`);
}
