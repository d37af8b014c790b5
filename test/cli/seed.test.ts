/** `seed`: realistic synthetic data in bulk, every IOC type, leaks spread over the scope and beyond. */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/commands.js';
import { detectIoc, IOC_TYPES, normalizeIocValue } from '../../src/core/normalize.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let workspaceId: string;
let key: string;

beforeAll(async () => {
  t = await createTestApp();
  ({ id: workspaceId } = await t.createWorkspace({ scope: { domains: ['example.com'], bins: ['411111'] } }));
  key = (await t.createKey(workspaceId)).key;
});
afterAll(() => t.close());

async function seed(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['seed', ...argv], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    openDatabase: () => Promise.resolve({ database: t.database, close: false }),
  });
  return { code, stderr, json: code === 0 ? JSON.parse(stdout) : undefined };
}

const rows = <T>(query: ReturnType<typeof sql>) => t.database.rows<T>(query);

describe('seed', () => {
  it('fills the tables and prints the counts', async () => {
    const { code, json } = await seed('--iocs', '3000', '--leaks', '2000', '--workspace', workspaceId);
    expect(code).toBe(0);
    expect(json).toMatchObject({ credential_leaks: 2000, card_leaks: 400, seconds: expect.any(Number) });
    expect(json.iocs).toBeGreaterThan(2990);
    const [counts] = await rows<{ iocs: number; leaks: number; cards: number }>(
      sql`select (select count(*)::int from iocs) as iocs, (select count(*)::int from credential_leaks) as leaks, (select count(*)::int from card_leaks) as cards`,
    );
    expect(counts).toEqual({ iocs: json.iocs, leaks: 2000, cards: 400 });
    // Analysed as part of the load (docs/api.md §9): the planner knows the rows at once, without waiting
    // for autovacuum (a fresh table that was never analysed reports -1).
    const stats = await rows<{ relname: string; reltuples: number }>(
      sql`select relname::text, reltuples::int as reltuples from pg_class where relname in ('iocs', 'credential_leaks', 'card_leaks') order by relname`,
    );
    expect(stats).toEqual([
      { relname: 'card_leaks', reltuples: 400 },
      { relname: 'credential_leaks', reltuples: 2000 },
      { relname: 'iocs', reltuples: json.iocs },
    ]);
    // The common passwords, which many leaks share, are counted for the range search's NTLM mode too.
    const [ntlm] = await rows<{ hashes: number; leaks: number }>(
      sql`select count(*)::int as hashes, coalesce(sum(count), 0)::int as leaks from password_ntlm_counts`,
    );
    expect(ntlm!.hashes).toBeGreaterThan(0);
    expect(ntlm!.leaks).toBeGreaterThan(200);
  });

  it('writes every IOC type, each value in its canonical form', async () => {
    const sample = await rows<{ type: (typeof IOC_TYPES)[number]; value: string }>(
      sql`select type, value from iocs order by random() limit 500`,
    );
    const types = await rows<{ type: string }>(sql`select distinct type::text as type from iocs order by 1`);
    expect(types.map((r) => r.type)).toEqual([...IOC_TYPES].sort());
    for (const { type, value } of sample) {
      expect(normalizeIocValue(type, value), `${type} ${value}`).toBe(value);
      expect(detectIoc(value)?.type, value).toBe(type);
    }
  });

  it('spreads leaks over the workspace scope and outside it', async () => {
    const [spread] = await rows<{ inside: number; outside: number; cards: number }>(sql`
      select count(*) filter (where domain = 'example.com' or domain like '%.example.com')::int as inside,
             count(*) filter (where not (domain = 'example.com' or domain like '%.example.com'))::int as outside,
             (select count(*)::int from card_leaks where bin like '411111%') as cards
      from credential_leaks`);
    expect(spread!.inside).toBeGreaterThan(200);
    expect(spread!.outside).toBeGreaterThan(200);
    expect(spread!.cards).toBeGreaterThan(20);
    const answer = await t.graphql(
      key,
      '{ dataleaks { byDomain(domain: "example.com", first: 5) { edges { node { email passwordMasked } } } } }',
    );
    const edges = (
      answer.body.data!.dataleaks as { byDomain: { edges: { node: { email: string; passwordMasked: string } }[] } }
    ).byDomain.edges;
    expect(edges).toHaveLength(5);
    for (const { node } of edges) {
      expect(node.email).toMatch(/@(.+\.)?example\.com$/);
      expect(node.passwordMasked).toMatch(/^(\S\*+\S|\*{4})$/);
    }
  });

  it('adds to what is there when run again', async () => {
    const { json } = await seed('--iocs', '500', '--leaks', '100', '--cards', '7');
    expect(json).toMatchObject({ credential_leaks: 100, card_leaks: 7 });
    const [counts] = await rows<{ cards: number }>(sql`select count(*)::int as cards from card_leaks`);
    expect(counts!.cards).toBe(407);
  });

  it.each([
    [['--iocs', '10'], /--leaks is required/],
    [['--iocs', 'many', '--leaks', '1'], /--iocs must be a whole number/],
    [['--iocs', '1', '--leaks', '1', '--workspace', '00000000-0000-4000-8000-000000000000'], /no workspace/],
  ])('refuses %j', async (argv, message) => {
    const { code, stderr } = await seed(...argv);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });
});

describe('a large bulk load', () => {
  it('builds the table’s indexes again exactly as they were, and skips rows already stored', async () => {
    const indexes = () =>
      rows<{ indexdef: string }>(sql`select indexdef from pg_indexes where tablename = 'iocs' order by indexname`);
    const before = await indexes();
    const line = (value: string) =>
      `${crypto.randomUUID()}\t\\N\tdomain\t${value}\t\\N\t\\N\t50\tlow\tclear\t{}\t\\N\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\n`;
    const columns = [
      'id',
      'workspace_id',
      'type',
      'value',
      'threat_type',
      'malware_family',
      'confidence',
      'severity',
      'tlp',
      'tags',
      'source',
      'first_seen',
      'last_seen',
      'created_at',
      'updated_at',
    ];
    const inserted = await t.database.bulkLoad('iocs', columns, { skipDuplicates: true, rebuildIndexes: true }, [
      line('bulk-one.example.net') + line('bulk-two.example.net'),
      line('bulk-one.example.net'),
    ]);
    expect(inserted).toBe(2);
    expect(await indexes()).toEqual(before);
  });
});
