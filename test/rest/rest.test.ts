/**
 * The REST layer (docs/api.md §4, §6): every route family answers every §4 row in its dialect, with
 * the documented bytes and the request id of the `x-request-id` header; success bodies are the
 * documented shapes; REST and GraphQL agree.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/auth/keyFormat.js';
import { ERRORS } from '../../src/core/errors.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { revokeApiKey } from '../../src/keys/service.js';
import { errorBodyText } from '../../src/rest/dialects.js';
import { ApiError } from '../../src/core/errors.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertCardLeaks, insertCredentialLeaks, insertIocs } from '../support/fixtures.js';

let t: TestApp;
let key: string;
let prefix: string;
let revoked: string;
let expired: string;
let otherKey: string;
let noPermissions: string;
let proKey: string;
let ownIocId: string;
let otherIocId: string;

beforeAll(async () => {
  t = await createTestApp();
  const a = await t.createWorkspace({ scope: { domains: ['example.com'], bins: ['411111'] } });
  ({ key, prefix } = await t.createKey(a.id));
  const r = await t.createKey(a.id);
  await revokeApiKey(t.database.db, { id: r.id, actor: CLI_ACTOR });
  revoked = r.key;
  const e = await t.createKey(a.id, { expiresInDays: 1 });
  await t.database.db.execute(sql`update api_keys set expires_at = now() - interval '1 second' where id = ${e.id}`);
  expired = e.key;
  noPermissions = (await t.createKey(a.id, { permissions: ['keys:read'] })).key;
  const b = await t.createWorkspace({ scope: { domains: ['other.test'] } });
  otherKey = (await t.createKey(b.id)).key;
  proKey = (await t.createKey((await t.createWorkspace({ plan: 'pro', scope: { domains: ['example.com'] } })).id)).key;
  await insertIocs(t.database.db, [
    { type: 'ipv4', value: '203.0.113.10', confidence: 90, tlp: 'amber+strict', updatedAt: '2026-01-01T00:00:01Z' },
    { type: 'ipv4', value: '203.0.113.11', updatedAt: '2026-01-01T00:00:02Z' },
    { type: 'domain', value: 'evil.example.net', updatedAt: '2026-01-01T00:00:03Z' },
  ]);
  ownIocId = (await insertIocs(t.database.db, [{ workspaceId: a.id, type: 'ipv4', value: '198.51.100.1' }]))[0]!.id;
  otherIocId = (await insertIocs(t.database.db, [{ workspaceId: b.id, type: 'ipv4', value: '198.51.100.2' }]))[0]!.id;
  await insertCredentialLeaks(t.database.db, ['alice@example.com', 'bob@mail.example.com', 'eve@other.test']);
  await insertCardLeaks(t.database.db, ['41111122', '555555']);
});
afterAll(() => t.close());

type Answer = { status: number; statusText: string; text: string; json: any; requestId: string; headers: Headers };

async function call(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const response = await t.fetch(path, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    statusText: response.statusText,
    text,
    json,
    requestId: response.headers.get('x-request-id')!,
    headers: response.headers,
  };
}

const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

/** The exact bytes of a §4 error body in a dialect. */
function expectError(
  answer: Answer,
  dialect: 'soc' | 'defendis',
  status: number,
  code: keyof typeof ERRORS,
  sentence?: string | RegExp,
) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.requestId).toMatch(/^req_[0-9a-f]{24}$/);
  expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  if (dialect === 'soc') {
    expect(answer.json.error.code).toBe(code);
    expect(answer.json.error.request_id).toBe(answer.requestId);
    expect(answer.text).toBe(
      JSON.stringify({ error: { code, message: answer.json.error.message, request_id: answer.requestId } }, null, 2),
    );
    if (sentence) expect(answer.json.error.message).toMatch(sentence);
  } else {
    expect(answer.text).toBe(`{ "error": ${JSON.stringify(answer.json.error)} }`);
    expect(answer.json.error).toMatch(sentence ?? ERRORS[code].defendis);
  }
}

const FAMILIES = [
  { family: 'iocs', dialect: 'soc', path: '/api/v1/iocs?type=ipv4&limit=10' },
  { family: 'iocs (one)', dialect: 'soc', path: '/api/v1/iocs/00000000-0000-4000-8000-000000000000' },
  { family: 'watchlists', dialect: 'defendis', path: '/api/v1/watchlists' },
  { family: 'dataleaks', dialect: 'defendis', path: '/api/v1/dataleaks/domain?domain=example.com' },
  { family: 'an unknown path', dialect: 'defendis', path: '/api/v1/nothing/here' },
] as const;

describe.each(FAMILIES)('authentication on $family ($dialect dialect)', ({ dialect, path }) => {
  it('no key: 401 missing_api_key, as documented to the byte', async () => {
    const answer = await call(path);
    expectError(answer, dialect, 401, 'missing_api_key');
    expect(answer.statusText).toBe('Unauthorized');
    if (dialect === 'soc') {
      expect(answer.text).toBe(
        `{\n  "error": {\n    "code": "missing_api_key",\n    "message": "API key is required. Include it in the Authorization header as \\"Bearer sk_live_...\\" or in the X-API-Key header.",\n    "request_id": "${answer.requestId}"\n  }\n}`,
      );
    } else {
      expect(answer.text).toBe('{ "error": "Missing API key" }');
    }
  });

  it.each([
    ['malformed', { authorization: 'Bearer sk_live_nope' }],
    ['bad checksum', { 'x-api-key': `${formatApiKey('D'.repeat(36)).slice(0, -1)}Q` }],
    ['unknown prefix', { 'x-api-key': formatApiKey('E'.repeat(36)) }],
    ['wrong secret', { authorization: `Bearer ${formatApiKey(`${'0'.repeat(12)}${'z'.repeat(24)}`)}` }],
  ])('%s key: 401 invalid_api_key', async (_case, headers) => {
    expectError(await call(path, { headers }), dialect, 401, 'invalid_api_key');
  });

  it('wrong secret for a real prefix, and two different keys: 401 invalid_api_key', async () => {
    expectError(
      await call(path, { headers: bearer(formatApiKey(prefix + 'w'.repeat(24))) }),
      dialect,
      401,
      'invalid_api_key',
    );
    expectError(
      await call(path, { headers: { ...bearer(key), 'x-api-key': otherKey } }),
      dialect,
      401,
      'invalid_api_key',
    );
  });

  it('revoked or expired key: 401 expired_api_key', async () => {
    expectError(await call(path, { headers: bearer(revoked) }), dialect, 401, 'expired_api_key');
    expectError(await call(path, { headers: { 'x-api-key': expired } }), dialect, 401, 'expired_api_key');
  });

  it('key in the query string: 400 api_key_in_query, whatever else the request holds', async () => {
    const answer = await call(`${path}${path.includes('?') ? '&' : '?'}api_key=${key}`, { headers: bearer(key) });
    expectError(
      answer,
      dialect,
      400,
      'api_key_in_query',
      dialect === 'soc' ? /query string/ : /^API keys must not be sent in the URL/,
    );
  });

  it('a flood of guesses for one prefix: 429 rate_limited with Retry-After', async () => {
    // Fresh guesses for each family: a guess already refused is remembered and refused at once.
    const salt = FAMILIES.findIndex((f) => f.path === path);
    const guesses = Array.from({ length: 40 }, (_, i) => formatApiKey(prefix + `${salt}x${i}`.padStart(24, 'f')));
    const answers = await Promise.all(guesses.map((g) => call(path, { headers: bearer(g) })));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expectError(limited[0]!, dialect, 429, 'rate_limited', dialect === 'soc' ? /Retry later/ : 'Rate limit exceeded');
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
  });
});

describe('IOCs (SOC dialect)', () => {
  it('lists with data and pagination, snake_case, stored enum spellings', async () => {
    const answer = await call('/api/v1/iocs?type=ipv4&limit=2', { headers: bearer(key) });
    expect(answer.status).toBe(200);
    expect(answer.json.pagination).toEqual({ limit: 2, next_cursor: expect.any(String), has_more: true });
    expect(answer.json.data.map((d: { value: string }) => d.value)).toEqual(['198.51.100.1', '203.0.113.11']);
    expect(Object.keys(answer.json.data[0])).toEqual([
      'id',
      'type',
      'value',
      'threat_type',
      'malware_family',
      'confidence',
      'severity',
      'tlp',
      'tags',
      'source',
      'shared',
      'first_seen',
      'last_seen',
      'valid_from',
      'valid_until',
      'revoked',
      'status',
      'score',
      'sightings',
      'false_positive',
      'false_positive_reports',
      'excluded_by',
      'created_at',
      'updated_at',
    ]);
    const next = await call(`/api/v1/iocs?type=ipv4&limit=2&cursor=${answer.json.pagination.next_cursor}`, {
      headers: bearer(key),
    });
    expect(next.json).toMatchObject({
      data: [{ value: '203.0.113.10', type: 'ipv4', tlp: 'amber+strict' }],
      pagination: { limit: 2, next_cursor: null, has_more: false },
    });
  });

  it('returns the same ids as GraphQL for the same query', async () => {
    const rest = await call('/api/v1/iocs?type=ipv4&min_confidence=50&limit=5', { headers: bearer(key) });
    const graphql = await t.graphql(key, '{ iocs(type: IPV4, minConfidence: 50, first: 5) { edges { node { id } } } }');
    const ids = (graphql.body.data!.iocs as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id);
    expect(rest.json.data.map((d: { id: string }) => d.id)).toEqual(ids);
    expect(ids.length).toBeGreaterThan(0);
  });

  it('gets one IOC; another workspace’s and an unknown id are both 404 not_found', async () => {
    expect((await call(`/api/v1/iocs/${ownIocId}`, { headers: bearer(key) })).json.data).toMatchObject({
      id: ownIocId,
      shared: false,
    });
    expectError(await call(`/api/v1/iocs/${otherIocId}`, { headers: bearer(key) }), 'soc', 404, 'not_found');
    expectError(
      await call('/api/v1/iocs/00000000-0000-4000-8000-000000000000', { headers: bearer(key) }),
      'soc',
      404,
      'not_found',
    );
  });

  it('looks up values in order with null where unknown', async () => {
    const answer = await call('/api/v1/iocs/lookup', {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ values: ['203.0.113[.]10', 'unknown.example', 'EVIL[.]example.net'] }),
    });
    expect(answer.status).toBe(200);
    expect(answer.json.data.map((d: { value: string } | null) => d?.value ?? null)).toEqual([
      '203.0.113.10',
      null,
      'evil.example.net',
    ]);
  });

  it.each([
    ['/api/v1/iocs?limit=0', 'limit'],
    ['/api/v1/iocs?limit=1001', 'limit'],
    ['/api/v1/iocs?limit=ten', 'limit'],
    ['/api/v1/iocs?limit=', 'limit'],
    ['/api/v1/iocs?type=ipv5', 'type'],
    ['/api/v1/iocs?type=ipv4&type=ipv6', 'type'],
    ['/api/v1/iocs?min_confidence=101', 'min_confidence'],
    ['/api/v1/iocs?updated_since=yesterday', 'updated_since'],
    ['/api/v1/iocs?cursor=garbage', 'cursor'],
    [`/api/v1/iocs?q=${'a'.repeat(3000)}`, 'q'],
    ['/api/v1/iocs?q=%00', 'q'],
    ['/api/v1/iocs/not-an-id', 'id'],
    ['/api/v1/iocs/%E0%A4%A', 'id'],
  ])('%s: 400 invalid_parameter naming %s', async (path, parameter) => {
    const answer = await call(path, { headers: bearer(key) });
    expectError(answer, 'soc', 400, 'invalid_parameter', new RegExp(`^Invalid parameter ${parameter}: `));
  });

  it.each([
    ['{"values":', 'body'],
    ['[1,2]', 'body'],
    ['{"values":[1]}', 'values.0'],
    ['{"values":["a"],"extra":1}', 'extra'],
  ])('lookup body %s: 400 invalid_parameter naming %s', async (body, parameter) => {
    const answer = await call('/api/v1/iocs/lookup', { method: 'POST', headers: bearer(key), body });
    expectError(
      answer,
      'soc',
      400,
      'invalid_parameter',
      new RegExp(`^Invalid parameter ${parameter.replace('.', '\\.')}: `),
    );
  });

  it('lookup without values: 400 missing_parameter; too many: 400 invalid_parameter', async () => {
    expectError(
      await call('/api/v1/iocs/lookup', { method: 'POST', headers: bearer(key), body: '{}' }),
      'soc',
      400,
      'missing_parameter',
      'Missing required parameter: values.',
    );
    expectError(
      await call('/api/v1/iocs/lookup', {
        method: 'POST',
        headers: bearer(key),
        body: JSON.stringify({ values: Array(1001).fill('x') }),
      }),
      'soc',
      400,
      'invalid_parameter',
    );
  });

  it('a body over 1 MiB: 413 payload_too_large', async () => {
    const answer = await call('/api/v1/iocs/lookup', {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ values: ['x'.repeat(1024 * 1024)] }),
    });
    expectError(
      answer,
      'soc',
      413,
      'payload_too_large',
      'The request body is larger than 1048576 bytes; send at most 1048576 bytes.',
    );
  });

  it('a key without iocs:read: 403 forbidden', async () => {
    expectError(await call('/api/v1/iocs', { headers: bearer(noPermissions) }), 'soc', 403, 'forbidden', /^Forbidden/);
  });

  it('a wrong method: 405 with Allow', async () => {
    const answer = await call('/api/v1/iocs', { method: 'DELETE', headers: bearer(key) });
    expectError(answer, 'soc', 405, 'method_not_allowed');
    expect(answer.headers.get('allow')).toBe('GET, POST');
  });
});

describe('watchlists (Defendis dialect)', () => {
  it('create (201), read, rename (200), add and remove entries, delete (204)', async () => {
    const created = await call('/api/v1/watchlists', {
      method: 'POST',
      headers: bearer(key),
      body: JSON.stringify({ name: 'REST list', entries: [{ type: 'domain', value: 'Example.com' }] }),
    });
    expect(created.status).toBe(201);
    expect(created.json.data).toMatchObject({
      name: 'REST list',
      description: null,
      entries: [{ type: 'domain', value: 'example.com' }],
    });
    const id = created.json.data.id;
    expect((await call(`/api/v1/watchlists/${id}`, { headers: bearer(key) })).json).toEqual({
      data: created.json.data,
    });

    const renamed = await call(`/api/v1/watchlists/${id}`, {
      method: 'PATCH',
      headers: bearer(key),
      body: '{"name":"Renamed","description":"d"}',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json.data).toMatchObject({ id, name: 'Renamed', description: 'd' });

    const one = await call(`/api/v1/watchlists/${id}/entries`, {
      method: 'POST',
      headers: bearer(key),
      body: '{"type":"keyword","value":"acme"}',
    });
    expect(one.status).toBe(201);
    const many = await call(`/api/v1/watchlists/${id}/entries`, {
      method: 'POST',
      headers: bearer(key),
      body: '{"entries":[{"type":"bin","value":"41111133"},{"type":"keyword","value":"ACME"}]}',
    });
    expect(many.json.data.entries.map((e: { value: string }) => e.value)).toEqual(['example.com', 'acme', '41111133']);

    const entryId = many.json.data.entries[1].id;
    const removed = await call(`/api/v1/watchlists/${id}/entries/${entryId}`, {
      method: 'DELETE',
      headers: bearer(key),
    });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    const deleted = await call(`/api/v1/watchlists/${id}`, { method: 'DELETE', headers: bearer(key) });
    expect(deleted.status).toBe(204);
    expectError(await call(`/api/v1/watchlists/${id}`, { headers: bearer(key) }), 'defendis', 404, 'not_found');
  });

  it('lists with pagination', async () => {
    const answer = await call('/api/v1/watchlists?limit=1', { headers: bearer(key) });
    expect(answer.status).toBe(200);
    expect(answer.json.pagination).toMatchObject({ limit: 1 });
  });

  it.each([
    ['{}', 'missing_parameter', 'Missing required parameter: name.'],
    ['{"name":""}', 'missing_parameter', 'Missing required parameter: name.'],
    ['{"name":5}', 'invalid_parameter', /^Invalid parameter name: /],
    [
      '{"name":"x","entries":[{"type":"ip","value":"1.2.3.4"}]}',
      'invalid_parameter',
      /^Invalid parameter entries\.0\.type: /,
    ],
    [
      '{"name":"x","entries":[{"type":"domain","value":"not a domain"}]}',
      'invalid_parameter',
      /^Invalid parameter value: /,
    ],
    ['{"name":"x","colour":"red"}', 'invalid_parameter', /^Invalid parameter colour: /],
    ['not json', 'invalid_parameter', 'Invalid parameter body: is not valid JSON.'],
    ['', 'invalid_parameter', 'Invalid parameter body: is not valid JSON.'],
  ])('create with %s: 400 %s', async (body, code, sentence) => {
    const answer = await call('/api/v1/watchlists', { method: 'POST', headers: bearer(key), body });
    expectError(answer, 'defendis', 400, code as keyof typeof ERRORS, sentence);
  });

  it('an entry outside the scope: 403 with a sentence starting Forbidden, nothing created', async () => {
    const before = (await call('/api/v1/watchlists?limit=1000', { headers: bearer(key) })).json.data.length;
    const answer = await call('/api/v1/watchlists', {
      method: 'POST',
      headers: bearer(key),
      body: '{"name":"x","entries":[{"type":"domain","value":"other.test"}]}',
    });
    expectError(
      answer,
      'defendis',
      403,
      'forbidden',
      /^Forbidden: the domain other\.test is outside the workspace scope\.$/,
    );
    expect((await call('/api/v1/watchlists?limit=1000', { headers: bearer(key) })).json.data.length).toBe(before);
  });

  it('another workspace’s watchlist: 404 for every verb, and it stays as it was', async () => {
    const mine = (
      await call('/api/v1/watchlists', {
        method: 'POST',
        headers: bearer(key),
        body: '{"name":"mine","entries":[{"type":"keyword","value":"k"}]}',
      })
    ).json.data;
    expectError(
      await call(`/api/v1/watchlists/${mine.id}`, { headers: bearer(otherKey) }),
      'defendis',
      404,
      'not_found',
    );
    expectError(
      await call(`/api/v1/watchlists/${mine.id}`, { method: 'PATCH', headers: bearer(otherKey), body: '{"name":"x"}' }),
      'defendis',
      404,
      'not_found',
    );
    expectError(
      await call(`/api/v1/watchlists/${mine.id}`, { method: 'DELETE', headers: bearer(otherKey) }),
      'defendis',
      404,
      'not_found',
    );
    expectError(
      await call(`/api/v1/watchlists/${mine.id}/entries`, {
        method: 'POST',
        headers: bearer(otherKey),
        body: '{"type":"keyword","value":"x"}',
      }),
      'defendis',
      404,
      'not_found',
    );
    expectError(
      await call(`/api/v1/watchlists/${mine.id}/entries/${mine.entries[0].id}`, {
        method: 'DELETE',
        headers: bearer(otherKey),
      }),
      'defendis',
      404,
      'not_found',
    );
    expect((await call(`/api/v1/watchlists/${mine.id}`, { headers: bearer(key) })).json.data).toEqual(mine);
  });

  it('a key without the permission: 403; a path id that is not an id: 400; a wrong method: 405', async () => {
    expectError(
      await call('/api/v1/watchlists', { headers: bearer(noPermissions) }),
      'defendis',
      403,
      'forbidden',
      /^Forbidden/,
    );
    expectError(
      await call('/api/v1/watchlists/12', { headers: bearer(key) }),
      'defendis',
      400,
      'invalid_parameter',
      /^Invalid parameter id: /,
    );
    const answer = await call('/api/v1/watchlists', { method: 'PUT', headers: bearer(key) });
    expectError(answer, 'defendis', 405, 'method_not_allowed');
    expect(answer.headers.get('allow')).toBe('GET, POST');
  });
});

describe('dataleaks (Defendis dialect)', () => {
  it.each([
    ['/api/v1/dataleaks/domain?domain=example.com', ['alice@example.com', 'bob@mail.example.com']],
    ['/api/v1/dataleaks/email?email=alice@example.com', ['alice@example.com']],
  ])('%s answers the documented shape', async (path, emails) => {
    const answer = await call(path, { headers: bearer(key) });
    expect(answer.json.data.map((d: { email: string }) => d.email)).toEqual(emails);
    expect(Object.keys(answer.json.data[0]).sort()).toEqual([
      'discovered_at',
      'domain',
      'email',
      'id',
      'leaked_at',
      'password_masked',
      'severity',
      'site',
      'source_name',
      'source_type',
      'username',
    ]);
    expect(answer.json.pagination).toEqual({ limit: 50, next_cursor: null, has_more: false });
  });

  it('cards answer BIN, last four and expiry only', async () => {
    const answer = await call('/api/v1/dataleaks/cards?bin=411111', { headers: bearer(key) });
    expect(answer.json.data).toEqual([
      {
        id: expect.any(String),
        bin: '41111122',
        last4: '1000',
        expiry: '12/29',
        brand: 'visa',
        source_name: 'test-forum',
        leaked_at: null,
        discovered_at: expect.any(String),
      },
    ]);
  });

  it.each([
    ['/api/v1/dataleaks/domain', 400, 'missing_parameter', 'Missing required parameter: domain.'],
    ['/api/v1/dataleaks/email?email=', 400, 'missing_parameter', 'Missing required parameter: email.'],
    ['/api/v1/dataleaks/cards', 400, 'missing_parameter', 'Missing required parameter: bin.'],
    ['/api/v1/dataleaks/domain?domain=not%20a%20domain', 400, 'invalid_parameter', /^Invalid parameter domain: /],
    ['/api/v1/dataleaks/cards?bin=41', 400, 'invalid_parameter', /^Invalid parameter bin: /],
    ['/api/v1/dataleaks/domain?domain=a.com&domain=b.com', 400, 'invalid_parameter', /^Invalid parameter domain: /],
    [
      '/api/v1/dataleaks/domain?domain=other.test',
      403,
      'forbidden',
      'Forbidden: the domain other.test is outside the workspace scope.',
    ],
    ['/api/v1/dataleaks/cards?bin=555555', 403, 'forbidden', /^Forbidden/],
  ])('%s: %i %s', async (path, status, code, sentence) => {
    expectError(await call(path, { headers: bearer(key) }), 'defendis', status, code as keyof typeof ERRORS, sentence);
  });

  it('a plan without data leaks, or a key without the permission: 403 forbidden', async () => {
    expectError(
      await call('/api/v1/dataleaks/domain?domain=example.com', { headers: bearer(proKey) }),
      'defendis',
      403,
      'forbidden',
      'Forbidden: data leak searches need the enterprise plan.',
    );
    expectError(
      await call('/api/v1/dataleaks/domain?domain=example.com', { headers: bearer(noPermissions) }),
      'defendis',
      403,
      'forbidden',
      /^Forbidden: this API key lacks the dataleaks:read permission/,
    );
  });
});

describe('hostile requests', () => {
  it.each([
    '/api/v1/iocs?%zz=1',
    '/api/v1/iocs?q=%E0%A4%A',
    '/api/v1/iocs?tag=%F0%9F%98%80%F0%9F',
    '/api/v1/iocs?limit=99999999999999999999',
    '/api/v1/iocs?limit=-1',
    '/api/v1/iocs?type[]=ipv4',
    '/api/v1/iocs?updated_since=2026-13-45',
    `/api/v1/dataleaks/domain?domain=${'a.'.repeat(2000)}com`,
    "/api/v1/watchlists/1'%20or%20'1'='1",
    '/api/v1/watchlists/%00',
    '/api/v1/iocs/..%2F..%2Fetc%2Fpasswd',
  ])('%s: a documented 4xx, never a 500', async (path) => {
    const answer = await call(path, { headers: bearer(key) });
    expect(answer.status, answer.text).toBeGreaterThanOrEqual(200);
    expect(answer.status, answer.text).toBeLessThan(500);
    if (answer.status >= 400) {
      const dialect = path.startsWith('/api/v1/iocs') ? 'soc' : 'defendis';
      expectError(
        answer,
        dialect,
        answer.status,
        dialect === 'soc' ? answer.json.error.code : 'invalid_parameter',
        dialect === 'soc' ? /./ : /./,
      );
    }
  });
});

describe('the 500 body', () => {
  it('is the documented phrase in both dialects, without stack or SQL', () => {
    const error = new ApiError('internal_error');
    expect(errorBodyText(error, 'defendis', 'req_0')).toBe('{ "error": "Internal server error" }');
    expect(JSON.parse(errorBodyText(error, 'soc', 'req_0'))).toEqual({
      error: { code: 'internal_error', message: 'Internal server error.', request_id: 'req_0' },
    });
  });
});
