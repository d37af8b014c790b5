/**
 * Documents built to hurt (issue: hardening, issue: the edge): too many tokens, directives or too
 * costly (page sizes in variables included), name suggestions, batches. Each is refused whether
 * sent as a JSON POST or a GET, and never executed: the mutation inside them creates nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type GraphQLBody, type TestApp } from '../support/app.js';

let t: TestApp;
let key: string;

beforeAll(async () => {
  t = await createTestApp({ production: true });
  key = (await t.createKey((await t.createWorkspace()).id)).key;
});
afterAll(() => t.close());

const IOC_FIELDS =
  'id type value threatType malwareFamily confidence severity tlp tags source shared firstSeen lastSeen createdAt updatedAt';
const CREATE = 'made: createWatchlist(input: { name: "should not exist" }) { id }';

/** The same document sent as a JSON POST and, for queries, as a GET. */
async function both(document: string): Promise<GraphQLBody[]> {
  const posted = (await t.graphql(key, document)).body;
  if (document.trimStart().startsWith('mutation')) return [posted];
  const got = await t.fetch(`/graphql?query=${encodeURIComponent(document)}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return [posted, (await got.json()) as GraphQLBody];
}

async function watchlistCount(): Promise<number> {
  const { body } = await t.graphql(key, '{ watchlists { edges { node { id } } } }');
  return (body.data as { watchlists: { edges: unknown[] } }).watchlists.edges.length;
}

describe('abusive documents', () => {
  it('refuse more than 10,000 tokens before parsing the rest, and execute nothing', async () => {
    // `@skip(if: true)` is six tokens: 1,700 of them make 10,200.
    const padding = Array.from({ length: 1700 }, () => '@skip(if: true)').join(' ');
    const answer = (await t.graphql(key, `mutation { ${CREATE} __typename ${padding} }`)).body;
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]?.message).toBe(
      'Token limit of 10000 exceeded: send a shorter document (variables carry long lists in fewer tokens).',
    );
    expect(answer.errors?.[0]?.extensions?.code).toBe('invalid_parameter');
    for (const body of await both(`{ __typename ${padding} }`))
      expect(body.errors?.[0]?.message).toMatch(/token limit/i);
    expect(await watchlistCount()).toBe(0);
  });

  it('refuse more than 20 directives, and execute nothing', async () => {
    const directives = Array.from({ length: 21 }, () => '@include(if: true)').join(' ');
    const answer = (await t.graphql(key, `mutation { ${CREATE.replace('{ id }', `${directives} { id }`)} }`)).body;
    expect(answer.data).toBeUndefined();
    expect(answer.errors?.[0]?.message).toMatch(/directives/i);
    for (const body of await both(`{ viewer ${directives} { key { name } } }`)) {
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/directives/i);
    }
    expect(await watchlistCount()).toBe(0);
  });

  it('count page sizes given as literals, variables or defaults alike: eleven full IOC pages pass, twelve do not', async () => {
    // Each page: 1 + 1000 × (totalCount, edges, cursor, node, 15 fields, pageInfo and its 2) = 22,001 values.
    const pages = (n: number, first: string) =>
      Array.from(
        { length: n },
        (_, i) =>
          `p${i}: iocs(first: ${first}) { totalCount edges { cursor node { ${IOC_FIELDS} } } pageInfo { hasNextPage endCursor } }`,
      ).join(' ');
    for (const body of await both(`{ ${pages(11, '1000')} }`)) expect(body.errors).toBeUndefined();
    for (const body of await both(`{ ${pages(12, '1000')} }`)) {
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toBe(
        'The query could return up to 264012 values, more than the 250000 allowed: ask for smaller pages (first), fewer fields or fewer aliases.',
      );
    }
    const byVariable = await t.graphql(key, `query ($n: Int) { ${pages(12, '$n')} }`, { n: 1000 });
    expect(byVariable.body.data).toBeUndefined();
    expect(byVariable.body.errors?.[0]?.message).toMatch(/could return up to 264012 values/);
    expect((await t.graphql(key, `query ($n: Int) { ${pages(12, '$n')} }`, { n: 10 })).body.errors).toBeUndefined();
    const costly = (await t.graphql(key, `mutation { ${CREATE} } query { ${pages(12, '1000')} }`)).body;
    expect(costly.data).toBeUndefined();
    expect(await watchlistCount()).toBe(0);
  });

  it('price watchlist entries at their maximum of 1000 a watchlist', async () => {
    const lists = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `w${i}: watchlists(first: 50) { edges { node { id name entries { id type value } } } }`,
      ).join(' ');
    expect((await t.graphql(key, `{ ${lists(1)} }`)).body.errors).toBeUndefined();
    const ten = await t.graphql(key, `{ ${lists(10)} }`);
    expect(ten.body.data).toBeUndefined();
    expect(ten.body.errors?.[0]?.message).toMatch(/more than the 250000 allowed/);
  });

  it('never suggest field or enum names (introspection is off in production)', async () => {
    for (const body of await both('{ ioc { id } iocz { id } }')) {
      const messages = body.errors?.map((e) => e.message).join(' ') ?? '';
      expect(messages).toMatch(/Cannot query field "iocz"/);
      expect(messages).not.toMatch(/did you mean/i);
    }
    const variables = await t.graphql(key, 'query ($type: IocType) { iocs(type: $type) { totalCount } }', {
      type: 'IPV5',
    });
    expect(variables.status).toBe(200);
    expect(variables.body.errors?.[0]?.extensions?.code).toBe('invalid_parameter');
    expect(variables.body.errors?.[0]?.message).not.toMatch(/did you mean|IPV4/i);
  });

  it('refuse batches (a JSON array of operations) without executing any of them', async () => {
    const response = await t.fetch('/graphql', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ query: `mutation { ${CREATE} }` }, { query: `mutation { ${CREATE} }` }]),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLBody;
    expect(body.data).toBeUndefined();
    expect(body.errors?.length).toBeGreaterThan(0);
    expect(await watchlistCount()).toBe(0);
  });
});
