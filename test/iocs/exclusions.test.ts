/**
 * A workspace's exclusion lists (section 13): values, CIDR ranges and domain suffixes; what they
 * cover leaves that workspace's listings, exports and watchlist alerts, and its lookups name the
 * list; other workspaces are not affected. Limits, permissions, tenancy and bad input.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExclusionEntry } from '../../src/iocs/exclusionEntries.js';
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
    const { id } = await t.createWorkspace({ scope: { domains: ['partner.example'] } });
    return { id, key: (await t.createKey(id)).key };
  };
  a = await workspace();
  b = await workspace();
  readOnly = (await t.createKey(a.id, { permissions: ['iocs:read'] })).key;
  dir = mkdtempSync(path.join(tmpdir(), 'ti-exclusions-'));
  await insertIocs(t.database.db, [
    { type: 'ipv4', value: '198.51.100.77' },
    { type: 'ipv4', value: '198.51.101.1' },
    { type: 'ipv6', value: '2001:db8::77' },
    { type: 'domain', value: 'cdn.partner.example' },
    { type: 'domain', value: 'partner.example' },
    { type: 'url', value: 'https://static.partner.example/x.js' },
    { type: 'email', value: 'noreply@mail.partner.example' },
    { type: 'domain', value: 'evilpartner.example' },
    { type: 'sha256', value: 'a'.repeat(64) },
  ]);
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, url: string, body?: unknown, k: string | null = a.key) =>
  callJson(t, k, method, url, body);
const lookup = async (values: string[], k = a.key) =>
  (await call('POST', '/api/v1/iocs/lookup', { values }, k)).json!.data as Record<string, any>[];
const listed = async (k: string) =>
  ((await call('GET', '/api/v1/iocs?limit=1000', undefined, k)).json!.data as { value: string }[]).map((d) => d.value);

describe('entries', () => {
  it('are values, CIDR ranges and domain suffixes, each in one stored form', () => {
    expect(parseExclusionEntry('203.0.113.9')).toEqual({ kind: 'value', value: '203.0.113.9' });
    expect(parseExclusionEntry(' Evil[.]Example ')).toEqual({ kind: 'value', value: 'evil.example' });
    expect(parseExclusionEntry('10.1.2.3/8')).toEqual({ kind: 'cidr', value: '10.0.0.0/8' });
    expect(parseExclusionEntry('2001:DB8:0:0:1::/32')).toEqual({ kind: 'cidr', value: '2001:db8::/32' });
    expect(parseExclusionEntry('::ffff:192.0.2.0/120')).toEqual({ kind: 'cidr', value: '::ffff:c000:200/120' });
    expect(parseExclusionEntry('0.0.0.0/0')).toEqual({ kind: 'cidr', value: '0.0.0.0/0' });
    expect(parseExclusionEntry('.Example.COM')).toEqual({ kind: 'suffix', value: 'example.com' });
    for (const bad of [
      '',
      '10.0.0.0/33',
      '10.0.0/8',
      '2001:db8::/129',
      '1.2.3.4/8/9',
      '0x0a.0.0.0/8',
      '10.1/8',
      '.',
      '.exa mple',
      'not an ioc',
      'x'.repeat(3000),
    ])
      expect(typeof parseExclusionEntry(bad), bad).toBe('string');
  });
});

describe('a workspace’s lists', () => {
  let listId: string;

  it('are made, read, changed and deleted over REST', async () => {
    const made = await call('POST', '/api/v1/exclusions', {
      name: 'partners',
      entries: ['198.51.100.0/24', '2001:db8::/32', '.partner.example', 'a'.repeat(64), '198.51.100.0/24'],
    });
    expect(made.status).toBe(201);
    expect(made.json!.data).toMatchObject({
      name: 'partners',
      shared: false,
      entry_count: 4,
      // The oldest first; those added together by their stored value.
      entries: ['198.51.100.0/24', '2001:db8::/32', 'a'.repeat(64), '.partner.example'],
    });
    listId = made.json!.data.id;
    expect((await call('GET', '/api/v1/exclusions')).json!.data).toContainEqual(
      expect.objectContaining({ id: listId, name: 'partners', entry_count: 4 }),
    );
    expect((await call('GET', `/api/v1/exclusions/${listId}`)).json!.data.entries).toHaveLength(4);
  });

  it('hide what they cover from the workspace’s listings and exports, and name the list in its lookups', async () => {
    const covered = [
      '198.51.100.77',
      '2001:db8::77',
      'cdn.partner.example',
      'partner.example',
      'https://static.partner.example/x.js',
      'noreply@mail.partner.example',
      'a'.repeat(64),
    ];
    const mine = await listed(a.key);
    for (const value of covered) expect(mine, value).not.toContain(value);
    expect(mine).toContain('198.51.101.1');
    expect(mine).toContain('evilpartner.example');
    const theirs = await listed(b.key);
    for (const value of covered) expect(theirs, value).toContain(value);

    const found = await lookup([...covered, 'evilpartner.example']);
    expect(found.map((ioc) => ioc.excluded_by)).toEqual([...covered.map(() => 'partners'), null]);
    expect((await lookup(['cdn.partner.example'], b.key))[0]!.excluded_by).toBeNull();
    const exported = await t.fetch('/api/v1/iocs/export?format=csv', { headers: { authorization: `Bearer ${a.key}` } });
    expect(await exported.text()).not.toContain('cdn.partner.example');
  });

  it('keep watchlist alerts from the workspace only', async () => {
    for (const w of [a, b])
      expect(
        (
          await call(
            'POST',
            '/api/v1/watchlists',
            { name: 'p', entries: [{ type: 'domain', value: 'partner.example' }] },
            w.key,
          )
        ).status,
      ).toBe(201);
    const csv = path.join(dir, 'partner.csv');
    writeFileSync(csv, 'type,value,confidence\ndomain,new.partner.example,90\n');
    expect((await runCommand(t.database, ['import', '--file', csv])).code).toBe(0);
    const alerts = await t.database.rows<{ workspace_id: string }>(
      sql`select a.workspace_id from alerts a join iocs i on i.id = a.record_id where i.value = 'new.partner.example'`,
    );
    expect(alerts.map((row) => row.workspace_id)).toEqual([b.id]);
  });

  it('change by PATCH (rename, add, remove at once), and stop hiding what they no longer cover', async () => {
    const changed = await call('PATCH', `/api/v1/exclusions/${listId}`, {
      name: 'partners and cdn',
      add: ['198.51.101.1'],
      remove: ['.partner.example', '198.51.100.0/24'],
    });
    expect(changed.status).toBe(200);
    expect(changed.json!.data).toMatchObject({
      name: 'partners and cdn',
      entries: ['2001:db8::/32', 'a'.repeat(64), '198.51.101.1'],
    });
    const mine = await listed(a.key);
    expect(mine).toContain('cdn.partner.example');
    expect(mine).toContain('198.51.100.77');
    expect(mine).not.toContain('198.51.101.1');
    expect((await lookup(['198.51.101.1']))[0]!.excluded_by).toBe('partners and cdn');
  });

  it('refuse bad input as a whole, naming the entry, and keep what was stored', async () => {
    const bad = await call('PATCH', `/api/v1/exclusions/${listId}`, { add: ['10.0.0.0/8', '10.0.0.0/99'] });
    expect(bad.status).toBe(400);
    expect(bad.json!.error).toMatchObject({ code: 'invalid_parameter', message: expect.stringContaining('add.1') });
    expect((await call('GET', `/api/v1/exclusions/${listId}`)).json!.data.entry_count).toBe(3);
    expect((await call('POST', '/api/v1/exclusions', { name: '' })).json!.error.code).toBe('invalid_parameter');
    expect((await call('POST', '/api/v1/exclusions', { name: 'partners and cdn' })).json!.error.message).toContain(
      'is the name of another',
    );
    expect((await call('POST', '/api/v1/exclusions', { name: 'x', entries: 'no' })).status).toBe(400);
    expect((await call('POST', '/api/v1/exclusions', { name: 'x', extra: 1 })).status).toBe(400);
    expect((await call('PATCH', `/api/v1/exclusions/not-a-uuid`, { name: 'y' })).status).toBe(400);
  });

  it('are refused without a key, without iocs:write, and to another workspace', async () => {
    expect((await call('GET', '/api/v1/exclusions', undefined, null)).status).toBe(401);
    expect(
      (await call('POST', '/api/v1/exclusions', `{"name":"huge","entries":["${'a'.repeat(2_000_000)}"]}`)).status,
    ).toBe(413);
    expect((await call('POST', '/api/v1/exclusions', { name: 'r' }, readOnly)).json!.error.code).toBe('forbidden');
    expect((await call('GET', '/api/v1/exclusions', undefined, readOnly)).status).toBe(200);
    expect((await call('GET', `/api/v1/exclusions/${listId}`, undefined, b.key)).status).toBe(404);
    expect((await call('PATCH', `/api/v1/exclusions/${listId}`, { name: 'mine now' }, b.key)).status).toBe(404);
    expect((await call('DELETE', `/api/v1/exclusions/${listId}`, undefined, b.key)).status).toBe(404);
    expect((await call('GET', '/api/v1/exclusions', undefined, b.key)).json!.data).toEqual([]);
    expect((await call('GET', `/api/v1/exclusions/${listId}`)).json!.data.name).toBe('partners and cdn');
  });

  it('hold at most 100 lists and 100,000 entries per workspace', async () => {
    const entries = Array.from({ length: 60_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect((await call('POST', '/api/v1/exclusions', { name: 'big', entries })).status).toBe(201);
    // The statistics count them at once (imports plan their lookups with them, not with none).
    const [counted] = await t.database.rows<{ n: number }>(
      sql`select reltuples::int as n from pg_class where relname = 'exclusion_entries'`,
    );
    expect(counted!.n).toBeGreaterThanOrEqual(60_000);
    const more = Array.from({ length: 40_000 }, (_, i) => `11.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const refused = await call('POST', '/api/v1/exclusions', { name: 'bigger', entries: more });
    expect(refused.json!.error).toMatchObject({
      code: 'invalid_parameter',
      message: expect.stringContaining('100,000'),
    });
    const [row] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from exclusion_entries where workspace_id = ${a.id}::uuid`,
    );
    expect(row!.n).toBe(60_003);
    // Listing still answers, through the indexes, with the 60,000 entries in place.
    expect(await listed(a.key)).toContain('198.51.100.77');
    // With the two above: 100, the most.
    for (let i = 0; i < 98; i++) expect((await call('POST', '/api/v1/exclusions', { name: `l${i}` })).status).toBe(201);
    expect((await call('POST', '/api/v1/exclusions', { name: 'one too many' })).json!.error.message).toContain(
      'at most 100 exclusion lists',
    );
  });

  it('are deleted with their entries', async () => {
    expect((await call('DELETE', `/api/v1/exclusions/${listId}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/exclusions/${listId}`)).status).toBe(404);
    expect((await lookup(['198.51.101.1']))[0]!.excluded_by).toBeNull();
  });

  it('are there over GraphQL', async () => {
    const made = await t.graphql(
      b.key,
      'mutation { createExclusionList(name: "gql", entries: [".partner.example"]) { id name entryCount entries } }',
    );
    expect(made.body.data!.createExclusionList).toMatchObject({
      name: 'gql',
      entryCount: 1,
      entries: ['.partner.example'],
    });
    const read = await t.graphql(
      b.key,
      '{ exclusionLists { name shared entryCount } iocLookup(values: ["partner.example"]) { excludedBy } }',
    );
    expect(read.body.data).toEqual({
      exclusionLists: [{ name: 'gql', shared: false, entryCount: 1 }],
      iocLookup: [{ excludedBy: 'gql' }],
    });
  });
});
