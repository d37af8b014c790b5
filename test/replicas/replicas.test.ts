/**
 * Read replicas against a real primary and streaming replica that the test makes itself
 * (test/support/replication.ts): reads go to the replica, a workspace reads its own writes while
 * the replica's replay is paused, a lagging replica and a stopped one are skipped until they
 * recover. The server's request log says where each request's reads went (`database`), which is
 * the evidence looked at here, beside what the answers show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProcess, spawnServer, type ServerProcess } from '../support/process.js';
import { replicationSupport, startReplication, type Replication } from '../support/replication.js';

const unsupported = replicationSupport();
const MAX_LAG_MS = 3000;

describe.skipIf(unsupported !== null)('read replicas', () => {
  let cluster: Replication;
  let server: ServerProcess;
  const keys: { a: string; b: string } = { a: '', b: '' };
  const workspaces: { a: string; b: string } = { a: '', b: '' };

  beforeAll(async () => {
    cluster = await startReplication();
    const env = { DATABASE_URL: cluster.primary.url };
    server = await spawnServer({
      ...env,
      DATABASE_REPLICA_URLS: cluster.replica.url,
      REPLICA_MAX_LAG_MS: String(MAX_LAG_MS),
      METRICS_PORT: '0',
    });
    for (const name of ['a', 'b'] as const) {
      const workspace = await cliProcess(env, [
        'workspace',
        'create',
        '--name',
        `Replica ${name}`,
        '--plan',
        'enterprise',
      ]);
      expect(workspace.code, workspace.stderr).toBe(0);
      workspaces[name] = (JSON.parse(workspace.stdout) as { id: string }).id;
      const key = await cliProcess(env, ['key', 'create', '--workspace', workspaces[name], '--name', 'replica test']);
      expect(key.code, key.stderr).toBe(0);
      keys[name] = (JSON.parse(key.stdout) as { key: string }).key;
    }
    await cluster.caughtUp();
    await replicaState(true);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    cluster?.destroy();
  });

  /** The request log lines of the server since `from` (an index into its output). */
  const logSince = (from: number) =>
    server.stdout
      .slice(from)
      .join('')
      .split('\n')
      .filter((line) => line.includes('"duration_ms"'))
      .map((line) => JSON.parse(line) as { path: string; method: string; database?: string; workspace_id?: string });

  /** A request, and where the server says its reads went. */
  async function call(key: string, path: string, init: RequestInit = {}) {
    const from = server.stdout.length;
    const response = await fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    });
    const body = (await response.json()) as Record<string, unknown>;
    // The log line is written as the answer goes out: wait for this request's.
    const pathname = new URL(path, server.url).pathname;
    const method = init.method ?? 'GET';
    const line = () => logSince(from).findLast((entry) => entry.path === pathname && entry.method === method);
    for (let i = 0; i < 100 && !line(); i++) await new Promise((r) => setTimeout(r, 20));
    return { status: response.status, body, database: line()?.database };
  }

  const ownValues = async (key: string) => {
    const answer = await call(key, '/api/v1/iocs?type=domain&limit=100');
    expect(answer.status).toBe(200);
    return { values: (answer.body.data as { value: string }[]).map((ioc) => ioc.value), database: answer.database };
  };

  type ReplicaStatus = { name: string; usable: boolean; lag_ms: number | null };
  /** Waits until the server's /readyz shows the replica usable (or not, and as `also` wants). */
  async function replicaState(usable: boolean, also: (status: ReplicaStatus) => boolean = () => true) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { replicas: ReplicaStatus[] };
      const status = ready.replicas[0]!;
      if (status.usable === usable && also(status)) return status;
      if (Date.now() > deadline) throw new Error(`the replica is still ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('answers every kind of read from the replica, none of which writes', async () => {
    const taxii = { accept: 'application/taxii+json;version=2.1' };
    const reads: [string, RequestInit?][] = [
      ['/api/v1/scope'],
      ['/api/v1/iocs?limit=5'],
      ['/api/v1/iocs/export?format=csv'],
      ['/api/v1/iocs/lookup', { method: 'POST', body: JSON.stringify({ values: ['evil.example', '198.51.100.7'] }) }],
      ['/api/v1/exclusions'],
      ['/api/v1/feeds'],
      ['/api/v1/watchlists'],
      ['/api/v1/alerts'],
      ['/api/v1/webhooks'],
      ['/api/v1/passwords/range/5BAA6'],
      ['/api/v1/blocklists/domain.txt'],
      ['/misp/own/manifest.json'],
      ['/taxii2/api/collections/', { headers: taxii }],
      ['/graphql', { method: 'POST', body: JSON.stringify({ query: '{ viewer { workspace { name } } }' }) }],
    ];
    for (const [path, init = {}] of reads) {
      const from = server.stdout.length;
      const response = await fetch(`${server.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${keys.b}`, 'content-type': 'application/json', ...init.headers },
      });
      await response.arrayBuffer();
      expect(response.status, path).toBe(200);
      const pathname = new URL(path, server.url).pathname;
      let line;
      for (let i = 0; i < 100 && !line; i++) {
        line = logSince(from).findLast((entry) => entry.path === pathname);
        if (!line) await new Promise((r) => setTimeout(r, 20));
      }
      expect(line?.database, path).toBe('replica 1');
    }
  }, 60_000);

  it('reads on the replica; a workspace reads its own write while replay is paused', async () => {
    await cluster.primary.query(
      `insert into iocs (type, value, workspace_id) values ('domain', 'before.b.example', '${workspaces.b}')`,
    );
    await cluster.caughtUp();
    const seen = await ownValues(keys.b);
    expect(seen).toEqual({ values: ['before.b.example'], database: 'replica 1' });

    await cluster.replica.query('select pg_wal_replay_pause()');
    try {
      // Written on the primary behind the API's back: no workspace's position moves.
      await cluster.primary.query(
        `insert into iocs (type, value, workspace_id) values ('domain', 'paused.b.example', '${workspaces.b}')`,
      );
      // The replica still answers B, without the row it has not replayed.
      expect(await ownValues(keys.b)).toEqual({ values: ['before.b.example'], database: 'replica 1' });

      // A writes through the API: its next reads go to the primary, and see the write.
      const submitted = await call(keys.a, '/api/v1/iocs', {
        method: 'POST',
        body: JSON.stringify({ iocs: [{ type: 'domain', value: 'own.a.example' }] }),
      });
      expect(submitted.status).toBe(200);
      expect(submitted.database).toBe('primary');
      expect(await ownValues(keys.a)).toEqual({ values: ['own.a.example'], database: 'primary' });
      const graphql = await call(keys.a, '/graphql', {
        method: 'POST',
        body: JSON.stringify({ query: '{ iocs(type: DOMAIN, first: 5) { edges { node { value } } } }' }),
      });
      expect(graphql.body).toEqual({ data: { iocs: { edges: [{ node: { value: 'own.a.example' } }] } } });
      expect(graphql.database).toBe('primary');
      // B wrote nothing: still the replica.
      expect((await ownValues(keys.b)).database).toBe('replica 1');

      // Replay paused while the primary moves on: past REPLICA_MAX_LAG_MS the replica is skipped,
      // and B reads the primary, row included.
      const skipped = await replicaState(false);
      expect(skipped.lag_ms).toBeGreaterThan(MAX_LAG_MS);
      expect(await ownValues(keys.b)).toEqual({
        values: expect.arrayContaining(['before.b.example', 'paused.b.example']),
        database: 'primary',
      });
    } finally {
      await cluster.replica.query('select pg_wal_replay_resume()');
    }
    // Caught up again: back on the replica, which now holds both rows and A's.
    await replicaState(true);
    const after = await ownValues(keys.a);
    expect(after).toEqual({ values: ['own.a.example'], database: 'replica 1' });
  }, 60_000);

  it('skips a replica that is down and takes it back when it returns', async () => {
    cluster.replica.stop();
    try {
      // Down: no lag to tell (a lag may be seen first, while it shuts down).
      const down = await replicaState(false, (status) => status.lag_ms === null);
      expect(down.lag_ms).toBeNull();
      const read = await ownValues(keys.b);
      expect(read.database).toBe('primary');
      expect(read.values).toContain('paused.b.example');
    } finally {
      cluster.replica.start();
    }
    await replicaState(true);
    expect((await ownValues(keys.b)).database).toBe('replica 1');
  }, 60_000);

  it('runs a read again on the primary when its replica is found unreachable before a check noticed', async () => {
    // A second server that checks its replicas once at start and not again for ten minutes: only
    // the read itself can find the replica gone.
    const lazy = await spawnServer({
      DATABASE_URL: cluster.primary.url,
      DATABASE_REPLICA_URLS: cluster.replica.url,
      REPLICA_CHECK_MS: '600000',
    });
    try {
      const readyz = async () =>
        ((await (await fetch(`${lazy.url}/readyz`)).json()) as { replicas: { usable: boolean }[] }).replicas[0]!;
      expect((await readyz()).usable).toBe(true);
      const listing = async () => {
        const from = lazy.stdout.length;
        const response = await fetch(`${lazy.url}/api/v1/iocs?type=domain&limit=100`, {
          headers: { authorization: `Bearer ${keys.b}` },
        });
        const body = (await response.json()) as { data: { value: string }[] };
        let line;
        for (let i = 0; i < 100 && !line; i++) {
          line = lazy.stdout
            .slice(from)
            .join('')
            .split('\n')
            .filter((text) => text.includes('"duration_ms"'))
            .map((text) => JSON.parse(text) as { path: string; database?: string })
            .findLast((entry) => entry.path === '/api/v1/iocs');
          if (!line) await new Promise((r) => setTimeout(r, 20));
        }
        return { status: response.status, values: body.data?.map((ioc) => ioc.value), database: line?.database };
      };
      expect((await listing()).database).toBe('replica 1');
      cluster.replica.stop();
      try {
        const read = await listing();
        expect(read).toMatchObject({ status: 200, database: 'primary' });
        expect(read.values).toContain('paused.b.example');
        // Skipped from then on, without waiting for a check.
        expect((await readyz()).usable).toBe(false);
        expect((await listing()).database).toBe('primary');
      } finally {
        cluster.replica.start();
      }
    } finally {
      await lazy.stop();
    }
    await replicaState(true);
  }, 60_000);

  it('keeps writes, key checks and background work on the primary', async () => {
    // A mutation by GraphQL: answered on the primary, its position kept for the workspace.
    const created = await call(keys.b, '/graphql', {
      method: 'POST',
      body: JSON.stringify({
        query: 'mutation { createWatchlist(input: { name: "Replica watch" }) { id name } }',
      }),
    });
    expect(created.database).toBe('primary');
    expect(created.body).toMatchObject({ data: { createWatchlist: { name: 'Replica watch' } } });
    const positions = await cluster.primary.query<{ workspace_id: string }>(
      'select workspace_id::text from workspace_wal_positions order by 1',
    );
    expect(positions.map((row) => row.workspace_id).sort()).toEqual([workspaces.a, workspaces.b].sort());
    // The operator sees them in the metrics too.
    const metricsUrl = /"url":"(http:[^"]+\/metrics)","msg":"metrics served"/.exec(server.stdout.join(''))![1]!;
    const metrics = await (await fetch(metricsUrl)).text();
    expect(metrics).toContain('db_replica_usable{replica="replica 1"} 1');
    expect(metrics).toMatch(/db_replica_lag_seconds\{replica="replica 1"\} \d/);
    // The replica's own connections are the server's reads only: no listener, no worker, no key check.
    const onReplica = await cluster.replica.query<{ query: string }>(
      "select query from pg_stat_activity where application_name = 'threat-intel-api' and query <> ''",
    );
    for (const { query } of onReplica) expect(query).not.toMatch(/^\s*(listen|insert|update|delete)\b/i);
  }, 60_000);
});

if (unsupported !== null) {
  describe('read replicas', () => {
    it.skip(`need a primary and a replica made here: ${unsupported}`, () => {});
  });
}
