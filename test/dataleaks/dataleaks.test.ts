/**
 * Data leaks over GraphQL (docs/api.md §5): strict scope, enterprise plan with active billing, the
 * 400/403 rows of §4 for each search, masked passwords, and keyset pages.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type GraphQLBody, type TestApp } from '../support/app.js';
import { insertCardLeaks, insertCredentialLeaks } from '../support/fixtures.js';

let t: TestApp;
let key: string;
let noLeaksKey: string;
let otherKey: string;
let proKey: string;
let pastDueKey: string;
let workspaceId: string;

const SCOPE = { domains: ['example.com'], emails: ['ceo@gmail.test'], bins: ['411111'] };

beforeAll(async () => {
  t = await createTestApp();
  const a = await t.createWorkspace({ scope: SCOPE });
  workspaceId = a.id;
  key = (await t.createKey(a.id)).key;
  noLeaksKey = (await t.createKey(a.id, { permissions: ['iocs:read', 'watchlists:read'] })).key;
  otherKey = (await t.createKey((await t.createWorkspace({ scope: { domains: ['other.test'], bins: ['555555'] } })).id))
    .key;
  proKey = (await t.createKey((await t.createWorkspace({ plan: 'pro', scope: SCOPE })).id)).key;
  pastDueKey = (await t.createKey((await t.createWorkspace({ billingStatus: 'past_due', scope: SCOPE })).id)).key;
  await insertCredentialLeaks(t.database.db, [
    'alice@example.com',
    'bob@mail.example.com',
    'carol@deep.mail.example.com',
    'dave@notexample.com',
    'erin@example.com.evil.test',
    'ceo@gmail.test',
    'someone@gmail.test',
    'x@other.test',
  ]);
  await insertCardLeaks(t.database.db, ['411111', '41111122', '41111199', '411112', '555555', '4111110']);
});
afterAll(() => t.close());

const BY_DOMAIN =
  'query($v: String!, $first: Int, $after: String) { dataleaks { byDomain(domain: $v, first: $first, after: $after) { edges { node { email domain username passwordMasked sourceType leakedAt } } pageInfo { hasNextPage endCursor } } } }';
const BY_EMAIL =
  'query($v: String!, $first: Int, $after: String) { dataleaks { byEmail(email: $v, first: $first, after: $after) { edges { node { email } } pageInfo { hasNextPage endCursor } } } }';
const BY_BIN =
  'query($v: String!, $first: Int, $after: String) { dataleaks { byBin(bin: $v, first: $first, after: $after) { edges { node { bin last4 expiry brand } } pageInfo { hasNextPage endCursor } } } }';

type Page = { edges: { node: Record<string, string> }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

async function search(query: string, v: string, k = key, extra: Record<string, unknown> = {}) {
  const answer = await t.graphql(k, query, { v, ...extra });
  const field = query.includes('byDomain') ? 'byDomain' : query.includes('byEmail') ? 'byEmail' : 'byBin';
  const page = (answer.body.data?.dataleaks as Record<string, Page> | null)?.[field];
  return { ...answer, page };
}

function errorOf(body: GraphQLBody): Record<string, unknown> & { message: string } {
  expect(body.errors, JSON.stringify(body)).toHaveLength(1);
  return { ...body.errors![0]!.extensions, message: body.errors![0]!.message };
}

describe('byDomain', () => {
  it('finds leaks at the domain and its subdomains only, with masked passwords', async () => {
    const { page } = await search(BY_DOMAIN, 'EXAMPLE.com.');
    expect(page!.edges.map((e) => e.node.email)).toEqual([
      'alice@example.com',
      'bob@mail.example.com',
      'carol@deep.mail.example.com',
    ]);
    expect(page!.edges[0]!.node).toEqual({
      email: 'alice@example.com',
      domain: 'example.com',
      username: 'alice',
      passwordMasked: 'h*****2',
      sourceType: 'BREACH',
      leakedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('answers a subdomain of the scope', async () => {
    const { page } = await search(BY_DOMAIN, 'mail.example.com');
    expect(page!.edges.map((e) => e.node.email)).toEqual(['bob@mail.example.com', 'carol@deep.mail.example.com']);
  });

  it('pages through every row exactly once', async () => {
    const emails: string[] = [];
    let after: string | null = null;
    do {
      const { page }: { page?: Page } = await search(BY_DOMAIN, 'example.com', key, { first: 1, after });
      emails.push(...page!.edges.map((e) => e.node.email!));
      after = page!.pageInfo.hasNextPage ? page!.pageInfo.endCursor : null;
    } while (after);
    expect(emails).toEqual(['alice@example.com', 'bob@mail.example.com', 'carol@deep.mail.example.com']);
  });
});

describe('byEmail and byBin', () => {
  it('byEmail finds one address in scope, by itself or by its domain', async () => {
    expect((await search(BY_EMAIL, ' CEO@gmail.test ')).page!.edges.map((e) => e.node.email)).toEqual([
      'ceo@gmail.test',
    ]);
    expect((await search(BY_EMAIL, 'bob@mail.example.com')).page!.edges.map((e) => e.node.email)).toEqual([
      'bob@mail.example.com',
    ]);
    expect((await search(BY_EMAIL, 'nobody@example.com')).page!.edges).toEqual([]);
  });

  it('byBin finds every BIN starting with it, never a full card number', async () => {
    const { page } = await search(BY_BIN, '411111');
    expect(page!.edges.map((e) => e.node.bin)).toEqual(['411111', '4111110', '41111122', '41111199']);
    expect(page!.edges[0]!.node).toEqual({ bin: '411111', last4: '1000', expiry: '12/29', brand: 'visa' });
    expect((await search(BY_BIN, '4111 1122')).page!.edges.map((e) => e.node.bin)).toEqual(['41111122']);
  });
});

describe.each([
  ['byDomain', BY_DOMAIN, 'domain', 'example.net', 'not a domain!'],
  ['byEmail', BY_EMAIL, 'email', 'someone@gmail.test', 'not-an-email'],
  ['byBin', BY_BIN, 'bin', '555555', '41x111'],
])('%s refuses', (_field, query, parameter, outside, malformed) => {
  it('a missing input with 400 missing_parameter', async () => {
    const { body, requestId } = await search(query, '');
    expect(errorOf(body)).toEqual({
      code: 'missing_parameter',
      parameter,
      request_id: requestId,
      message: `Missing required parameter: ${parameter}.`,
    });
  });

  it('a malformed input with 400 invalid_parameter', async () => {
    expect(errorOf((await search(query, malformed)).body)).toMatchObject({ code: 'invalid_parameter', parameter });
    expect(errorOf((await search(query, 'x'.repeat(5000))).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter,
    });
    expect(errorOf((await search(query, "' or 1=1 --")).body)).toMatchObject({ code: 'invalid_parameter', parameter });
  });

  it('an input outside the scope with 403 forbidden', async () => {
    const error = errorOf((await search(query, outside)).body);
    expect(error).toMatchObject({ code: 'forbidden' });
    expect(error.message).toMatch(/^Forbidden: the .* is outside the workspace scope\.$/);
  });

  it('another workspace’s scope: its key sees nothing of this one', async () => {
    const valid = { domain: 'example.com', email: 'ceo@gmail.test', bin: '411111' }[parameter]!;
    expect(errorOf((await search(query, valid, otherKey)).body)).toMatchObject({ code: 'forbidden' });
  });

  it('a key without dataleaks:read', async () => {
    expect(errorOf((await search(query, 'example.com', noLeaksKey)).body)).toMatchObject({
      code: 'forbidden',
      message: 'Forbidden: this API key lacks the dataleaks:read permission.',
    });
  });

  it('a workspace not on the enterprise plan, or whose billing is not active', async () => {
    const valid = { domain: 'example.com', email: 'ceo@gmail.test', bin: '411111' }[parameter]!;
    expect(errorOf((await search(query, valid, proKey)).body)).toMatchObject({
      code: 'forbidden',
      message: 'Forbidden: data leak searches need the enterprise plan.',
    });
    expect(errorOf((await search(query, valid, pastDueKey)).body)).toMatchObject({
      code: 'forbidden',
      message: 'Forbidden: data leak searches are suspended while billing is past_due.',
    });
  });

  it('a page size out of range and a forged cursor with invalid_parameter', async () => {
    const valid = { domain: 'example.com', email: 'ceo@gmail.test', bin: '411111' }[parameter]!;
    expect(errorOf((await search(query, valid, key, { first: 0 })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'first',
    });
    expect(errorOf((await search(query, valid, key, { first: 1001 })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'first',
    });
    expect(errorOf((await search(query, valid, key, { after: 'WyJ4Il0' })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'after',
    });
  });
});

describe('a workspace whose plan changes', () => {
  it('loses and regains access as soon as the plan changes', async () => {
    await t.database.db.execute(sql`update workspaces set billing_status = 'canceled' where id = ${workspaceId}`);
    // The change reaches the key cache through NOTIFY; allow it a moment.
    await expect
      .poll(async () => errorOf((await search(BY_DOMAIN, 'example.com')).body).code, { timeout: 2000 })
      .toBe('forbidden');
    await t.database.db.execute(sql`update workspaces set billing_status = 'active' where id = ${workspaceId}`);
    await expect
      .poll(async () => (await search(BY_DOMAIN, 'example.com')).page?.edges.length, { timeout: 2000 })
      .toBe(3);
  });
});
