/**
 * Keyset cursors (docs/api.md §6): the sort key of the last row seen, opaque to clients (base64url of
 * its parts), checked part by part when it comes back. Below every door and the GraphQL layer: the
 * connections, the event streams and TAXII's `next` all page with it.
 */
import { parseDateInput } from './dates.js';
import { invalidParameter } from './errors.js';

/** What one part of a cursor must be: a pattern, or any check with the same shape. */
export interface CursorPart {
  test(value: string): boolean;
}

const PG_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,6})?(\+00(:00)?|Z)$/;
/**
 * A timestamp as PostgreSQL prints it (the cursor keeps it exactly, to the microsecond), and a
 * real one: a forged `0000-…` or `2026-02-30 …` would otherwise reach the database as a 500.
 */
export const PG_TIMESTAMP_PATTERN: CursorPart = {
  test: (value) => {
    const match = PG_TIMESTAMP.exec(value);
    return match !== null && parseDateInput(`${match[1]}T${match[2]}Z`) !== null;
  },
};

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key inside a cursor, each part checked by its pattern; anything else (another list's
 * cursor, a forged or truncated one) is `invalid_parameter`.
 */
export function decodeCursor(
  cursor: string | null | undefined,
  patterns: readonly CursorPart[],
  parameter = 'after',
): string[] | null {
  if (cursor === null || cursor === undefined) return null;
  const fail = () => invalidParameter(parameter, 'is not a cursor of this list.');
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw fail();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw fail();
  }
  if (
    !Array.isArray(key) ||
    key.length !== patterns.length ||
    !key.every((part, i) => typeof part === 'string' && patterns[i]!.test(part))
  ) {
    throw fail();
  }
  return key as string[];
}
