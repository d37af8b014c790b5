/**
 * `GET /api/v1/iocs/export` (docs/api.md §6, §8): the listing's filters, every matching IOC across
 * pages, as a STIX 2.1 bundle that the official schemas accept, or as CSV; scoped to the
 * workspace, refused in the SOC dialect.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertIocs } from '../support/fixtures.js';
import { expectValidStix, validateStixBundle } from '../support/stix.js';

let t: TestApp;
let key: string;
let otherKey: string;
let noIocsKey: string;

interface Bundle {
  type: string;
  id: string;
  objects: Array<Record<string, unknown> & { type: string; id: string }>;
}

beforeAll(async () => {
  t = await createTestApp();
  const mine = await t.createWorkspace();
  const other = await t.createWorkspace();
  key = (await t.createKey(mine.id)).key;
  noIocsKey = (await t.createKey(mine.id, { permissions: ['watchlists:read'] })).key;
  otherKey = (await t.createKey(other.id)).key;
  await insertIocs(t.database.db, [
    {
      type: 'ipv4',
      value: '203.0.113.10',
      confidence: 90,
      tlp: 'amber+strict',
      tags: ['c2', 'apt'],
      malwareFamily: 'Emotet',
    },
    { type: 'ipv6', value: '2001:db8::1', tlp: 'green' },
    { type: 'domain', value: 'evil.example', tlp: 'clear' },
    { type: 'url', value: "http://evil.example/it's\\here", tlp: 'red' },
    { type: 'email', value: 'bad@evil.example', tlp: 'amber' },
    { type: 'md5', value: '44d88612fea8a8f36de82e1278abb02f' },
    { type: 'sha1', value: '3395856ce81f2b7382dee72602f798b642f14140' },
    { type: 'sha256', value: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f' },
    { type: 'domain', value: 'mine-only.example', workspaceId: mine.id },
    { type: 'domain', value: 'theirs-only.example', workspaceId: other.id },
  ]);
});
afterAll(() => t.close());

const get = (path: string, k = key) => t.fetch(path, { headers: { authorization: `Bearer ${k}` } });

async function bundle(path: string, k = key): Promise<Bundle> {
  const response = await get(path, k);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/stix+json;version=2.1');
  expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="iocs-.*\.json"$/);
  return (await response.json()) as Bundle;
}

const indicators = (b: Bundle) => b.objects.filter((o) => o.type === 'indicator');

describe('STIX 2.1', () => {
  it('is a bundle the official STIX 2.1 schemas accept', async () => {
    const answer = await bundle('/api/v1/iocs/export?format=stix');
    const { valid, errors } = validateStixBundle(answer);
    expect(valid, errors).toBe(true);
    // The validator is not vacuous: an indicator without its pattern is refused.
    const broken = structuredClone(answer);
    delete indicators(broken)[0]!.pattern;
    expect(validateStixBundle(broken).valid).toBe(false);
  });

  it('holds one indicator per visible IOC', async () => {
    const answer = await bundle('/api/v1/iocs/export?format=stix');
    const patterns = indicators(answer)
      .map((o) => o.pattern)
      .sort();
    expect(patterns).toEqual(
      [
        "[domain-name:value = 'evil.example']",
        "[domain-name:value = 'mine-only.example']",
        "[email-addr:value = 'bad@evil.example']",
        "[file:hashes.'SHA-1' = '3395856ce81f2b7382dee72602f798b642f14140']",
        "[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']",
        "[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']",
        "[ipv4-addr:value = '203.0.113.10']",
        "[ipv6-addr:value = '2001:db8::1']",
        "[url:value = 'http://evil.example/it\\'s\\\\here']",
      ].sort(),
    );
  });

  it('carries confidence, labels, valid_from and the TLP marking of each IOC', async () => {
    const answer = await bundle('/api/v1/iocs/export?type=ipv4');
    const [indicator] = indicators(answer);
    expect(indicator).toMatchObject({
      spec_version: '2.1',
      pattern_type: 'stix',
      confidence: 90,
      labels: ['c2', 'Emotet', 'apt'],
      valid_from: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      object_marking_refs: ['marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003'],
    });
    const marking = answer.objects.find((o) => o.id === 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003');
    expect(marking).toMatchObject({ name: 'TLP:AMBER+STRICT' });
    expect(indicators(answer)).toHaveLength(1);
  });

  it('keeps indicator ids from one export to the next', async () => {
    const ids = async () =>
      indicators(await bundle('/api/v1/iocs/export'))
        .map((o) => o.id)
        .sort();
    expect(await ids()).toEqual(await ids());
  });

  it('never holds another workspace’s IOCs', async () => {
    const mine = JSON.stringify(await bundle('/api/v1/iocs/export'));
    expect(mine).not.toContain('theirs-only');
    const theirs = JSON.stringify(await bundle('/api/v1/iocs/export', otherKey));
    expect(theirs).toContain('theirs-only');
    expect(theirs).not.toContain('mine-only');
  });
});

describe('CSV', () => {
  it('has a header line and one line per IOC, tags joined by ;', async () => {
    const response = await get('/api/v1/iocs/export?format=csv&type=ipv4');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parse<Record<string, string>>(await response.text(), { columns: true });
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'ipv4',
        value: '203.0.113.10',
        confidence: '90',
        tlp: 'amber+strict',
        tags: 'c2;apt',
        malware_family: 'Emotet',
      }),
    ]);
  });

  it('quotes values that hold quotes or separators', async () => {
    const text = await (await get('/api/v1/iocs/export?format=csv&type=url')).text();
    const [row] = parse<Record<string, string>>(text, { columns: true });
    expect(row!.value).toBe("http://evil.example/it's\\here");
  });
});

describe('filters, limit and pages', () => {
  it('exports every row across many pages, or the first `limit`', async () => {
    const bulk = await t.createWorkspace();
    const bulkKey = (await t.createKey(bulk.id)).key;
    const values = Array.from({ length: 2500 }, (_, i) => ({
      type: 'domain' as const,
      value: `bulk-${i}.example`,
      workspaceId: bulk.id,
      tags: ['bulk'],
    }));
    for (let i = 0; i < values.length; i += 500) await insertIocs(t.database.db, values.slice(i, i + 500));

    const all = await bundle('/api/v1/iocs/export?tag=bulk', bulkKey);
    expect(indicators(all)).toHaveLength(2500);
    expect(new Set(indicators(all).map((o) => o.id)).size).toBe(2500);
    expectValidStix(all);

    expect(indicators(await bundle('/api/v1/iocs/export?tag=bulk&limit=1234', bulkKey))).toHaveLength(1234);
    const csv = await (await get('/api/v1/iocs/export?format=csv&tag=bulk&q=bulk-1', bulkKey)).text();
    expect(parse(csv, { columns: true })).toHaveLength(1 + 10 + 100 + 1000);
  });

  it('answers an empty bundle when nothing matches', async () => {
    const answer = await bundle('/api/v1/iocs/export?tag=nothing-has-this');
    expect(indicators(answer)).toEqual([]);
    expectValidStix(answer);
  });
});

describe('refusals, in the SOC dialect', () => {
  it.each([
    ['/api/v1/iocs/export?format=xml', 400, 'invalid_parameter'],
    ['/api/v1/iocs/export?limit=0', 400, 'invalid_parameter'],
    ['/api/v1/iocs/export?updated_since=yesterday', 400, 'invalid_parameter'],
  ])('%s is %i %s', async (path, status, code) => {
    const response = await get(path);
    expect(response.status).toBe(status);
    expect((await response.json()).error.code).toBe(code);
  });

  it('needs a key with iocs:read', async () => {
    expect((await t.fetch('/api/v1/iocs/export')).status).toBe(401);
    const refused = await get('/api/v1/iocs/export', noIocsKey);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe('forbidden');
  });
});

describe('which rows are the workspace’s own (issue: the first hour)', () => {
  it('says so in a shared column (CSV) and in created_by_ref (STIX), and import keeps them apart', async () => {
    const csv = await (await get('/api/v1/iocs/export?format=csv&type=domain')).text();
    const rows = parse<Record<string, string>>(csv, { columns: true });
    expect(rows.map((r) => [r.value, r.shared]).sort()).toEqual([
      ['evil.example', 'true'],
      ['mine-only.example', 'false'],
    ]);

    const stix = await bundle('/api/v1/iocs/export?format=stix&type=domain');
    const identities = stix.objects.filter((o) => o.type === 'identity');
    expect(identities.map((o) => o.name)).toEqual(['Shared feed', expect.stringMatching(/^Workspace \d+$/)]);
    const mineIdentity = identities.find((o) => o.x_workspace_id)!;
    const byValue = Object.fromEntries(indicators(stix).map((o) => [o.name, o.created_by_ref]));
    expect(byValue).toEqual({ 'evil.example': identities[0]!.id, 'mine-only.example': mineIdentity.id });
    expect(validateStixBundle(stix).valid).toBe(true);

    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { importIocs } = await import('../../src/iocs/import.js');
    const dir = await mkdtemp(path.join(tmpdir(), 'apart-'));
    try {
      for (const [name, text] of [
        ['export.csv', csv],
        ['export.json', JSON.stringify(stix)],
      ] as const) {
        const file = path.join(dir, name);
        await writeFile(file, text);
        const format = name.endsWith('.csv') ? 'csv' : 'stix';
        const intoFeed = await importIocs(t.database.db, file, { format, workspaceId: null });
        expect(intoFeed.rejected, name).toBe(1);
        expect(intoFeed.errors[0]!.reason).toBe(
          "a workspace's own IOC (shared false): import it into its workspace with --workspace <id>",
        );
        const workspace = await t.createWorkspace();
        const intoWorkspace = await importIocs(t.database.db, file, { format, workspaceId: workspace.id });
        expect(intoWorkspace).toMatchObject({ created: 1, rejected: 1 });
        expect(intoWorkspace.errors[0]!.reason).toMatch(
          /^an IOC of the shared feed \(shared true\): import it without --workspace/,
        );
      }
      // The shared feed never gained the workspace's own IOC.
      const [feed] = await t.database.rows<{ n: number }>(
        (await import('drizzle-orm'))
          .sql`select count(*)::int as n from iocs where value = 'mine-only.example' and workspace_id is null`,
      );
      expect(feed!.n).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
