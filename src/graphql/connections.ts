/**
 * Relay connections over keyset pagination (API.md §6–§7): `first` (1 to 1000, default 50) and an
 * opaque `after` cursor that encodes the sort key of the last row seen, so a page never skips or
 * repeats a row because others were inserted meanwhile.
 */
import type { ArgBuilder, ObjectRef } from '@pothos/core';
import { parseDateInput } from '../dates.js';
import { invalidParameter } from '../errors.js';
import { builder, type Types } from './builder.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** An edge: its cursor is encoded only when a client selects it. */
export interface Edge<T> {
  node: T;
  cursorOf: (node: T) => readonly string[];
}

export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** Counted only when a client selects `totalCount`. */
  totalCount?: () => Promise<number>;
}

const PageInfoRef = builder.objectRef<Connection<unknown>['pageInfo']>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionType<T>(name: string, nodeRef: ObjectRef<Types, T>, options: { totalCount?: boolean } = {}) {
  const EdgeRef = builder.objectRef<Edge<T>>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.string({ resolve: (edge) => encodeCursor(edge.cursorOf(edge.node)) }),
      node: t.field({ type: nodeRef, resolve: (edge) => edge.node as never }),
    }),
  });
  return builder.objectRef<Connection<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [EdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
      ...(options.totalCount
        ? {
            totalCount: t.int({
              description: 'All rows that match the filters, on every page. Costs a count: select it only when needed.',
              resolve: (c) => c.totalCount?.() ?? c.edges.length,
            }),
          }
        : {}),
    }),
  });
}

/** The arguments of every paged field: `first` (default DEFAULT_PAGE_SIZE) and `after`. */
export function pageArgs(arg: ArgBuilder<Types>) {
  return {
    first: arg.int({ defaultValue: DEFAULT_PAGE_SIZE, description: `1 to ${MAX_PAGE_SIZE}.` }),
    after: arg.string({ description: 'The endCursor of the page before.' }),
  };
}

/**
 * One page of a keyset-paginated list, the same way everywhere: the size checked, the cursor
 * decoded part by part, `size + 1` rows read (the extra one only says there is more), the
 * connection built with each row's cursor.
 */
export async function paginate<T>(
  args: { first?: number | null; after?: string | null },
  read: (limit: number, after: string[] | null) => Promise<T[]>,
  cursor: { parts: readonly CursorPart[]; of: (row: T) => readonly string[] },
  totalCount?: () => Promise<number>,
): Promise<Connection<T>> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, cursor.parts);
  return toConnection(await read(size + 1, after), size, cursor.of, totalCount);
}

/** `first` checked against the contract's bounds. */
function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidParameter('first', `must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return size;
}

export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * The sort key inside a cursor, each part checked by its pattern; anything else (another list's
 * cursor, a forged or truncated one) is `invalid_parameter`.
 */
export function decodeCursor(cursor: string | null | undefined, patterns: readonly CursorPart[], parameter = 'after'): string[] | null {
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

/** Builds a page from rows fetched with `limit size + 1`: the extra row only says there is more. */
function toConnection<T>(
  rows: T[],
  size: number,
  cursorOf: (row: T) => readonly string[],
  totalCount?: () => Promise<number>,
): Connection<T> {
  const hasNextPage = rows.length > size;
  const nodes = rows.length > size ? rows.slice(0, size) : rows;
  const last = nodes.at(-1);
  return {
    edges: nodes.map((node) => ({ node, cursorOf })),
    pageInfo: { hasNextPage, endCursor: last === undefined ? null : encodeCursor(cursorOf(last)) },
    ...(totalCount ? { totalCount } : {}),
  };
}

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
