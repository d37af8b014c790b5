/**
 * Watchlists over GraphQL (docs/api.md §5): each query and mutation allowed, refused without its
 * permission, and blind to another workspace (which cannot read, change, or learn of them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type GraphQLBody, type TestApp } from '../support/app.js';

let t: TestApp;
let keyA: string;
let readOnlyA: string;
let writeOnlyA: string;
let noneA: string;
let keyB: string;

const WATCHLIST = 'id name description entries { id type value }';
const CREATE = `mutation($input: CreateWatchlistInput!) { createWatchlist(input: $input) { ${WATCHLIST} } }`;
const GET = `query($id: ID!) { watchlist(id: $id) { ${WATCHLIST} } }`;
const LIST = `query($first: Int, $after: String) { watchlists(first: $first, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWatchlistInput!) { updateWatchlist(id: $id, input: $input) { ${WATCHLIST} } }`;
const DELETE = `mutation($id: ID!) { deleteWatchlist(id: $id) }`;
const ADD = `mutation($id: ID!, $entries: [WatchlistEntryInput!]!) { addWatchlistEntries(watchlistId: $id, entries: $entries) { ${WATCHLIST} } }`;
const REMOVE = `mutation($id: ID!, $entryId: ID!) { removeWatchlistEntry(watchlistId: $id, entryId: $entryId) { ${WATCHLIST} } }`;

type Watchlist = {
  id: string;
  name: string;
  description: string | null;
  entries: { id: string; type: string; value: string }[];
};

beforeAll(async () => {
  t = await createTestApp();
  const a = await t.createWorkspace({
    scope: { domains: ['example.com'], emails: ['security@example.org'], bins: ['411111'] },
  });
  const b = await t.createWorkspace({ scope: { domains: ['other.test'] } });
  keyA = (await t.createKey(a.id)).key;
  readOnlyA = (await t.createKey(a.id, { permissions: ['watchlists:read'] })).key;
  writeOnlyA = (await t.createKey(a.id, { permissions: ['watchlists:write'] })).key;
  noneA = (await t.createKey(a.id, { permissions: ['iocs:read'] })).key;
  keyB = (await t.createKey(b.id)).key;
});
afterAll(() => t.close());

function errorOf(body: GraphQLBody) {
  expect(body.errors, JSON.stringify(body)).toHaveLength(1);
  return body.errors![0]!.extensions;
}

async function create(input: Record<string, unknown>, key = keyA): Promise<Watchlist> {
  const { body } = await t.graphql(key, CREATE, { input });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!.createWatchlist as Watchlist;
}

const get = async (id: string, key = keyA) =>
  (await t.graphql(key, GET, { id })).body.data?.watchlist as Watchlist | null;

describe('createWatchlist', () => {
  it('stores normalised entries, merges duplicates, and answers with the watchlist', async () => {
    const watchlist = await create({
      name: '  Brand ',
      description: 'Our assets',
      entries: [
        { type: 'DOMAIN', value: 'Mail.Example.COM.' },
        { type: 'DOMAIN', value: 'mail.example.com' },
        { type: 'EMAIL', value: ' Security@Example.org ' },
        { type: 'EMAIL', value: 'alice@corp.example.com' },
        { type: 'BIN', value: '4111 1122' },
        { type: 'KEYWORD', value: 'ACME Corp' },
      ],
    });
    expect(watchlist).toMatchObject({ name: 'Brand', description: 'Our assets' });
    expect(watchlist.entries.map(({ type, value }) => ({ type, value }))).toEqual([
      { type: 'DOMAIN', value: 'mail.example.com' },
      { type: 'EMAIL', value: 'security@example.org' },
      { type: 'EMAIL', value: 'alice@corp.example.com' },
      { type: 'BIN', value: '41111122' },
      { type: 'KEYWORD', value: 'acme corp' },
    ]);
    expect(await get(watchlist.id)).toEqual(watchlist);
  });

  it.each([
    [{ type: 'DOMAIN', value: 'example.net' }],
    [{ type: 'EMAIL', value: 'someone@gmail.com' }],
    [{ type: 'BIN', value: '555555' }],
    [{ type: 'DOMAIN', value: 'notexample.com' }],
  ])('refuses an entry outside the scope (%j) with forbidden, creating nothing', async (entry) => {
    const before = await t.graphql(keyA, LIST, { first: 1000 });
    const { body } = await t.graphql(keyA, CREATE, {
      input: { name: 'x', entries: [{ type: 'KEYWORD', value: 'fine' }, entry] },
    });
    expect(errorOf(body)).toMatchObject({ code: 'forbidden' });
    expect(body.errors![0]!.message).toMatch(/^Forbidden: the \w+ .* is outside the workspace scope\.$/);
    expect((await t.graphql(keyA, LIST, { first: 1000 })).body).toEqual(before.body);
  });

  it.each([
    [{ name: '' }, 'missing_parameter', 'name'],
    [{ name: '   ' }, 'missing_parameter', 'name'],
    [{ name: 'x'.repeat(201) }, 'invalid_parameter', 'name'],
    [{ name: 'a\u0000b' }, 'invalid_parameter', 'name'],
    [{ name: 'x', description: 'y'.repeat(2001) }, 'invalid_parameter', 'description'],
    [{ name: 'x', entries: [{ type: 'DOMAIN', value: 'not a domain' }] }, 'invalid_parameter', 'value'],
    [{ name: 'x', entries: [{ type: 'BIN', value: '4111' }] }, 'invalid_parameter', 'value'],
    [{ name: 'x', entries: [{ type: 'KEYWORD', value: '' }] }, 'invalid_parameter', 'value'],
    [{ name: 'x', entries: Array(1001).fill({ type: 'KEYWORD', value: 'k' }) }, 'invalid_parameter', 'entries'],
  ])('refuses %j', async (input, code, parameter) => {
    const { body, requestId } = await t.graphql(keyA, CREATE, { input });
    expect(errorOf(body)).toEqual({ code, parameter, request_id: requestId });
  });

  it('is forbidden without watchlists:write', async () => {
    for (const key of [readOnlyA, noneA]) {
      const { body } = await t.graphql(key, CREATE, { input: { name: 'x' } });
      expect(errorOf(body)).toMatchObject({ code: 'forbidden' });
    }
  });
});

describe('watchlists and watchlist(id)', () => {
  it('list the workspace’s own, page by page, and nothing of another workspace', async () => {
    const b1 = await create({ name: 'B list', entries: [{ type: 'DOMAIN', value: 'other.test' }] }, keyB);
    const mine = await Promise.all(['p1', 'p2', 'p3'].map((name) => create({ name })));
    const names: string[] = [];
    let after: string | null = null;
    do {
      const { body }: { body: GraphQLBody } = await t.graphql(readOnlyA, LIST, { first: 2, after });
      const connection = body.data!.watchlists as {
        edges: { node: { name: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      names.push(...connection.edges.map((e) => e.node.name));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after);
    expect(names).toEqual(expect.arrayContaining(mine.map((w) => w.name)));
    expect(names).not.toContain('B list');
    expect(new Set(names).size).toBe(names.length);

    const { body } = await t.graphql(keyB, LIST, { first: 100 });
    expect((body.data!.watchlists as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id)).toEqual([
      b1.id,
    ]);
  });

  it('answer another workspace’s watchlist exactly as an unknown one: null', async () => {
    const a = await create({ name: 'secret' });
    expect(await get(a.id, keyB)).toBeNull();
    expect(await get('00000000-0000-4000-8000-000000000000', keyB)).toBeNull();
  });

  it('are forbidden without watchlists:read', async () => {
    const a = await create({ name: 'x' });
    expect(errorOf((await t.graphql(noneA, GET, { id: a.id })).body)).toMatchObject({ code: 'forbidden' });
    expect(errorOf((await t.graphql(writeOnlyA, LIST, {})).body)).toMatchObject({ code: 'forbidden' });
  });

  it('refuse an id that is not an id, and a forged cursor', async () => {
    expect(errorOf((await t.graphql(keyA, GET, { id: "x' or '1'='1" })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'id',
    });
    expect(errorOf((await t.graphql(keyA, LIST, { after: 'bm9wZQ' })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'after',
    });
  });
});

describe('updateWatchlist', () => {
  it('renames and describes', async () => {
    const a = await create({ name: 'old' });
    const { body } = await t.graphql(writeOnlyA, UPDATE, {
      id: a.id,
      input: { name: 'new', description: 'now described' },
    });
    expect(body.data!.updateWatchlist).toMatchObject({ id: a.id, name: 'new', description: 'now described' });
  });

  it('answers not_found to another workspace and leaves the watchlist as it was', async () => {
    const a = await create({ name: 'mine' });
    const { body } = await t.graphql(keyB, UPDATE, { id: a.id, input: { name: 'stolen' } });
    expect(errorOf(body)).toMatchObject({ code: 'not_found' });
    expect((await get(a.id))!.name).toBe('mine');
  });

  it('is forbidden without watchlists:write, and refuses an empty change', async () => {
    const a = await create({ name: 'mine' });
    expect(errorOf((await t.graphql(readOnlyA, UPDATE, { id: a.id, input: { name: 'x' } })).body)).toMatchObject({
      code: 'forbidden',
    });
    expect(errorOf((await t.graphql(keyA, UPDATE, { id: a.id, input: {} })).body)).toMatchObject({
      code: 'invalid_parameter',
    });
    expect((await get(a.id))!.name).toBe('mine');
  });
});

describe('addWatchlistEntries and removeWatchlistEntry', () => {
  it('add entries, keeping one of each', async () => {
    const a = await create({ name: 'grow', entries: [{ type: 'DOMAIN', value: 'example.com' }] });
    const { body } = await t.graphql(keyA, ADD, {
      id: a.id,
      entries: [
        { type: 'DOMAIN', value: 'EXAMPLE.com' },
        { type: 'BIN', value: '41111199' },
      ],
    });
    expect((body.data!.addWatchlistEntries as Watchlist).entries.map((e) => e.value)).toEqual([
      'example.com',
      '41111199',
    ]);
  });

  it('refuse an out-of-scope entry and change nothing', async () => {
    const a = await create({ name: 'strict', entries: [{ type: 'KEYWORD', value: 'k' }] });
    const { body } = await t.graphql(keyA, ADD, {
      id: a.id,
      entries: [
        { type: 'KEYWORD', value: 'k2' },
        { type: 'DOMAIN', value: 'other.test' },
      ],
    });
    expect(errorOf(body)).toMatchObject({ code: 'forbidden' });
    expect((await get(a.id))!.entries.map((e) => e.value)).toEqual(['k']);
  });

  it('remove an entry', async () => {
    const a = await create({
      name: 'shrink',
      entries: [
        { type: 'KEYWORD', value: 'one' },
        { type: 'KEYWORD', value: 'two' },
      ],
    });
    const { body } = await t.graphql(keyA, REMOVE, { id: a.id, entryId: a.entries[0]!.id });
    expect((body.data!.removeWatchlistEntry as Watchlist).entries.map((e) => e.value)).toEqual(['two']);
    const again = await t.graphql(keyA, REMOVE, { id: a.id, entryId: a.entries[0]!.id });
    expect(errorOf(again.body)).toMatchObject({ code: 'not_found' });
  });

  it('answer not_found to another workspace, changing nothing', async () => {
    const a = await create({ name: 'guarded', entries: [{ type: 'KEYWORD', value: 'kept' }] });
    expect(
      errorOf((await t.graphql(keyB, ADD, { id: a.id, entries: [{ type: 'KEYWORD', value: 'x' }] })).body),
    ).toMatchObject({ code: 'not_found' });
    expect(errorOf((await t.graphql(keyB, REMOVE, { id: a.id, entryId: a.entries[0]!.id })).body)).toMatchObject({
      code: 'not_found',
    });
    // An entry of A's watchlist named under one of B's own watchlists is just as unknown.
    const b = await create({ name: 'b', entries: [{ type: 'KEYWORD', value: 'b' }] }, keyB);
    expect(errorOf((await t.graphql(keyB, REMOVE, { id: b.id, entryId: a.entries[0]!.id })).body)).toMatchObject({
      code: 'not_found',
    });
    expect((await get(a.id))!.entries.map((e) => e.value)).toEqual(['kept']);
  });

  it('are forbidden without watchlists:write', async () => {
    const a = await create({ name: 'ro', entries: [{ type: 'KEYWORD', value: 'kept' }] });
    expect(
      errorOf((await t.graphql(readOnlyA, ADD, { id: a.id, entries: [{ type: 'KEYWORD', value: 'x' }] })).body),
    ).toMatchObject({ code: 'forbidden' });
    expect(errorOf((await t.graphql(readOnlyA, REMOVE, { id: a.id, entryId: a.entries[0]!.id })).body)).toMatchObject({
      code: 'forbidden',
    });
    expect((await get(a.id))!.entries.map((e) => e.value)).toEqual(['kept']);
  });
});

describe('deleteWatchlist', () => {
  it('deletes the caller’s watchlist; another workspace gets not_found and deletes nothing', async () => {
    const a = await create({ name: 'doomed', entries: [{ type: 'KEYWORD', value: 'k' }] });
    expect(errorOf((await t.graphql(keyB, DELETE, { id: a.id })).body)).toMatchObject({ code: 'not_found' });
    expect(errorOf((await t.graphql(readOnlyA, DELETE, { id: a.id })).body)).toMatchObject({ code: 'forbidden' });
    expect(await get(a.id)).not.toBeNull();
    expect((await t.graphql(keyA, DELETE, { id: a.id })).body).toEqual({ data: { deleteWatchlist: a.id } });
    expect(await get(a.id)).toBeNull();
    expect(errorOf((await t.graphql(keyA, DELETE, { id: a.id })).body)).toMatchObject({ code: 'not_found' });
  });
});
