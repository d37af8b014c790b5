/**
 * IOCs that age (section 13): validity from the source or the type's lifetime, status, the decayed
 * score (the SQL and the TypeScript formulas held equal on random rows), revocation by a source
 * (STIX, CSV) and by the owner (`DELETE /api/v1/iocs/{id}`), listings of active IOCs by default,
 * lookups that still find the rest, and a revocation seen by a TAXII poll with `added_after`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IOC_TYPES } from '../../src/core/vocabulary.js';
import { ACTIVE_SQL, iocScore, iocStatus, LIFETIME_DAYS, SCORE_SQL, STATUS_SQL } from '../../src/iocs/validity.js';
import { ownCollectionId } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { callJson } from '../support/rest.js';
import { runCommand } from '../support/cli.js';
import { insertIocs } from '../support/fixtures.js';
import { until } from '../support/timing.js';
import { TaxiiClient } from '../taxii/client.js';

const DAY = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();

let t: TestApp;
let key: string;
let readOnly: string;
let workspaceId: string;
let otherKey: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  workspaceId = (await t.createWorkspace()).id;
  key = (await t.createKey(workspaceId)).key;
  readOnly = (await t.createKey(workspaceId, { permissions: ['iocs:read'] })).key;
  otherKey = (await t.createKey((await t.createWorkspace()).id)).key;
  dir = mkdtempSync(path.join(tmpdir(), 'ti-lifecycle-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, url: string, body?: unknown, k: string | null = key) => callJson(t, k, method, url, body);
const lookup = async (value: string, k = key) =>
  (await call('POST', '/api/v1/iocs/lookup', { values: [value] }, k)).json!.data[0] as Record<string, any> | null;
const listed = async (query: string) =>
  ((await call('GET', `/api/v1/iocs?limit=1000${query}`)).json!.data as { value: string }[]).map((d) => d.value);

describe('validity', () => {
  it('ends at the source’s valid_until, else at last_seen plus the type’s lifetime; hashes never', async () => {
    const lastSeen = '2026-11-01T00:00:00.000Z';
    await call('POST', '/api/v1/iocs', {
      iocs: [
        { value: '198.51.100.71', last_seen: lastSeen, first_seen: '2026-10-01T00:00:00.000Z' },
        { value: 'lifetime.example', last_seen: lastSeen },
        { value: 'someone@lifetime.example', last_seen: lastSeen },
        { value: 'https://lifetime.example/x', last_seen: lastSeen },
        { value: 'd41d8cd98f00b204e9800998ecf8427e', last_seen: lastSeen },
        { value: 'given.example', last_seen: lastSeen, valid_until: '2027-06-01T00:00:00.000Z' },
      ],
    });
    const days = (n: number) => new Date(Date.parse(lastSeen) + n * DAY).toISOString();
    expect(await lookup('198.51.100.71')).toMatchObject({
      valid_from: '2026-10-01T00:00:00.000Z',
      valid_until: days(30),
    });
    expect((await lookup('lifetime.example'))!.valid_until).toBe(days(90));
    expect((await lookup('someone@lifetime.example'))!.valid_until).toBe(days(180));
    expect((await lookup('https://lifetime.example/x'))!.valid_until).toBe(days(30));
    expect((await lookup('d41d8cd98f00b204e9800998ecf8427e'))!.valid_until).toBeNull();
    expect((await lookup('given.example'))!.valid_until).toBe('2027-06-01T00:00:00.000Z');
  });

  it('moves a computed end forward with a later last_seen, and leaves a given one as it is', async () => {
    await call('POST', '/api/v1/iocs', {
      iocs: [
        { value: 'renewed.example', last_seen: '2026-12-01T00:00:00.000Z' },
        { value: 'given.example', last_seen: '2026-12-01T00:00:00.000Z' },
      ],
    });
    expect((await lookup('renewed.example'))!.valid_until).toBe('2027-03-01T00:00:00.000Z');
    expect((await lookup('given.example'))!.valid_until).toBe('2027-06-01T00:00:00.000Z');
  });
});

describe('status and listings', () => {
  beforeAll(async () => {
    await call('POST', '/api/v1/iocs', {
      iocs: [
        { value: 'fresh.status.example', confidence: 80, last_seen: daysAgo(1) },
        { value: 'old.status.example', confidence: 80, last_seen: daysAgo(100) },
        { value: 'ended.status.example', confidence: 80, valid_until: daysAgo(1) },
        { value: 'withdrawn.status.example', confidence: 80, revoked: true },
      ],
    });
  });

  it('lists active IOCs by default; status and min_score filter; lookup finds every status', async () => {
    const values = (list: string[]) => list.filter((v) => v.endsWith('.status.example')).sort();
    expect(values(await listed(''))).toEqual(['fresh.status.example']);
    expect(values(await listed('&status=active'))).toEqual(['fresh.status.example']);
    expect(values(await listed('&status=expired'))).toEqual(['ended.status.example', 'old.status.example']);
    expect(values(await listed('&status=revoked'))).toEqual(['withdrawn.status.example']);
    expect(values(await listed('&status=any'))).toHaveLength(4);
    expect(values(await listed('&min_score=80'))).toEqual(['fresh.status.example']);
    expect(values(await listed('&min_score=81'))).toEqual([]);
    expect(await lookup('old.status.example')).toMatchObject({ status: 'expired', score: 0 });
    expect(await lookup('withdrawn.status.example')).toMatchObject({ status: 'revoked', score: 0, revoked: true });
    expect(await lookup('fresh.status.example')).toMatchObject({ status: 'active', score: 80, revoked: false });

    const answer = await t.graphql(
      key,
      '{ iocs(status: EXPIRED, first: 100) { edges { node { value status score } } } }',
    );
    const nodes = answer.body.data!.iocs.edges.map((e: any) => e.node);
    expect(nodes.filter((n: any) => n.value.endsWith('.status.example'))).toContainEqual({
      value: 'old.status.example',
      status: 'EXPIRED',
      score: 0,
    });
  });

  it('refuses a bad status or score with the documented error', async () => {
    for (const query of ['status=gone', 'min_score=101', 'min_score=-1', 'min_score=x']) {
      const answer = await call('GET', `/api/v1/iocs?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json!.error.code).toBe('invalid_parameter');
    }
  });

  it('exports active IOCs unless status says otherwise', async () => {
    const exported = async (query: string) => {
      const response = await t.fetch(`/api/v1/iocs/export?format=csv${query}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return (await response.text()).split('\n').filter((line) => line.includes('.status.example')).length;
    };
    expect(await exported('')).toBe(1);
    expect(await exported('&status=any')).toBe(4);
  });
});

describe('revocation', () => {
  it('DELETE revokes an own IOC (204); the shared feed’s is 403, another workspace’s or an unknown one 404', async () => {
    await call('POST', '/api/v1/iocs', { iocs: [{ value: 'mine.revoke.example' }] });
    const mine = (await lookup('mine.revoke.example'))!;
    await insertIocs(t.database.db, [{ type: 'domain', value: 'feed.revoke.example' }]);
    const feed = (await lookup('feed.revoke.example'))!;

    expect((await call('DELETE', `/api/v1/iocs/${mine.id}`, undefined, null)).status).toBe(401);
    expect((await call('DELETE', `/api/v1/iocs/${mine.id}`, undefined, readOnly)).json!.error.code).toBe('forbidden');
    expect((await call('DELETE', `/api/v1/iocs/${mine.id}`, undefined, otherKey)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/iocs/${feed.id}`)).json!.error).toMatchObject({
      code: 'forbidden',
      message: 'Forbidden: the shared feed is read-only to workspaces.',
    });
    expect((await call('DELETE', '/api/v1/iocs/0190d6a0-0000-7000-8000-000000000000')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/iocs/not-a-uuid')).status).toBe(400);
    expect(await lookup('mine.revoke.example')).toMatchObject({ status: 'active' });
    expect(await lookup('feed.revoke.example')).toMatchObject({ status: 'active' });

    expect((await call('DELETE', `/api/v1/iocs/${mine.id}`)).status).toBe(204);
    expect(await lookup('mine.revoke.example')).toMatchObject({ status: 'revoked', revoked: true, score: 0 });
    // Again: still revoked, still 204.
    expect((await call('DELETE', `/api/v1/iocs/${mine.id}`)).status).toBe(204);
    // The source sends it again, unrevoked: active again.
    await call('POST', '/api/v1/iocs', { iocs: [{ value: 'mine.revoke.example' }] });
    expect(await lookup('mine.revoke.example')).toMatchObject({ status: 'active', revoked: false });
  });

  it('comes from a CSV column and from STIX revoked, even from a less confident source', async () => {
    const csv = path.join(dir, 'revoked.csv');
    writeFileSync(csv, 'type,value,confidence,revoked\ndomain,csv.revoke.example,90,false\n');
    expect((await runCommand(t.database, ['import', '--file', csv, '--format', 'csv'])).code).toBe(0);
    expect(await lookup('csv.revoke.example')).toMatchObject({ status: 'active' });
    writeFileSync(csv, 'type,value,confidence,revoked\ndomain,csv.revoke.example,10,true\n');
    expect((await runCommand(t.database, ['import', '--file', csv, '--format', 'csv'])).code).toBe(0);
    expect(await lookup('csv.revoke.example')).toMatchObject({ status: 'revoked', confidence: 90 });
    writeFileSync(csv, 'type,value,revoked\ndomain,bad.revoke.example,perhaps\n');
    expect((await runCommand(t.database, ['import', '--file', csv, '--format', 'csv'])).json).toMatchObject({
      rejected: 1,
      errors: [{ reason: 'revoked must be true or false' }],
    });

    const stix = path.join(dir, 'revoked.json');
    const indicator = (revoked: boolean) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--0b7a3a52-52f2-4b57-9b41-5a4e1b1d2c11',
      created: '2026-11-01T00:00:00.000Z',
      modified: '2026-11-02T00:00:00.000Z',
      pattern: "[domain-name:value = 'stix.revoke.example']",
      pattern_type: 'stix',
      valid_from: '2026-11-01T00:00:00.000Z',
      revoked,
    });
    for (const [revoked, status] of [
      [false, 'active'],
      [true, 'revoked'],
      [false, 'active'],
    ] as const) {
      writeFileSync(stix, JSON.stringify({ type: 'bundle', id: 'bundle--1', objects: [indicator(revoked)] }));
      expect((await runCommand(t.database, ['import', '--file', stix, '--format', 'stix'])).code).toBe(0);
      expect((await lookup('stix.revoke.example'))!.status).toBe(status);
    }
  });

  it('reaches a TAXII poll with added_after as a new version with revoked: true', async () => {
    const server = await t.listen();
    try {
      await call('POST', '/api/v1/iocs', { iocs: [{ value: 'taxii.revoke.example', confidence: 70 }] });
      const own = `${server.url}/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`;
      const taxii = new TaxiiClient({ user: 'x', password: key });
      const named = (objects: Record<string, unknown>[] | undefined) =>
        (objects ?? []).filter((o) => o.name === 'taxii.revoke.example');
      const first = await until(
        () => taxii.get<{ objects?: Record<string, unknown>[] }>(own, { limit: 1000 }),
        (page) => named(page.body.objects).length === 1,
      );
      const before = named(first.body.objects)[0]!;
      expect(before).toMatchObject({ revoked: false, confidence: 70 });
      expect(before.valid_from).toEqual(expect.any(String));
      expect(before.valid_until).toEqual(expect.any(String));
      const last = first.headers.get('x-taxii-date-added-last')!;

      const id = (await lookup('taxii.revoke.example'))!.id as string;
      expect((await call('DELETE', `/api/v1/iocs/${id}`)).status).toBe(204);
      const after = await until(
        () => taxii.get<{ objects?: Record<string, unknown>[] }>(own, { added_after: last }),
        (page) => named(page.body.objects).length === 1,
      );
      const revoked = named(after.body.objects)[0]!;
      expect(revoked).toMatchObject({ id: before.id, revoked: true });
      expect(Date.parse(revoked.modified as string)).toBeGreaterThan(Date.parse(before.modified as string));
      expect(Date.parse(after.headers.get('x-taxii-date-added-last')!)).toBeGreaterThan(Date.parse(last));
    } finally {
      await server.close();
    }
  });
});

describe('score', () => {
  it('keeps 96 % of the confidence at a third of the lifetime, 70 % at two thirds, none at its end', () => {
    const now = Date.parse('2026-12-01T00:00:00.000Z');
    const at = (days: number) => ({
      type: 'domain' as const,
      confidence: 100,
      revoked: false,
      lastSeen: new Date(now - days * DAY).toISOString(),
      validUntil: null,
    });
    expect(iocScore(at(0), now)).toBe(100);
    expect(iocScore(at(30), now)).toBe(96);
    expect(iocScore(at(60), now)).toBe(70);
    expect(iocScore(at(89), now)).toBe(3);
    expect(iocScore(at(90), now)).toBe(0);
    expect(iocStatus(at(90), now)).toBe('expired');
    expect(iocScore({ ...at(400), type: 'sha256' }, now)).toBe(100);
    expect(iocScore({ ...at(1), revoked: true }, now)).toBe(0);
  });

  it('is the same in SQL and in TypeScript, on 2,000 random rows', async () => {
    const now = '2026-12-01T12:00:00.000Z';
    let seed = 7;
    // MINSTD: a fixed sequence, exact in doubles.
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const rows = Array.from({ length: 2000 }, (_, n) => {
      const type = IOC_TYPES[Math.floor(random() * IOC_TYPES.length)]!;
      const lifetime = (LIFETIME_DAYS[type] ?? 365) * DAY;
      return {
        n,
        type,
        confidence: Math.floor(random() * 101),
        revoked: random() < 0.1,
        // From a little in the future to past the end of the lifetime, to the millisecond.
        lastSeen: new Date(Date.parse(now) - Math.floor((random() * 1.2 - 0.05) * lifetime)).toISOString(),
        validUntil:
          random() < 0.2 ? new Date(Date.parse(now) + Math.floor((random() - 0.5) * 60 * DAY)).toISOString() : null,
      };
    });
    // The expressions the reads use, over these rows, with the statement's clock set to `now`.
    const at = (expression: string) => expression.replaceAll('now()', `'${now}'::timestamptz`);
    const computed = await t.database.rows<{ score: number; status: string; active: boolean }>(sql`
      select ${sql.raw(at(SCORE_SQL))} as score, ${sql.raw(at(STATUS_SQL))} as status, ${sql.raw(at(ACTIVE_SQL))} as active
      from (
        select r.type, r.confidence, r.revoked, r."lastSeen" as last_seen, r."validUntil" as valid_until, r.n
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as r(n int, type text, confidence int, revoked boolean, "lastSeen" timestamptz, "validUntil" timestamptz)
      ) as iocs
      order by n`);
    expect(computed).toHaveLength(rows.length);
    const differing = rows.filter(
      (row, i) =>
        computed[i]!.score !== iocScore(row, Date.parse(now)) ||
        computed[i]!.status !== iocStatus(row, Date.parse(now)) ||
        // The listings' filter, written apart from the status for speed, says the same.
        computed[i]!.active !== (iocStatus(row, Date.parse(now)) === 'active'),
    );
    expect(differing).toEqual([]);
  });
});
