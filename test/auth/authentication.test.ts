/**
 * Every authentication row of docs/api.md §4, on GraphQL, with the key in either header: the status,
 * the whole body, and the request id matching the `x-request-id` header.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/auth/keyFormat.js';
import { ERRORS } from '../../src/core/errors.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { revokeApiKey } from '../../src/keys/service.js';
import { createTestApp, type TestApp } from '../support/app.js';

const VIEWER = '{ viewer { key { name } } }';
let t: TestApp;
let key: string;
let prefix: string;
let revokedKey: string;
let expiredKey: string;

beforeAll(async () => {
  t = await createTestApp();
  const workspace = await t.createWorkspace();
  ({ key, prefix } = await t.createKey(workspace.id));
  const revoked = await t.createKey(workspace.id);
  await revokeApiKey(t.database.db, { id: revoked.id, actor: CLI_ACTOR });
  revokedKey = revoked.key;
  const expired = await t.createKey(workspace.id, { expiresInDays: 1 });
  await t.database.db.execute(
    sql`update api_keys set expires_at = now() - interval '1 minute' where id = ${expired.id}`,
  );
  expiredKey = expired.key;
});
afterAll(() => t.close());

type Headers = Record<string, string>;
const headerStyles: Array<[string, (k: string) => Headers]> = [
  ['Authorization: Bearer', (k) => ({ authorization: `Bearer ${k}` })],
  ['X-API-Key', (k) => ({ 'x-api-key': k })],
];

async function ask(headers: Headers, query = '') {
  const response = await t.fetch(`/graphql${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: VIEWER }),
  });
  return { status: response.status, requestId: response.headers.get('x-request-id'), body: await response.json() };
}

function expectRefusal(answer: Awaited<ReturnType<typeof ask>>, status: number, code: keyof typeof ERRORS) {
  expect(answer.requestId).toMatch(/^req_[0-9a-f]{24}$/);
  expect({ status: answer.status, body: answer.body }).toEqual({
    status,
    body: { errors: [{ message: expect.any(String), extensions: { code, request_id: answer.requestId } }] },
  });
}

describe.each(headerStyles)('a key in %s', (_name, send) => {
  it('is accepted when valid', async () => {
    const answer = await ask(send(key));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { viewer: { key: { name: 'test key' } } } });
  });

  it.each([
    ['malformed', 'not-a-key'],
    ['truncated', formatApiKey('C'.repeat(36)).slice(0, -3)],
    ['of the right shape with a bad checksum', `${formatApiKey('B'.repeat(36)).slice(0, -1)}x`],
    ['with an unknown prefix', formatApiKey('Z'.repeat(36))],
  ])('is refused with 401 invalid_api_key when %s', async (_case, bad) => {
    expectRefusal(await ask(send(bad)), 401, 'invalid_api_key');
  });

  it('is refused with 401 invalid_api_key when the secret is wrong for a real prefix', async () => {
    const guess = formatApiKey(prefix + 'y'.repeat(24));
    expectRefusal(await ask(send(guess)), 401, 'invalid_api_key');
  });

  it('is refused with 401 expired_api_key when revoked', async () => {
    expectRefusal(await ask(send(revokedKey)), 401, 'expired_api_key');
  });

  it('is refused with 401 expired_api_key when past its expiry', async () => {
    expectRefusal(await ask(send(expiredKey)), 401, 'expired_api_key');
  });

  it.each(['api_key', 'apikey', 'api-key', 'key', 'token', 'access_token', 'API_KEY'])(
    'is refused with 400 api_key_in_query when ?%s= is in the URL too',
    async (name) => {
      expectRefusal(await ask(send(key), `?${name}=${key}`), 400, 'api_key_in_query');
    },
  );
});

describe('the headers together', () => {
  it('answers 401 missing_api_key with the documented message when there is no key', async () => {
    const answer = await ask({});
    expectRefusal(answer, 401, 'missing_api_key');
    expect(answer.body.errors[0].message).toBe(
      'API key is required. Include it in the Authorization header as "Bearer sk_live_..." or in the X-API-Key header.',
    );
  });

  it('refuses two different keys with 401 invalid_api_key', async () => {
    expectRefusal(await ask({ authorization: `Bearer ${key}`, 'x-api-key': revokedKey }), 401, 'invalid_api_key');
  });

  it('accepts the same key in both headers', async () => {
    expect((await ask({ authorization: `Bearer ${key}`, 'x-api-key': key })).status).toBe(200);
  });

  it('reads the Bearer scheme in any letter case and trims white space', async () => {
    for (const authorization of [`bearer ${key}`, `BEARER   ${key}  `, `  Bearer\t${key}`]) {
      expect((await ask({ authorization })).status, authorization).toBe(200);
    }
    expect((await ask({ 'x-api-key': `  ${key} ` })).status).toBe(200);
  });

  it('refuses another scheme with 401 invalid_api_key', async () => {
    expectRefusal(
      await ask({ authorization: `Basic ${Buffer.from(`user:${key}`).toString('base64')}` }),
      401,
      'invalid_api_key',
    );
    expectRefusal(await ask({ authorization: `Token ${key}` }), 401, 'invalid_api_key');
  });

  it('refuses the key in the query string even without any header', async () => {
    expectRefusal(await ask({}, `?access_token=${key}`), 400, 'api_key_in_query');
  });
});

describe('hostile header values', () => {
  it('answers any value, however long or odd, with a documented 401', async () => {
    const values = [
      'x'.repeat(64 * 1024),
      `Bearer ${'sk_live_'.padEnd(8000, 'A')}`,
      'Bearer \u00ff\u00fe\u0080',
      "Bearer ' OR 1=1 --",
      'Bearer sk_live_%00%00',
      `Bearer ${key.slice(0, 20)}\u00e9${key.slice(21)}`,
      'Bearer',
      'Bearer ',
    ];
    for (const value of values) {
      for (const name of ['authorization', 'x-api-key']) {
        const answer = await ask({ [name]: value });
        expect([400, 401], `${name}: ${value.slice(0, 40)}`).toContain(answer.status);
        expect(answer.body.errors[0].extensions.request_id).toBe(answer.requestId);
      }
    }
  });
});

describe('request ids', () => {
  it('are on every answer, fresh each time, including 404s and health checks', async () => {
    const ids = new Set<string>();
    for (const path of ['/graphql', '/nowhere', '/healthz', '/readyz', '/api/v1/nowhere']) {
      const response = await t.fetch(path);
      const id = response.headers.get('x-request-id');
      expect(id, path).toMatch(/^req_[0-9a-f]{24}$/);
      ids.add(id!);
    }
    expect(ids.size).toBe(5);
  });
});

describe('the log', () => {
  it('has one line per request and holds no key used in this file', () => {
    expect(t.logs.length).toBeGreaterThan(50);
    const keys = [key, revokedKey, expiredKey];
    for (const line of t.logs) {
      const entry = JSON.parse(line);
      for (const k of keys) {
        expect(line).not.toContain(k);
        expect(line).not.toContain(k.slice(20));
      }
      expect(line.toLowerCase()).not.toContain('bearer');
      if (entry.request_id) expect(entry).not.toHaveProperty('headers');
    }
  });
});
