/**
 * The database going away under a running server (issue: hardening): a real server process on a
 * throwaway PostgreSQL cluster that the test stops, freezes and starts again. Requests get 503
 * `unavailable` in their documented body within a bounded time, `/readyz` says not ready, and the
 * server serves again (revocations included) once the database is back, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { createApiKey, revokeApiKey } from '../../src/keys/service.js';
import { PERMISSIONS } from '../../src/core/permissions.js';
import { addScopeEntry, createWorkspace } from '../../src/workspaces/service.js';
import { canMakeCluster, createCluster, type ThrowawayCluster } from '../support/cluster.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { within } from '../support/timing.js';

/** The server's REQUEST_TIMEOUT_MS here: a frozen database is answered 503 after this. */
const REQUEST_TIMEOUT_MS = 2000;

describe.skipIf(!canMakeCluster)('a real server whose database stops, freezes and comes back', () => {
  let cluster: ThrowawayCluster;
  let server: ServerProcess;
  let key: string;
  let keyId: string;

  beforeAll(async () => {
    cluster = await createCluster();
    const database = await openDatabase({ databaseUrl: cluster.url, poolSize: 1 });
    await migrateDatabase(database);
    await database.close();
    ({ key, id: keyId } = await newKey('Faults'));
    server = await spawnServer({ DATABASE_URL: cluster.url, REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) });
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await cluster?.remove();
  });

  /** A workspace (enterprise, scope example.com) and a key of it, made on the cluster. */
  async function newKey(name: string): Promise<{ key: string; id: string }> {
    const database = await openDatabase({ databaseUrl: cluster.url, poolSize: 1 });
    try {
      const workspace = await createWorkspace(database.db, { name, plan: 'enterprise', billingStatus: 'active' });
      await addScopeEntry(database.db, workspace.id, 'domain', 'example.com');
      const { secret, apiKey } = await createApiKey(database.db, {
        workspaceId: workspace.id,
        name,
        permissions: PERMISSIONS,
        grantor: null,
        actor: CLI_ACTOR,
      });
      return { key: secret, id: apiKey.id };
    } finally {
      await database.close();
    }
  }

  const get = async (path: string) => {
    const started = Date.now();
    const response = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': key } });
    return { response, text: await response.text(), ms: Date.now() - started };
  };
  const graphql = async () => {
    const started = Date.now();
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ query: '{ iocs(first: 1) { edges { cursor } } }' }),
    });
    return {
      response,
      body: (await response.json()) as { data?: unknown; errors?: { extensions: Record<string, unknown> }[] },
      ms: Date.now() - started,
    };
  };

  async function expectUnavailable(withinMs: number) {
    const soc = await get('/api/v1/iocs?limit=1');
    expect(soc.response.status).toBe(503);
    expect(soc.response.headers.get('retry-after')).toBe('1');
    expect(soc.text).toBe(
      JSON.stringify(
        {
          error: {
            code: 'unavailable',
            message: 'The service is temporarily unavailable. Retry later.',
            request_id: soc.response.headers.get('x-request-id'),
          },
        },
        null,
        2,
      ),
    );
    const defendis = await get('/api/v1/dataleaks/domain?domain=example.com');
    expect(defendis.response.status).toBe(503);
    expect(defendis.text).toBe('{ "error": "Service unavailable" }');
    const gql = await graphql();
    expect(gql.response.status).toBe(503);
    expect(gql.body.data).toBeUndefined();
    expect(gql.body.errors?.[0]?.extensions.code).toBe('unavailable');
    const ready = await get('/readyz');
    expect(ready.response.status).toBe(503);
    expect(JSON.parse(ready.text)).toEqual({ status: 'not_ready', reason: 'database unreachable' });
    for (const answer of [soc, defendis, gql, ready]) expect(answer.ms).toBeLessThan(withinMs);
  }

  async function waitUntilServing() {
    return within(
      async () =>
        (await get('/readyz')).response.status === 200 && (await get('/api/v1/iocs?limit=1')).response.status === 200,
      20_000,
      200,
    );
  }

  it('serves while the database is up', async () => {
    expect((await get('/api/v1/iocs?limit=1')).response.status).toBe(200);
    expect((await get('/readyz')).response.status).toBe(200);
  });

  it('answers 503 in every dialect at once when the database is stopped', async () => {
    await cluster.stop();
    // A refused connection is seen at once; the driver's connect timeout (5 s) bounds the rest.
    await expectUnavailable(6000);
  });

  it('serves again when the database is back, without a restart, with revocation still reaching it', async () => {
    await cluster.start();
    await waitUntilServing();
    expect((await graphql()).response.status).toBe(200);

    // The notification channel was subscribed again: a revocation made elsewhere is refused within a second.
    const database = await openDatabase({ databaseUrl: cluster.url, poolSize: 1 });
    try {
      await revokeApiKey(database.db, { id: keyId, actor: CLI_ACTOR });
    } finally {
      await database.close();
    }
    const took = await within(
      async () => {
        const { response } = await get('/api/v1/iocs?limit=1');
        expect([200, 401]).toContain(response.status);
        return response.status === 401;
      },
      3000,
      20,
    );
    expect(took).toBeLessThan(1000);
  });

  it('answers 503 within the request timeout when the database freezes, and serves again when it thaws', async () => {
    ({ key } = await newKey('Thaw'));
    expect((await get('/api/v1/iocs?limit=1')).response.status).toBe(200);

    await cluster.pause();
    try {
      await expectUnavailable(REQUEST_TIMEOUT_MS + 1500);
    } finally {
      await cluster.resume();
    }
    await waitUntilServing();
  });
});
