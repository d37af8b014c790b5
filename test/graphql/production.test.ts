/** `NODE_ENV=production` (docs/api.md §7): no introspection and no GraphiQL, on either GraphQL path. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

const INTROSPECTION = '{ __schema { queryType { name } } }';

async function appWithKey(options: { production?: boolean } = {}) {
  const t = await createTestApp(options);
  const { key } = await t.createKey((await t.createWorkspace()).id);
  return { t, key };
}

describe('in production', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => ({ t, key } = await appWithKey({ production: true })));
  afterAll(() => t.close());

  it('refuses introspection, sent as a JSON POST or as a GET', async () => {
    const posted = await t.graphql(key, INTROSPECTION);
    expect(posted.body.data).toBeUndefined();
    expect(posted.body.errors?.[0]?.message).toMatch(/introspection/i);
    const got = await t.fetch(`/graphql?query=${encodeURIComponent(INTROSPECTION)}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await got.json()) as { data?: unknown; errors?: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/introspection/i);
  });

  it('serves no GraphiQL page', async () => {
    const page = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
  });

  it('still answers ordinary queries', async () => {
    expect((await t.graphql(key, '{ viewer { key { name } } }')).body).toEqual({
      data: { viewer: { key: { name: 'test key' } } },
    });
  });
});

describe('in development', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => ({ t, key } = await appWithKey()));
  afterAll(() => t.close());

  it('answers introspection and serves GraphiQL', async () => {
    expect((await t.graphql(key, INTROSPECTION)).body).toEqual({
      data: { __schema: { queryType: { name: 'Query' } } },
    });
    const page = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('abusive documents', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => ({ t, key } = await appWithKey()));
  afterAll(() => t.close());

  it('allow the deepest useful selection and refuse anything deeper than 10 levels', async () => {
    expect((await t.graphql(key, '{ watchlists { edges { node { entries { id } } } } }')).body.errors).toBeUndefined();
    // The schema has no cycles, so only a document of made-up fields can be this deep: the depth
    // limit still speaks for it, before anything runs.
    const tooDeep = `{ viewer ${'{ f '.repeat(11)}${'} '.repeat(11)}}`;
    const answer = await t.graphql(key, tooDeep);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors?.map((e) => e.message).join(' ')).toMatch(/depth/i);
  });

  it('refuse more than 30 aliases, as a JSON POST and as a GET, without executing', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: viewer { key { name } }`).join(' ');
    const posted = await t.graphql(key, `{ ${aliases} }`);
    expect(posted.body.data).toBeUndefined();
    expect(posted.body.errors?.[0]?.message).toMatch(/aliases/i);
    const got = await t.fetch(`/graphql?query=${encodeURIComponent(`{ ${aliases} }`)}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const body = (await got.json()) as { data?: unknown; errors?: { message: string }[] };
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.message).toMatch(/aliases/i);
    const fine = Array.from({ length: 30 }, (_, i) => `a${i}: viewer { key { name } }`).join(' ');
    expect((await t.graphql(key, `{ ${fine} }`)).body.errors).toBeUndefined();
  });
});
