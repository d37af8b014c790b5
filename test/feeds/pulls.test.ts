/**
 * How pulls run (docs/api.md §14): one process at a time per feed with several server processes on
 * one database; a pull killed halfway leaves whole batches only, and the next goes on without
 * doubling anything; a TAXII collection read from a real peer (this product's own `/taxii2/`), by
 * `added_after` and `next`; the URL policy checked again at pull time; a silent server and a
 * workspace's plan bounding one pull.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFeedByName } from '../../src/feeds/feeds.js';
import { pullFeed } from '../../src/feeds/pull.js';
import { STRICT_POLICY } from '../../src/http/urlPolicy.js';
import { SHARED_FEED_COLLECTION_ID } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { serverUrl } from '../support/database.js';
import { startFeedServer, type FeedServer } from '../support/feedServer.js';
import { insertIocs } from '../support/fixtures.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { until } from '../support/timing.js';

const SECRET_KEY = randomBytes(32).toString('base64');
const OPEN = { allowHttp: true, allowPrivate: true };

let t: TestApp;
let origin: FeedServer;
beforeAll(async () => {
  process.env.WEBHOOK_SECRET_KEY = SECRET_KEY;
  t = await createTestApp();
  origin = await startFeedServer();
});
afterAll(async () => {
  await origin.close();
  await t.close();
});

const cli = (...argv: string[]) => runCommand(t.database, argv);
const count = async (where = sql`true`) =>
  (await t.database.rows<{ n: number }>(sql`select count(*)::int as n from iocs where ${where}`))[0]!.n;
const lines = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${i}.example`).join('\n') + '\n';

async function feed(name: string) {
  const row = await findFeedByName(t.database.db, null, name);
  if (!row) throw new Error(`no feed ${name}`);
  return row;
}

describe('one pull at a time', () => {
  it.skipIf(!serverUrl)(
    'two server processes on one database pull each due feed once',
    async () => {
      const names = Array.from({ length: 12 }, (_, i) => `split-${i}`);
      for (const name of names) {
        origin.serve(`/split/${name}.txt`, { body: `${name}.example\n` });
        const added = await cli(
          'feed',
          'add',
          '--name',
          name,
          '--url',
          `${origin.url}/split/${name}.txt`,
          '--format',
          'text',
        );
        expect(added.code, added.stderr).toBe(0);
      }
      const env = { DATABASE_URL: t.url, WEBHOOK_SECRET_KEY: SECRET_KEY };
      const servers: ServerProcess[] = await Promise.all([spawnServer(env), spawnServer(env)]);
      try {
        await until(
          () => count(sql`value like 'split-%'`),
          (n) => n === names.length,
          30_000,
        );
        await until(
          async () =>
            (
              await t.database.rows<{ n: number }>(
                sql`select count(*)::int as n from feeds where name like 'split-%' and last_success_at is not null and locked_until is null`,
              )
            )[0]!.n,
          (n) => n === names.length,
        );
        const gets = origin.requests.filter((r) => r.path.startsWith('/split/'));
        expect(gets.map((r) => r.path).sort()).toEqual(names.map((n) => `/split/${n}.txt`).sort());
        // Each process logged the feeds it pulled (the line may come a moment after the row): no feed in both.
        const pulledBy = await until(
          () =>
            servers.map(
              (server) =>
                new Set(
                  server.stdout
                    .join('')
                    .split('\n')
                    .filter((line) => line.includes('"msg":"feed pulled"'))
                    .map((line) => JSON.parse(line).feed as string),
                ),
            ),
          (sets) => sets[0]!.size + sets[1]!.size >= names.length,
        );
        const both = [...pulledBy[0]!].filter((id) => pulledBy[1]!.has(id));
        expect(both).toEqual([]);
        expect(pulledBy[0]!.size + pulledBy[1]!.size).toBe(names.length);
        // Its log names the feed, never its URL or headers.
        expect(servers.flatMap((s) => s.stdout).join('')).not.toContain(origin.url);
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    },
    90_000,
  );

  it.skipIf(!serverUrl)(
    'a pull killed halfway leaves whole batches, and the next one finishes without doubling',
    async () => {
      // 11,000 lines, then the source stalls: the importer's two lanes (rows split by key, about
      // 5,500 each) each write their first batch of 5,000; the rest waits.
      origin.handle('/big/list.txt', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(lines('killed', 11_000));
      });
      const added = await cli(
        'feed',
        'add',
        '--name',
        'Killed',
        '--url',
        `${origin.url}/big/list.txt`,
        '--format',
        'text',
      );
      expect(added.code).toBe(0);
      const server = await spawnServer({ DATABASE_URL: t.url, WEBHOOK_SECRET_KEY: SECRET_KEY });
      try {
        await until(
          () => count(sql`value like 'killed-%'`),
          (n) => n >= 10_000,
          30_000,
        );
        // The pull wrote on connections of its own, not on the pool the server's requests use.
        const connections = await t.database.rows<{ name: string; n: number }>(sql`
          select application_name as name, count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name like 'threat-intel-api%'
          group by 1 order by 1`);
        expect(connections.map((c) => c.name)).toEqual(['threat-intel-api', 'threat-intel-api feed pulls']);
        expect(connections[1]!.n).toBeLessThanOrEqual(3);
      } finally {
        await server.stop('SIGKILL');
      }
      // Whole batches: exactly the first of each lane.
      expect(await count(sql`value like 'killed-%'`)).toBe(10_000);
      expect((await feed('Killed')).lastSuccessAt).toBeNull();
      // The dead process's lease runs out (a minute; moved here rather than waited for).
      await t.database.db.execute(
        sql`update feeds set locked_until = now() - interval '1 second' where name = 'Killed'`,
      );
      origin.handle('/big/list.txt', (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(lines('killed', 16_000));
      });
      const run = await cli('feed', 'run', 'Killed');
      expect(run.code, run.stderr).toBe(0);
      expect(run.json.last_run).toEqual({ read: 16_000, created: 6000, updated: 0, unchanged: 10_000, rejected: 0 });
      expect(await count(sql`value like 'killed-%'`)).toBe(16_000);
    },
    90_000,
  );

  it('refuses to run a feed another process is pulling', async () => {
    origin.serve('/busy.txt', { body: 'busy.example\n' });
    await cli('feed', 'add', '--name', 'Busy', '--url', `${origin.url}/busy.txt`, '--format', 'text');
    await t.database.db.execute(sql`update feeds set locked_until = now() + interval '1 minute' where name = 'Busy'`);
    const run = await cli('feed', 'run', 'Busy');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: feed "Busy" is being pulled by a server process now\n');
    await t.database.db.execute(sql`update feeds set locked_until = null where name = 'Busy'`);
  });
});

describe('bounds on one pull', () => {
  it('checks the URL policy again at pull time', async () => {
    const ws = (await t.createWorkspace()).id;
    origin.serve('/policy.txt', { body: 'policy.example\n' });
    await cli(
      'feed',
      'add',
      '--name',
      'Policy',
      '--url',
      `${origin.url}/policy.txt`,
      '--format',
      'text',
      '--workspace',
      ws,
    );
    // Made by a key (not trusted), its URL later pointing at loopback: refused before any request.
    await t.database.db.execute(sql`update feeds set trusted = false where name = 'Policy'`);
    const row = (await findFeedByName(t.database.db, ws, 'Policy'))!;
    const before = origin.requests.length;
    const result = await pullFeed(t.database.db, row, { policy: STRICT_POLICY, headers: {}, maxRecords: 100 });
    expect(result.error).toBe(
      'the URL must be an https URL (a server started with WEBHOOK_ALLOW_HTTP=true, for development, also takes http).',
    );
    expect(origin.requests.length).toBe(before);
    const https = await pullFeed(
      t.database.db,
      { ...row, url: 'https://127.0.0.1:1/policy.txt' },
      { policy: STRICT_POLICY, headers: {}, maxRecords: 100 },
    );
    expect(https.error).toMatch(
      /^the URL is a loopback address; webhooks and workspace feeds reach public addresses only/,
    );
  });

  it('gives up on a server that stops sending', async () => {
    origin.handle('/stalled.txt', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('stalled-one.example\n');
    });
    await cli('feed', 'add', '--name', 'Stalled', '--url', `${origin.url}/stalled.txt`, '--format', 'text');
    const result = await pullFeed(t.database.db, await feed('Stalled'), {
      policy: STRICT_POLICY,
      headers: {},
      maxRecords: Infinity,
      idleTimeoutMs: 300,
    });
    expect(result.error).toBe('the server sent nothing for 0 s');
  });

  it('holds no line or JSON value past its bound, whatever a source sends', async () => {
    origin.serve('/long-line.txt', { body: `${'a'.repeat(100_000)}.example\nafter-long-line.example\n` });
    await cli('feed', 'add', '--name', 'Long line', '--url', `${origin.url}/long-line.txt`, '--format', 'text');
    const lines = await pullFeed(t.database.db, await feed('Long line'), {
      policy: OPEN,
      headers: {},
      maxRecords: 100,
    });
    expect(lines).toMatchObject({ error: null, counts: { read: 2, created: 1, rejected: 1 } });
    origin.serve('/huge-string.json', {
      body: `{"1": [{"ioc_value": "${'x'.repeat(2_000_000)}", "ioc_type": "domain"}]}`,
    });
    await cli(
      'feed',
      'add',
      '--name',
      'Huge string',
      '--url',
      `${origin.url}/huge-string.json`,
      '--format',
      'threatfox',
    );
    const json = await pullFeed(t.database.db, await feed('Huge string'), {
      policy: OPEN,
      headers: {},
      maxRecords: 100,
    });
    expect(json.error).toBe('the document holds a JSON value longer than 1,048,576 bytes');
  });

  it('stops a workspace’s pull at its plan’s records, keeping what it read', async () => {
    origin.serve('/many.txt', { body: lines('many', 50) });
    await cli('feed', 'add', '--name', 'Many', '--url', `${origin.url}/many.txt`, '--format', 'text');
    const result = await pullFeed(t.database.db, await feed('Many'), {
      policy: OPEN,
      headers: {},
      maxRecords: 20,
    });
    expect(result.error).toBe('stopped after 20 records, the most one pull reads on this plan');
    expect(result.counts).toEqual({ read: 20, created: 20, updated: 0, unchanged: 0, rejected: 0 });
  });
});

describe('a TAXII collection as a feed', () => {
  let source: TestApp;
  let peer: { url: string; close(): Promise<void> };
  let key: string;
  beforeAll(async () => {
    source = await createTestApp({ settleMs: 0 });
    peer = await source.listen();
    key = (await source.createKey((await source.createWorkspace()).id, { permissions: ['iocs:read'] })).key;
    await insertIocs(
      source.database.db,
      Array.from({ length: 2500 }, (_, i) => ({
        type: 'domain' as const,
        value: `taxii-peer-${i}.example`,
        confidence: 70,
      })),
    );
  });
  afterAll(async () => {
    await peer.close();
    await source.close();
  });

  it('reads every page with next, then only what was added after the last page', async () => {
    const added = await cli(
      'feed',
      'add',
      '--name',
      'Peer',
      '--url',
      `${peer.url}/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/`,
      '--format',
      'taxii',
      '--header',
      `Authorization: Bearer ${key}`,
    );
    expect(added.code, added.stderr).toBe(0);
    const first = await cli('feed', 'run', 'Peer');
    expect(first.code, first.stderr).toBe(0);
    expect(first.json.last_run).toEqual({ read: 2500, created: 2500, updated: 0, unchanged: 0, rejected: 0 });
    expect(await count(sql`value like 'taxii-peer-%' and source = 'Peer' and confidence = 70`)).toBe(2500);
    expect((await feed('Peer')).cursor).toEqual({ addedAfter: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });

    await insertIocs(source.database.db, [
      { type: 'domain', value: 'taxii-peer-new.example' },
      // Not a documentation address: a server started on this database loaded the built-in lists.
      { type: 'ipv4', value: '45.133.1.77' },
    ]);
    const second = await cli('feed', 'run', 'Peer');
    expect(second.json.last_run).toEqual({ read: 2, created: 2, updated: 0, unchanged: 0, rejected: 0 });
  });

  it('fails clearly with a wrong key, and keeps its position', async () => {
    const before = (await feed('Peer')).cursor;
    await t.database.db.execute(sql`update feeds set headers = null, header_names = '{}' where name = 'Peer'`);
    const run = await cli('feed', 'run', 'Peer');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: the pull failed: the server answered 401 Unauthorized\n');
    expect((await feed('Peer')).cursor).toEqual(before);
  });
});
