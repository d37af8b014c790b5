/**
 * Documents built to hurt (issue: hardening): too many tokens, directives or too costly, name
 * suggestions, batches. Each is refused on both GraphQL paths (a JSON POST is served by the fast
 * path, a GET by Yoga) and never executed: the mutation inside them creates nothing.
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

const IOC_FIELDS = 'id type value threatType malwareFamily confidence severity tlp tags source shared firstSeen lastSeen createdAt updatedAt';
const CREATE = 'made: createWatchlist(input: { name: "should not exist" }) { id }';

/** The same document sent as a JSON POST (fast path) and, for queries, as a GET (Yoga). */
async function both(document: string): Promise<GraphQLBody[]> {
  const posted = (await t.graphql(key, document)).body;
  if (document.trimStart().startsWith('mutation')) return [posted];
  const got = await t.fetch(`/graphql?query=${encodeURIComponent(document)}`, { headers: { authorization: `Bearer ${key}` } });
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
    expect(answer.errors?.[0]?.message).toMatch(/token limit of 10000/i);
    expect(answer.errors?.[0]?.extensions?.code).toBe('invalid_parameter');
    for (const body of await both(`{ __typename ${padding} }`)) expect(body.errors?.[0]?.message).toMatch(/token limit/i);
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

  it('admit one full page of 1000 IOCs with every field, and refuse two in one document', async () => {
    const page = (alias: string) => `${alias}: iocs(first: 1000) { totalCount edges { cursor node { ${IOC_FIELDS} } } pageInfo { hasNextPage endCursor } }`;
    for (const body of await both(`{ ${page('one')} }`)) expect(body.errors).toBeUndefined();
    for (const body of await both(`{ ${page('one')} ${page('two')} }`)) {
      expect(body.data).toBeUndefined();
      expect(body.errors?.[0]?.message).toMatch(/cost limit of 100000/i);
    }
    const costly = (await t.graphql(key, `mutation { ${CREATE} } query { ${page('one')} ${page('two')} }`)).body;
    expect(costly.data).toBeUndefined();
  });

  it('never suggest field or enum names (introspection is off in production)', async () => {
    for (const body of await both('{ ioc { id } iocz { id } }')) {
      const messages = body.errors?.map((e) => e.message).join(' ') ?? '';
      expect(messages).toMatch(/Cannot query field "iocz"/);
      expect(messages).not.toMatch(/did you mean/i);
    }
    const variables = await t.graphql(key, 'query ($type: IocType) { iocs(type: $type) { totalCount } }', { type: 'IPV5' });
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
