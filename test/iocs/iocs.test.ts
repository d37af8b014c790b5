/** IOCs over GraphQL (docs/api.md §5–§7): visibility, permission, filters, pagination and lookup. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertIocs } from '../support/fixtures.js';

let t: TestApp;
let keyA: string;
let keyB: string;
let keyNoIocs: string;
let ownA: { id: string };
let ownB: { id: string };
const feed: { id: string; type: string; value: string }[] = [];

const node = '{ id type value confidence tags shared severity tlp updatedAt }';

beforeAll(async () => {
  t = await createTestApp();
  const a = await t.createWorkspace();
  const b = await t.createWorkspace();
  keyA = (await t.createKey(a.id)).key;
  keyB = (await t.createKey(b.id)).key;
  keyNoIocs = (await t.createKey(a.id, { permissions: ['watchlists:read', 'dataleaks:read'] })).key;
  feed.push(
    ...(await insertIocs(t.database.db, [
      {
        type: 'ipv4',
        value: '203.0.113.10',
        confidence: 90,
        tags: ['c2', 'beacon'],
        updatedAt: '2026-01-01T00:00:01Z',
      },
      { type: 'ipv4', value: '203.0.113.11', confidence: 40, tags: ['scanner'], updatedAt: '2026-01-01T00:00:02Z' },
      { type: 'ipv4', value: '198.51.100.7', confidence: 70, tags: ['c2'], updatedAt: '2026-01-01T00:00:03Z' },
      { type: 'ipv6', value: '2001:db8::1', confidence: 60, updatedAt: '2026-01-01T00:00:04Z' },
      {
        type: 'domain',
        value: 'evil.example.net',
        confidence: 80,
        tags: ['phishing'],
        updatedAt: '2026-01-01T00:00:05Z',
      },
      { type: 'url', value: 'http://evil.example.net/Login', confidence: 80, updatedAt: '2026-01-01T00:00:06Z' },
      { type: 'email', value: 'bad@evil.example.net', updatedAt: '2026-01-01T00:00:07Z' },
      { type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f', updatedAt: '2026-01-01T00:00:08Z' },
      { type: 'sha1', value: '3395856ce81f2b7382dee72602f798b642f14140', updatedAt: '2026-01-01T00:00:09Z' },
      {
        type: 'sha256',
        value: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
        updatedAt: '2026-01-01T00:00:10Z',
      },
    ])),
  );
  ownA = (
    await insertIocs(t.database.db, [
      {
        workspaceId: a.id,
        type: 'domain',
        value: 'private-a.example.org',
        confidence: 95,
        updatedAt: '2026-01-02T00:00:00Z',
      },
    ])
  )[0]!;
  ownB = (
    await insertIocs(t.database.db, [
      {
        workspaceId: b.id,
        type: 'domain',
        value: 'private-b.example.org',
        confidence: 95,
        updatedAt: '2026-01-02T00:00:00Z',
      },
      { workspaceId: b.id, type: 'ipv4', value: '203.0.113.10', confidence: 10, updatedAt: '2026-01-02T00:00:00Z' },
    ])
  )[0]!;
});
afterAll(() => t.close());

type Edges = {
  edges: { node: Record<string, unknown>; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount?: number;
};
const values = (c: Edges) => c.edges.map((e) => e.node.value);

async function iocs(
  key: string,
  args: string,
  selection = `edges { cursor node ${node} } pageInfo { hasNextPage endCursor }`,
) {
  const answer = await t.graphql(key, `{ iocs${args ? `(${args})` : ''} { ${selection} } }`);
  return { ...answer, connection: answer.body.data?.iocs as Edges };
}

function expectError(answer: Awaited<ReturnType<typeof t.graphql>>, code: string, parameter?: string) {
  expect(answer.status).toBe(200);
  expect(answer.body.errors).toHaveLength(1);
  expect(answer.body.errors![0]!.extensions).toEqual({
    code,
    request_id: answer.requestId,
    ...(parameter ? { parameter } : {}),
    // A refusal says why, for clients to act on (here, always the permission these fields need).
    ...(code === 'forbidden' ? { reason: 'missing_permission', permission: 'iocs:read' } : {}),
  });
}

describe('iocs', () => {
  it('lists the shared feed and the workspace’s own, newest first, never another workspace’s', async () => {
    const { connection } = await iocs(keyA, '');
    expect(values(connection)).toEqual(['private-a.example.org', ...[...feed].reverse().map((f) => f.value)]);
    expect(connection.edges[0]!.node.shared).toBe(false);
    expect(connection.edges[1]!.node).toMatchObject({
      shared: true,
      type: 'SHA256',
      updatedAt: '2026-01-01T00:00:10.000Z',
      severity: 'MEDIUM',
      tlp: 'CLEAR',
    });
    const { connection: other } = await iocs(keyB, 'type: DOMAIN');
    expect(values(other)).toEqual(['private-b.example.org', 'evil.example.net']);
  });

  it('is forbidden to a key without iocs:read', async () => {
    const answer = await iocs(keyNoIocs, '');
    expectError(answer, 'forbidden');
    expect(answer.body.errors![0]!.message).toBe('Forbidden: this API key lacks the iocs:read permission.');
    expect(answer.body.data).toBeNull();
  });

  it.each([
    ['type: IPV4', ['198.51.100.7', '203.0.113.11', '203.0.113.10']],
    ['type: IPV4, minConfidence: 50', ['198.51.100.7', '203.0.113.10']],
    ['tag: "c2"', ['198.51.100.7', '203.0.113.10']],
    ['q: "203.0.113."', ['203.0.113.11', '203.0.113.10']],
    ['q: "EVIL.example"', ['evil.example.net']],
    ['type: URL, q: "http://evil.example.net/L"', ['http://evil.example.net/Login']],
    ['type: URL, q: "http://evil.example.net/l"', []],
    ['updatedSince: "2026-01-01T00:00:09Z", type: SHA1', ['3395856ce81f2b7382dee72602f798b642f14140']],
    ['q: "100%"', []],
    ['q: "_"', []],
  ])('filters by %s', async (args, expected) => {
    expect(values((await iocs(keyA, args)).connection)).toEqual(expected);
  });

  it('counts every match only when totalCount is selected', async () => {
    const { connection } = await iocs(
      keyA,
      'type: IPV4, first: 1',
      'totalCount edges { node { value } } pageInfo { hasNextPage }',
    );
    expect(connection).toEqual({
      totalCount: 3,
      edges: [{ node: { value: '198.51.100.7' } }],
      pageInfo: { hasNextPage: true },
    });
    // B sees the feed's three and its own copy of one of them.
    expect((await iocs(keyB, 'type: IPV4', 'totalCount')).connection.totalCount).toBe(4);
  });

  it.each([
    ['first: 0', 'first'],
    ['first: 1001', 'first'],
    ['first: -5', 'first'],
    ['minConfidence: 101', 'minConfidence'],
    ['minConfidence: -1', 'minConfidence'],
    ['after: "not a cursor"', 'after'],
    ['after: "WyJ4Il0"', 'after'],
    [`after: "${Buffer.from('["2026-01-01 00:00:00+00","1; drop table iocs"]').toString('base64url')}"`, 'after'],
    ['q: ""', 'q'],
    [`q: "${'x'.repeat(600)}"`, 'q'],
    ['tag: ""', 'tag'],
  ])('refuses %s with invalid_parameter', async (args, parameter) => {
    expectError(await iocs(keyA, args), 'invalid_parameter', parameter);
  });

  it('refuses a malformed updatedSince with invalid_parameter', async () => {
    const answer = await t.graphql(keyA, 'query($s: DateTime) { iocs(updatedSince: $s) { edges { cursor } } }', {
      s: 'yesterday',
    });
    expect(answer.body.errors![0]!.extensions).toMatchObject({
      code: 'invalid_parameter',
      request_id: answer.requestId,
    });
    expect(answer.status).not.toBe(500);
  });

  it('answers hostile filter values without a 500 and without matching anything', async () => {
    for (const q of ["' OR 1=1 --", '\u0000', '😀'.repeat(100), '%', '\\']) {
      const answer = await t.graphql(keyA, 'query($q: String) { iocs(q: $q) { edges { cursor } } }', { q });
      expect(answer.status, q).toBe(200);
      if (!answer.body.errors) expect((answer.body.data!.iocs as Edges).edges, q).toEqual([]);
      else expect(answer.body.errors[0]!.extensions!.code).toBe('invalid_parameter');
    }
  });

  it('visits every row exactly once across pages while rows are inserted between pages', async () => {
    const seen: unknown[] = [];
    let after: string | null = null;
    let page = 0;
    do {
      const answer: Awaited<ReturnType<typeof iocs>> = await iocs(
        keyA,
        `first: 3${after ? `, after: "${after}"` : ''}`,
      );
      seen.push(...values(answer.connection));
      after = answer.connection.pageInfo.hasNextPage ? answer.connection.pageInfo.endCursor : null;
      await insertIocs(t.database.db, [{ type: 'domain', value: `inserted-${page++}.example.com` }]);
    } while (after);
    expect(seen).toEqual(['private-a.example.org', ...[...feed].reverse().map((f) => f.value)]);
  });
});

describe('ioc(id)', () => {
  it('returns a visible IOC, and null for another workspace’s or an unknown id alike', async () => {
    const query = 'query($id: ID!) { ioc(id: $id) { value shared } }';
    expect((await t.graphql(keyA, query, { id: ownA.id })).body).toEqual({
      data: { ioc: { value: 'private-a.example.org', shared: false } },
    });
    expect((await t.graphql(keyA, query, { id: feed[0]!.id })).body).toEqual({
      data: { ioc: { value: '203.0.113.10', shared: true } },
    });
    expect((await t.graphql(keyA, query, { id: ownB.id })).body).toEqual({ data: { ioc: null } });
    expect((await t.graphql(keyA, query, { id: '00000000-0000-4000-8000-000000000000' })).body).toEqual({
      data: { ioc: null },
    });
  });

  it('refuses an id that is not an id, and a key without iocs:read', async () => {
    expectError(await t.graphql(keyA, '{ ioc(id: "1 or 1=1") { value } }'), 'invalid_parameter', 'id');
    expectError(await t.graphql(keyNoIocs, `{ ioc(id: "${ownA.id}") { value } }`), 'forbidden');
  });
});

describe('iocLookup', () => {
  const lookup = (key: string, list: string[]) =>
    t.graphql(key, 'query($v: [String!]!) { iocLookup(values: $v) { type value shared confidence } }', { v: list });

  it('answers one result per value, in order, refanged and case-folded, null where unknown', async () => {
    const answer = await lookup(keyA, [
      'hxxp://evil[.]example[.]net/Login',
      'unknown.example.com',
      '44D88612FEA8A8F36DE82E1278ABB02F',
      'not an indicator',
      'bad[@]evil[.]example[.]net',
      '2001:0db8:0:0:0:0:0:1',
      'Private-A[.]example[.]org',
      'private-b.example.org',
      '203.0.113[.]10',
      '203.0.113.10',
    ]);
    expect(answer.body).toEqual({
      data: {
        iocLookup: [
          { type: 'URL', value: 'http://evil.example.net/Login', shared: true, confidence: 80 },
          null,
          { type: 'MD5', value: '44d88612fea8a8f36de82e1278abb02f', shared: true, confidence: 50 },
          null,
          { type: 'EMAIL', value: 'bad@evil.example.net', shared: true, confidence: 50 },
          { type: 'IPV6', value: '2001:db8::1', shared: true, confidence: 60 },
          { type: 'DOMAIN', value: 'private-a.example.org', shared: false, confidence: 95 },
          null,
          { type: 'IPV4', value: '203.0.113.10', shared: true, confidence: 90 },
          { type: 'IPV4', value: '203.0.113.10', shared: true, confidence: 90 },
        ],
      },
    });
  });

  it('prefers the workspace’s own IOC over the feed’s for the same value', async () => {
    expect((await lookup(keyB, ['203.0.113.10'])).body).toEqual({
      data: { iocLookup: [{ type: 'IPV4', value: '203.0.113.10', shared: false, confidence: 10 }] },
    });
  });

  it('takes 1 to 1000 values', async () => {
    expectError(await lookup(keyA, []), 'invalid_parameter', 'values');
    expectError(await lookup(keyA, Array(1001).fill('1.2.3.4')), 'invalid_parameter', 'values');
    const many = await lookup(
      keyA,
      Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}`),
    );
    expect(many.body.data!.iocLookup).toEqual(Array(1000).fill(null));
  });

  it('is forbidden to a key without iocs:read', async () => {
    expectError(await lookup(keyNoIocs, ['203.0.113.10']), 'forbidden');
  });
});
