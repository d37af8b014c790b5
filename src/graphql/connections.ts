/**
 * Relay connections over keyset pagination (docs/api.md §6–§7): `first` (1 to 1000, default 50) and an
 * opaque `after` cursor that encodes the sort key of the last row seen, so a page never skips or
 * repeats a row because others were inserted meanwhile.
 */
import type { ArgBuilder, ObjectRef } from '@pothos/core';
import { decodeCursor, encodeCursor, type CursorPart } from '../core/cursors.js';
import { invalidParameter } from '../core/errors.js';
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
  /**
   * Counted only when a client selects `totalCount` (once, however many count fields it selects).
   * A capped count counts at most `countCap + 1` rows: past the cap it says "at least".
   */
  totalCount?: () => Promise<number>;
  countCap?: number;
}

const PageInfoRef = builder.objectRef<Connection<unknown>['pageInfo']>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage'),
    endCursor: t.exposeString('endCursor', { nullable: true }),
  }),
});

/** Declares `<Name>Connection` and `<Name>Edge` for a node type. */
export function connectionType<T>(
  name: string,
  nodeRef: ObjectRef<Types, T>,
  /** `totalCount`: `true` counts every row; `{ cap }` counts up to the cap and says whether it got there. */
  options: { totalCount?: boolean | { cap: number } } = {},
) {
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
      ...(options.totalCount === true
        ? {
            totalCount: t.int({
              description: 'All rows that match the filters, on every page. Costs a count: select it only when needed.',
              resolve: (c) => c.totalCount?.() ?? c.edges.length,
            }),
          }
        : {}),
      ...(typeof options.totalCount === 'object'
        ? {
            totalCount: t.int({
              description: `The rows that match, on every page: exact up to ${options.totalCount.cap.toLocaleString('en')}; past that, ${options.totalCount.cap.toLocaleString('en')} and \`totalCountExact\` false (a count that stops there costs the same for a huge domain as for a small one). Counted only when selected.`,
              resolve: async (c) => Math.min(await (c.totalCount?.() ?? c.edges.length), c.countCap ?? Infinity),
            }),
            totalCountExact: t.boolean({
              description: 'False when more rows match than `totalCount` says.',
              resolve: async (c) => (await (c.totalCount?.() ?? c.edges.length)) <= (c.countCap ?? Infinity),
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
  totalCount?: (() => Promise<number>) | { count: (cap: number) => Promise<number>; cap: number },
): Promise<Connection<T>> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, cursor.parts);
  const connection = toConnection(await read(size + 1, after), size, cursor.of);
  if (typeof totalCount === 'function') connection.totalCount = once(totalCount);
  else if (totalCount) {
    connection.totalCount = once(() => totalCount.count(totalCount.cap));
    connection.countCap = totalCount.cap;
  }
  return connection;
}

/** `run`'s promise, made on the first call and shared by the later ones. */
function once<R>(run: () => Promise<R>): () => Promise<R> {
  let result: Promise<R> | undefined;
  return () => (result ??= run());
}

/** `first` checked against the contract's bounds. */
function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidParameter('first', `must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return size;
}

/** Builds a page from rows fetched with `limit size + 1`: the extra row only says there is more. */
function toConnection<T>(rows: T[], size: number, cursorOf: (row: T) => readonly string[]): Connection<T> {
  const hasNextPage = rows.length > size;
  const nodes = rows.length > size ? rows.slice(0, size) : rows;
  const last = nodes.at(-1);
  return {
    edges: nodes.map((node) => ({ node, cursorOf })),
    pageInfo: { hasNextPage, endCursor: last === undefined ? null : encodeCursor(cursorOf(last)) },
  };
}
