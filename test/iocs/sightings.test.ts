/**
 * Sightings and false positives (section 13): a workspace reports what it saw (its own count and
 * last time; the IOC's `last_seen` moves forward for everyone, never into the future) or judges an
 * IOC benign (it leaves that workspace's listings, exports and watchlist alerts, and the others see
 * a count of reports on shared-feed IOCs). Every abuse a caller could try is answered as documented.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { callJson } from '../support/rest.js';
import { runCommand } from '../support/cli.js';
import { insertIocs } from '../support/fixtures.js';

let t: TestApp;
let a: { id: string; key: string };
let b: { id: string; key: string };
let readOnly: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  const workspace = async () => {
    const { id } = await t.createWorkspace({ scope: { domains: ['judged.example'] } });
    return { id, key: (await t.createKey(id)).key };
  };
  a = await workspace();
  b = await workspace();
  readOnly = (await t.createKey(a.id, { permissions: ['iocs:read'] })).key;
  dir = mkdtempSync(path.join(tmpdir(), 'ti-sightings-'));
  await insertIocs(t.database.db, [
    { type: 'domain', value: 'seen.example', lastSeen: '2026-11-01T00:00:00.000Z' },
    { type: 'ipv4', value: '198.51.100.20', lastSeen: '2026-11-01T00:00:00.000Z' },
    { type: 'domain', value: 'benign.example' },
  ]);
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, url: string, body?: unknown, k: string | null = a.key) =>
  callJson(t, k, method, url, body);
const report = (sightings: Record<string, unknown>[], k = a.key) => call('POST', '/api/v1/sightings', { sightings }, k);
const lookup = async (value: string, k = a.key) =>
  (await call('POST', '/api/v1/iocs/lookup', { values: [value] }, k)).json!.data[0] as Record<string, any>;
const listed = async (k: string) =>
  ((await call('GET', '/api/v1/iocs?limit=1000', undefined, k)).json!.data as { value: string }[]).map((d) => d.value);

describe('sightings', () => {
  it('count per workspace, move last_seen forward for everyone, and renew a computed validity', async () => {
    const answer = await report([
      { value: 'seen[.]example', seen_at: '2026-11-20T00:00:00Z', count: 3, source: 'edr' },
      { value: 'seen.example', type: 'domain', seen_at: '2026-11-10T00:00:00Z', count: 2 },
      { value: '198.51.100.20' },
      { value: 'never.example' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      data: { recorded: 3, unknown: [{ index: 3, value: 'never.example' }], rejected: [] },
    });

    expect(await lookup('seen.example')).toMatchObject({
      sightings: { count: 5, last_seen: '2026-11-20T00:00:00.000Z' },
      last_seen: '2026-11-20T00:00:00.000Z',
      valid_until: '2027-02-18T00:00:00.000Z',
    });
    // The other workspace sees the renewed IOC, not the first one's sightings.
    expect(await lookup('seen.example', b.key)).toMatchObject({
      sightings: { count: 0, last_seen: null },
      last_seen: '2026-11-20T00:00:00.000Z',
    });
    // A sighting without seen_at is now.
    const now = (await lookup('198.51.100.20')).last_seen as string;
    expect(Date.now() - Date.parse(now)).toBeLessThan(60_000);
    // An older sighting adds to the count and moves nothing back.
    await report([{ value: 'seen.example', seen_at: '2026-11-15T00:00:00Z' }]);
    expect(await lookup('seen.example')).toMatchObject({
      sightings: { count: 6, last_seen: '2026-11-20T00:00:00.000Z' },
      last_seen: '2026-11-20T00:00:00.000Z',
    });
  });

  it('read a seen_at a little ahead as now, and refuse one further ahead, with the others kept', async () => {
    const soon = new Date(Date.now() + 2 * 60_000).toISOString();
    const later = new Date(Date.now() + 10 * 60_000).toISOString();
    const answer = await report([
      { value: 'seen.example', seen_at: soon },
      { value: 'seen.example', seen_at: later },
      { value: 'seen.example', seen_at: 'yesterday' },
      { value: 'seen.example', count: 0 },
      { value: 'seen.example', count: 1_000_001 },
      { value: 'seen.example', type: 'ipv4' },
      { value: 'seen.example', type: 'hostname' },
      { value: 'not an ioc' },
      { value: 'seen.example', reason: 'looks fine' },
    ]);
    expect(answer.json!.data).toEqual({
      recorded: 1,
      unknown: [],
      rejected: [
        { index: 1, reason: 'seen_at is more than 5 minutes in the future' },
        { index: 2, reason: expect.stringMatching(/^seen_at must be a real ISO 8601 date/) },
        { index: 3, reason: 'count must be a whole number from 1 to 1,000,000' },
        { index: 4, reason: 'count must be a whole number from 1 to 1,000,000' },
        { index: 5, reason: 'value "seen.example" is not a valid ipv4' },
        { index: 6, reason: expect.stringMatching(/^type "hostname" is not one of/) },
        { index: 7, reason: expect.stringMatching(/^the value is not an IOC of a known type/) },
        { index: 8, reason: 'reason goes with false_positive' },
      ],
    });
    const lastSeen = Date.parse((await lookup('seen.example')).last_seen as string);
    expect(lastSeen).toBeLessThanOrEqual(Date.now());
    expect(Date.now() - lastSeen).toBeLessThan(60_000);
  });

  it('are refused without a key, without iocs:write, beyond 1000, and never reach another workspace’s own IOCs', async () => {
    expect((await report([{ value: 'seen.example' }], '')).status).toBe(401);
    expect((await report([{ value: 'seen.example' }], readOnly)).json!.error.code).toBe('forbidden');
    expect((await call('POST', '/api/v1/sightings', { sightings: [] })).status).toBe(400);
    const many = Array.from({ length: 1001 }, () => ({ value: 'seen.example' }));
    expect((await report(many)).json!.error.code).toBe('invalid_parameter');
    expect(
      (await call('POST', '/api/v1/sightings', { sightings: [{ value: 'x', extra: 1 }] })).json!.error,
    ).toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining('sightings.0.extra') });
    expect((await call('POST', '/api/v1/sightings', '{"sightings": [')).status).toBe(400);
    expect(
      (await call('POST', '/api/v1/sightings', `{"sightings":[{"value":"${'a'.repeat(2_000_000)}"}]}`)).status,
    ).toBe(413);

    // B's own IOC is unknown to A: nothing recorded, nothing moved.
    await call(
      'POST',
      '/api/v1/iocs',
      { iocs: [{ value: 'b-own.example', last_seen: '2026-11-01T00:00:00Z' }] },
      b.key,
    );
    expect((await report([{ value: 'b-own.example' }])).json!.data).toMatchObject({
      recorded: 0,
      unknown: [{ index: 0, value: 'b-own.example' }],
    });
    expect((await lookup('b-own.example', b.key)).last_seen).toBe('2026-11-01T00:00:00.000Z');
    const [row] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from ioc_sightings where workspace_id = ${a.id}::uuid and ioc_id = (select id from iocs where value = 'b-own.example')`,
    );
    expect(row!.n).toBe(0);
  });

  it('come in and show over GraphQL', async () => {
    const answer = await t.graphql(
      b.key,
      `mutation { reportSightings(sightings: [{ value: "seen.example", count: 4 }, { value: "nowhere.example" }]) { recorded unknown { index value } rejected { index reason } } }`,
    );
    expect(answer.body.data!.reportSightings).toEqual({
      recorded: 1,
      unknown: [{ index: 1, value: 'nowhere.example' }],
      rejected: [],
    });
    const read = await t.graphql(
      b.key,
      '{ iocLookup(values: ["seen.example"]) { sightings { count lastSeen } falsePositive } }',
    );
    expect(read.body.data!.iocLookup[0]).toMatchObject({ sightings: { count: 4 }, falsePositive: false });
  });
});

describe('false positives', () => {
  it('leave the judging workspace’s listings and exports, show in its lookup, and count for the others', async () => {
    expect(await listed(a.key)).toContain('benign.example');
    expect(await listed(b.key)).toContain('benign.example');

    const answer = await report([{ value: 'benign.example', false_positive: true, reason: 'our CDN' }]);
    expect(answer.json!.data).toEqual({ recorded: 1, unknown: [], rejected: [] });
    expect(await listed(a.key)).not.toContain('benign.example');
    expect(await listed(b.key)).toContain('benign.example');
    // A judgement is not a sighting: no count, no last_seen.
    expect(await lookup('benign.example')).toMatchObject({
      false_positive: true,
      false_positive_reports: 1,
      sightings: { count: 0, last_seen: null },
    });
    expect(await lookup('benign.example', b.key)).toMatchObject({ false_positive: false, false_positive_reports: 1 });
    const exported = await t.fetch('/api/v1/iocs/export?format=csv', { headers: { authorization: `Bearer ${a.key}` } });
    expect(await exported.text()).not.toContain('benign.example');

    await report([{ value: 'benign.example', false_positive: false }]);
    expect(await listed(a.key)).toContain('benign.example');
    expect(await lookup('benign.example', b.key)).toMatchObject({ false_positive_reports: 0 });
  });

  it('keep watchlist alerts from the judging workspace only', async () => {
    for (const w of [a, b])
      expect(
        (
          await call(
            'POST',
            '/api/v1/watchlists',
            { name: 'brand', entries: [{ type: 'domain', value: 'judged.example' }] },
            w.key,
          )
        ).status,
      ).toBe(201);
    await insertIocs(t.database.db, [{ type: 'domain', value: 'cdn.judged.example' }]);
    await report([{ value: 'cdn.judged.example', false_positive: true }]);
    const csv = path.join(dir, 'judged.csv');
    writeFileSync(csv, 'type,value,confidence\ndomain,cdn.judged.example,90\n');
    expect((await runCommand(t.database, ['import', '--file', csv])).code).toBe(0);
    const alerts = await t.database.rows<{ workspace_id: string }>(
      sql`select workspace_id from alerts where entry_value = 'judged.example'`,
    );
    expect(alerts.map((row) => row.workspace_id)).toEqual([b.id]);
  });
});
