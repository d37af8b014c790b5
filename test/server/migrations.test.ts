/**
 * Several processes started at once on an empty database (a deploy of three hosts, or
 * `WEB_CONCURRENCY` after a fresh install): each migration is applied once, every process starts,
 * and the first start on an empty production database says what to do first.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { serverUrl } from '../support/database.js';
import { repoRoot, spawnServer, type ServerProcess } from '../support/process.js';

describe.skipIf(!serverUrl)('three processes starting at once on an empty database', () => {
  const name = `ti_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
  const url = Object.assign(new URL(serverUrl!), { pathname: `/${name}` }).toString();
  let servers: ServerProcess[] = [];

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('applies each migration once, under one lock, and all three serve', async () => {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    servers = await Promise.all([1, 2, 3].map(() => spawnServer({ DATABASE_URL: url })));
    for (const server of servers) expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const journal = JSON.parse(readFileSync(path.join(repoRoot, 'drizzle/meta/_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    const db = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [counts] = await db<{ applied: number; distinct: number }[]>`
        select count(*)::int as applied, count(distinct hash)::int as distinct from drizzle.__drizzle_migrations`;
      expect(counts).toEqual({ applied: journal.entries.length, distinct: journal.entries.length });
    } finally {
      await db.end();
    }
    // One process applied them; the others found nothing left to do.
    const applying = servers.filter((s) => s.stdout.join('').includes('"msg":"migrations applied"'));
    expect(applying).toHaveLength(1);
    // An empty production database: the banner's first steps are a workspace, then its key.
    for (const server of servers.filter((s) => s.stderr.join('').includes('Threat-intelligence API'))) {
      expect(server.stderr.join('')).toContain('No workspace yet.');
    }
  });
});
