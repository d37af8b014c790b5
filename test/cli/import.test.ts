/**
 * `import --file F [--format stix|csv] [--workspace ID]` (docs/api.md §8): upserts by (type, value)
 * keeping the earliest first_seen and the latest last_seen, reports new, updated and rejected rows
 * with reasons, skips what is malformed, and never loses what is stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-import-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

let files = 0;
function file(name: string, content: string): string {
  const at = path.join(dir, `${++files}-${name}`);
  writeFileSync(at, content);
  return at;
}

const cli = (...argv: string[]) => runCommand(t.database, argv);

interface Stored {
  type: string;
  value: string;
  workspace_id: string | null;
  confidence: number;
  severity: string;
  tlp: string;
  tags: string[];
  threat_type: string | null;
  source: string | null;
  first_seen: string;
  last_seen: string;
}

async function stored(value: string): Promise<Stored[]> {
  return t.database.rows<Stored>(
    sql`select type, value, workspace_id, confidence, severity, tlp, tags, threat_type, source,
               to_char(first_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as first_seen,
               to_char(last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_seen
        from iocs where value = ${value} order by workspace_id nulls first`,
  );
}

describe('CSV', () => {
  it('creates rows, rejects malformed lines with their line and reason, and keeps the rest', async () => {
    const csv = file(
      'feed.csv',
      [
        'type,value,threat_type,confidence,severity,tlp,tags,source,first_seen,last_seen',
        'ipv4,198.51.100.7,c2,80,high,amber,c2;apt,acme,2026-01-01T00:00:00Z,2026-02-01T00:00:00Z',
        'domain,Evil[.]Import.Example.,phishing,,,,,,,',
        'md5,not-a-hash,,,,,,,,',
        'ipv5,1.2.3.4,,,,,,,,',
        'url,http://import.example/a,,101,,,,,,',
        'email,x@import.example,,,,purple,,,,',
        'sha1,"unclosed,,,,,,,,,',
      ].join('\n'),
    );
    const { code, json } = await cli('import', '--file', csv);
    expect(code).toBe(0);
    expect(json).toMatchObject({ created: 2, updated: 0, rejected: 5 });
    expect(json.errors).toEqual([
      { line: 4, reason: 'value "not-a-hash" is not a valid md5' },
      { line: 5, reason: expect.stringMatching(/^type "ipv5" is not one of ipv4, /) },
      { line: 6, reason: 'confidence must be a whole number from 0 to 100' },
      { line: 7, reason: expect.stringMatching(/^tlp must be one of/) },
      { line: 8, reason: expect.stringMatching(/^not valid CSV/) },
    ]);
    expect(await stored('198.51.100.7')).toEqual([
      {
        type: 'ipv4',
        value: '198.51.100.7',
        workspace_id: null,
        confidence: 80,
        severity: 'high',
        tlp: 'amber',
        tags: ['c2', 'apt'],
        threat_type: 'c2',
        source: 'acme',
        first_seen: '2026-01-01T00:00:00Z',
        last_seen: '2026-02-01T00:00:00Z',
      },
    ]);
    // Normalised as any input is: refanged, lower-cased, no trailing dot; defaults where not given.
    expect(await stored('evil.import.example')).toEqual([
      expect.objectContaining({
        type: 'domain',
        confidence: 50,
        severity: 'medium',
        tlp: 'clear',
        threat_type: 'phishing',
      }),
    ]);
  });

  it('upserts by (type, value): earliest first_seen, latest last_seen, given fields replace, others stay', async () => {
    await cli(
      'import',
      '--file',
      file(
        'a.csv',
        'type,value,confidence,tags,source,first_seen,last_seen\nipv4,198.51.100.20,40,old,feed-a,2026-03-01,2026-03-10\n',
      ),
    );
    const again = await cli(
      'import',
      '--file',
      file(
        'b.csv',
        'type,value,confidence,first_seen,last_seen\nipv4,198.51.100.20,90,2026-02-01,2026-03-05\nipv4,198.51.100.21,10,,\n',
      ),
    );
    expect(again.json).toMatchObject({ created: 1, updated: 1, rejected: 0, errors: [] });
    expect(await stored('198.51.100.20')).toEqual([
      expect.objectContaining({
        confidence: 90,
        tags: ['old'],
        source: 'feed-a',
        first_seen: '2026-02-01T00:00:00Z',
        last_seen: '2026-03-10T00:00:00Z',
      }),
    ]);
  });

  it('merges the same IOC given twice in one file', async () => {
    const { json } = await cli(
      'import',
      '--file',
      file(
        'twice.csv',
        'type,value,first_seen,last_seen\ndomain,twice.example,2026-05-01,2026-05-02\nDOMAIN,TWICE.example,2026-04-01,2026-04-02\n',
      ),
    );
    expect(json).toMatchObject({ created: 1, updated: 0 });
    expect(await stored('twice.example')).toEqual([
      expect.objectContaining({ first_seen: '2026-04-01T00:00:00Z', last_seen: '2026-05-02T00:00:00Z' }),
    ]);
  });

  it('imports into a workspace’s own IOCs, seen by that workspace only', async () => {
    const workspace = await t.createWorkspace();
    const other = await t.createWorkspace();
    const { json } = await cli(
      'import',
      '--file',
      file('own.csv', 'type,value\ndomain,own-import.example\n'),
      '--workspace',
      workspace.id,
    );
    expect(json).toMatchObject({ created: 1 });
    expect(await stored('own-import.example')).toEqual([expect.objectContaining({ workspace_id: workspace.id })]);
    const lookup = (key: string) => t.graphql(key, '{ iocLookup(values: ["own-import.example"]) { value } }');
    expect((await lookup((await t.createKey(workspace.id)).key)).body.data).toEqual({
      iocLookup: [{ value: 'own-import.example' }],
    });
    expect((await lookup((await t.createKey(other.id)).key)).body.data).toEqual({ iocLookup: [null] });
  });

  it('refuses a file without the type and value columns, and leaves everything as it was', async () => {
    const before = await t.database.rows<{ n: number }>(sql`select count(*)::int as n from iocs`);
    const { code, stderr } = await cli('import', '--file', file('bad.csv', 'kind,val\nipv4,1.2.3.4\n'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/type and value/);
    expect(await t.database.rows(sql`select count(*)::int as n from iocs`)).toEqual(before);
  });

  it.each([
    [['import'], /--file is required/],
    [['import', '--file', '/nonexistent/x.csv'], /cannot read/],
    [['import', '--file', 'x.csv', '--format', 'xml'], /--format must be one of stix, csv; got xml/],
  ])('refuses %j', async (argv, message) => {
    const { code, stderr } = await cli(...argv);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});

describe('STIX 2.1', () => {
  const bundle = (objects: unknown[]) =>
    JSON.stringify({ type: 'bundle', id: 'bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8', objects });
  const indicator = (id: string, pattern: string, extra: Record<string, unknown> = {}) => ({
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--${id}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-02T00:00:00.000Z',
    pattern,
    pattern_type: 'stix',
    valid_from: '2026-01-01T00:00:00Z',
    ...extra,
  });

  it('takes every supported comparison of a pattern (inside OR and AND) and supported observables', async () => {
    const objects = [
      { type: 'marking-definition', id: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487' },
      indicator(
        '00000000-0000-4000-8000-000000000001',
        "[ipv4-addr:value = '192.0.2.1'] OR [domain-name:value = 'stix-a.example']",
        {
          confidence: 70,
          labels: ['botnet'],
          object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
        },
      ),
      indicator(
        '00000000-0000-4000-8000-000000000002',
        "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' AND file:hashes.'SHA-1' = 'da39a3ee5e6b4b0d3255bfef95601890afd80709'] OR [file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
      ),
      indicator(
        '00000000-0000-4000-8000-000000000003',
        "[url:value = 'http://stix.example/it\\'s'] AND [email-addr:value = 'a@stix.example'] AND [ipv6-addr:value = '2001:db8::99']",
      ),
      indicator('00000000-0000-4000-8000-000000000004', "[process:name = 'evil.exe']"),
      indicator('00000000-0000-4000-8000-000000000005', 'alert tcp any any', { pattern_type: 'snort' }),
      { type: 'ipv4-addr', id: 'ipv4-addr--00000000-0000-4000-8000-000000000006', value: '192.0.2.2' },
      { type: 'domain-name', id: 'domain-name--00000000-0000-4000-8000-000000000007', value: 'not a domain' },
      { type: 'relationship', id: 'relationship--00000000-0000-4000-8000-000000000008' },
    ];
    const { code, json } = await cli('import', '--file', file('bundle.json', bundle(objects)));
    expect(code).toBe(0);
    expect(json).toMatchObject({ created: 9, updated: 0, rejected: 3 });
    expect(json.errors).toEqual([
      {
        object: 'indicator--00000000-0000-4000-8000-000000000004',
        reason: 'the pattern compares no supported observable',
      },
      { object: 'indicator--00000000-0000-4000-8000-000000000005', reason: 'pattern_type snort is not supported' },
      {
        object: 'domain-name--00000000-0000-4000-8000-000000000007',
        reason: 'value "not a domain" is not a valid domain',
      },
    ]);
    expect(await stored('192.0.2.1')).toEqual([
      expect.objectContaining({
        type: 'ipv4',
        confidence: 70,
        tlp: 'amber',
        tags: ['botnet'],
        first_seen: '2026-01-01T00:00:00Z',
        last_seen: '2026-01-02T00:00:00Z',
      }),
    ]);
    expect(await stored("http://stix.example/it's")).toEqual([expect.objectContaining({ type: 'url' })]);
    expect(await stored('da39a3ee5e6b4b0d3255bfef95601890afd80709')).toEqual([
      expect.objectContaining({ type: 'sha1' }),
    ]);
    expect(await stored('2001:db8::99')).toEqual([expect.objectContaining({ type: 'ipv6' })]);
  });

  it('imports what the export produced: a round trip into another workspace keeps every IOC', async () => {
    const source = await t.createWorkspace();
    const sourceKey = (await t.createKey(source.id)).key;
    await cli(
      'import',
      '--file',
      file('own.csv', 'type,value,tags\ndomain,round-1.example,trip\nsha256,' + 'ab'.repeat(32) + ',trip\n'),
      '--workspace',
      source.id,
    );
    const exported = await (
      await t.fetch('/api/v1/iocs/export?tag=trip', { headers: { authorization: `Bearer ${sourceKey}` } })
    ).text();
    const target = await t.createWorkspace();
    const { json } = await cli('import', '--file', file('export.json', exported), '--workspace', target.id);
    expect(json).toMatchObject({ created: 2, rejected: 0 });
    expect((await stored('round-1.example')).map((r) => r.workspace_id)).toEqual(
      expect.arrayContaining([source.id, target.id]),
    );
  });

  it('refuses a file that is not JSON', async () => {
    const { code, stderr } = await cli('import', '--file', file('broken.json', '{"type": "bundle", "objects": ['));
    expect(code).toBe(1);
    expect(stderr).toMatch(/not JSON/);
  });
});

describe('after an import', () => {
  it('leaves the table analysed, so that the API plans its listings from fresh statistics', async () => {
    const before = await t.database.rows<{ n: number }>(sql`select count(*)::int as n from iocs`);
    const lines = Array.from({ length: 300 }, (_, i) => `domain,analysed-${i}.example`).join('\n');
    const { code } = await cli('import', '--file', file('analyse.csv', `type,value\n${lines}\n`));
    expect(code).toBe(0);
    const [stats] = await t.database.rows<{ reltuples: number }>(
      sql`select reltuples::int as reltuples from pg_class where relname = 'iocs'`,
    );
    expect(stats!.reltuples).toBe(before[0]!.n + 300);
  });
});
