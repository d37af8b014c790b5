/**
 * IOC submissions (docs/api.md §11): `POST /api/v1/iocs` and `submitIocs` upsert 1 to 1000 IOCs into
 * the caller's workspace's own, defanged values accepted and types detected, each bad one rejected
 * with its index; they raise watchlist alerts; `iocs:write` is needed; another workspace never
 * sees them.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let workspaceId: string;
let key: string;
let readOnly: string;
let otherKey: string;

beforeAll(async () => {
  t = await createTestApp();
  workspaceId = (await t.createWorkspace({ plan: 'free', scope: { domains: ['acme.example'] } })).id;
  key = (await t.createKey(workspaceId)).key;
  readOnly = (await t.createKey(workspaceId, { permissions: ['iocs:read'] })).key;
  otherKey = (await t.createKey((await t.createWorkspace()).id)).key;
});
afterAll(() => t.close());

async function submit(body: unknown, k = key) {
  const response = await t.fetch('/api/v1/iocs', {
    method: 'POST',
    headers: { authorization: `Bearer ${k}` },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) };
}

describe('POST /api/v1/iocs', () => {
  it('upserts into the workspace’s own IOCs, detecting types and refanging, and rejects bad ones by index', async () => {
    const answer = await submit({
      iocs: [
        { value: 'hxxps://login-acme[.]example/verify', threat_type: 'phishing', confidence: 80 },
        { type: 'ipv4', value: '203.0.113[.]7', tags: ['c2'], severity: 'high', tlp: 'amber' },
        { value: 'not an ioc' },
        { type: 'domain', value: 'evil.example', severity: 'extreme' },
        { type: 'sha256', value: 'a'.repeat(64), first_seen: '2026-11-01T00:00:00Z' },
      ],
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toEqual({
      data: {
        created: 3,
        updated: 0,
        rejected: [
          {
            index: 2,
            reason: 'the value is not an IOC of a known type (ipv4, ipv6, domain, url, email, md5, sha1, sha256)',
          },
          { index: 3, reason: 'severity must be one of low, medium, high, critical' },
        ],
      },
    });
    const stored = await t.database.rows<{ type: string; value: string; workspace_id: string }>(
      sql`select type::text, value, workspace_id from iocs order by value`,
    );
    expect(stored.map((row) => [row.type, row.value])).toEqual([
      ['ipv4', '203.0.113.7'],
      ['sha256', 'a'.repeat(64)],
      ['url', 'https://login-acme.example/verify'],
    ]);
    expect(stored.every((row) => row.workspace_id === workspaceId)).toBe(true);

    const again = await submit({ iocs: [{ type: 'ipv4', value: '203.0.113.7', confidence: 95 }] });
    expect(again.json.data).toEqual({ created: 0, updated: 1, rejected: [] });
    const listed = await t.fetch('/api/v1/iocs?type=ipv4', { headers: { authorization: `Bearer ${key}` } });
    expect(((await listed.json()) as { data: unknown[] }).data).toEqual([
      expect.objectContaining({ value: '203.0.113.7', confidence: 95, shared: false, tags: ['c2'] }),
    ]);
  });

  it('raises the watchlist alerts a submission matches, on every plan', async () => {
    const made = await t.fetch('/api/v1/watchlists', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ name: 'brand', entries: [{ type: 'keyword', value: 'acme' }] }),
    });
    expect(made.status).toBe(201);
    await submit({ iocs: [{ value: 'acme-support-desk.example' }] });
    const alerts = await t.fetch('/api/v1/alerts?kind=ioc', { headers: { authorization: `Bearer ${key}` } });
    const data = ((await alerts.json()) as { data: Array<{ entry: { value: string }; record: { value: string } }> })
      .data;
    expect(data.map((alert) => [alert.entry.value, alert.record.value])).toEqual([
      ['acme', 'acme-support-desk.example'],
    ]);
  });

  it('keeps them from other workspaces', async () => {
    const theirs = await t.fetch('/api/v1/iocs?limit=100', { headers: { authorization: `Bearer ${otherKey}` } });
    expect(((await theirs.json()) as { data: unknown[] }).data).toEqual([]);
  });

  it.each([
    ['no list', {}, 400, 'missing_parameter'],
    ['an empty list', { iocs: [] }, 400, 'invalid_parameter'],
    [
      '1001 IOCs',
      { iocs: Array.from({ length: 1001 }, (_, i) => ({ value: `h${i}.example` })) },
      400,
      'invalid_parameter',
    ],
    ['an unknown field', { iocs: [{ value: 'x.example', colour: 'red' }] }, 400, 'invalid_parameter'],
    ['a value that is no string', { iocs: [{ value: 7 }] }, 400, 'invalid_parameter'],
  ])('refuses %s in the SOC dialect, and stores nothing', async (_name, body, status, code) => {
    const before = await t.database.rows<{ n: number }>(sql`select count(*)::int as n from iocs`);
    const answer = await submit(body);
    expect(answer.status, answer.text).toBe(status);
    expect(answer.json.error.code).toBe(code);
    expect(await t.database.rows<{ n: number }>(sql`select count(*)::int as n from iocs`)).toEqual(before);
  });

  it('needs iocs:write, and a key', async () => {
    expect((await submit({ iocs: [{ value: 'x.example' }] }, readOnly)).json.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/iocs:write/),
    });
    const none = await t.fetch('/api/v1/iocs', { method: 'POST', body: '{"iocs":[{"value":"x.example"}]}' });
    expect(none.status).toBe(401);
  });
});

describe('submitIocs', () => {
  it('answers the same over GraphQL', async () => {
    const { body } = await t.graphql(
      key,
      'mutation($iocs: [IocInput!]!) { submitIocs(iocs: $iocs) { created updated rejected { index reason } } }',
      {
        iocs: [{ value: 'bad-actor@evil.example' }, { value: '' }],
      },
    );
    expect(body.data!.submitIocs).toEqual({
      created: 1,
      updated: 0,
      rejected: [{ index: 1, reason: expect.any(String) }],
    });
  });
});

describe('iocSummary', () => {
  it('counts the shared feed and the workspace’s own by type, never another workspace’s', async () => {
    await t.fetch('/api/v1/iocs', {
      method: 'POST',
      headers: { authorization: `Bearer ${otherKey}` },
      body: JSON.stringify({ iocs: [{ value: '198.51.100.250' }, { value: 'theirs.example' }] }),
    });
    const { body } = await t.graphql(key, '{ iocSummary { shared { type count } own { type count } } }');
    const own = await t.database.rows<{ type: string; n: number }>(
      sql`select type::text, count(*)::int as n from iocs where workspace_id = ${workspaceId} group by type order by type`,
    );
    expect(body.data!.iocSummary.own).toEqual(own.map((row) => ({ type: row.type.toUpperCase(), count: row.n })));
    const shared = await t.database.rows<{ type: string; n: number }>(
      sql`select type::text, count(*)::int as n from iocs where workspace_id is null group by type order by type`,
    );
    expect(body.data!.iocSummary.shared).toEqual(shared.map((row) => ({ type: row.type.toUpperCase(), count: row.n })));
  });
});
