/**
 * The real server as separate processes on loopback ports: revocation made anywhere is refused by
 * every process within one second, and the log lines never hold a key or an auth header value.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/auth/keyFormat.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { revokeApiKey } from '../../src/keys/service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { clockPasses, until } from '../support/timing.js';

describe.skipIf(!serverUrl)('two server processes on one PostgreSQL database', () => {
  let t: TestApp;
  let servers: ServerProcess[] = [];
  let workspaceId: string;

  beforeAll(async () => {
    t = await createTestApp();
    ({ id: workspaceId } = await t.createWorkspace());
    servers = await Promise.all([spawnServer({ DATABASE_URL: t.url }), spawnServer({ DATABASE_URL: t.url })]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await t.close();
  });

  const viewer = (server: ServerProcess, headers: Record<string, string>) =>
    fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ viewer { key { name } } }' }),
    });

  it('refuses a key revoked through one process on the other within one second', async () => {
    const { id, key } = await t.createKey(workspaceId);
    for (const server of servers) expect((await viewer(server, { authorization: `Bearer ${key}` })).status).toBe(200);

    await revokeApiKey(t.database.db, { id, actor: CLI_ACTOR });
    const revokedAt = Date.now();
    const elapsed = await Promise.all(
      servers.map(async (server) => {
        const refused = await until(
          () => viewer(server, { 'x-api-key': key }),
          (response) => response.status === 401,
          3000,
          20,
        );
        const body = (await refused.json()) as { errors: { extensions: { code: string } }[] };
        expect(body.errors[0]!.extensions.code).toBe('expired_api_key');
        return Date.now() - revokedAt;
      }),
    );
    for (const ms of elapsed) expect(ms).toBeLessThan(1000);
  });

  it('refuses a key rotated with no grace period through one process on the other within one second', async () => {
    const admin = await t.createKey(workspaceId);
    const { id, key } = await t.createKey(workspaceId);
    expect((await viewer(servers[1]!, { 'x-api-key': key })).status).toBe(200);
    const rotation = await fetch(`${servers[0]!.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.key}` },
      body: JSON.stringify({ query: `mutation { rotateApiKey(id: "${id}", gracePeriodSeconds: 0) { secret } }` }),
    });
    const rotatedAt = Date.now();
    const { data } = (await rotation.json()) as { data: { rotateApiKey: { secret: string } } };
    await until(
      () => viewer(servers[1]!, { 'x-api-key': key }),
      (response) => response.status === 401,
      3000,
      20,
    );
    expect(Date.now() - rotatedAt).toBeLessThan(1000);
    expect((await viewer(servers[1]!, { 'x-api-key': data.rotateApiKey.secret })).status).toBe(200);
    // The secret the rotation returned was not written to either process's log.
    for (const server of servers) expect(server.stdout.join('')).not.toContain(data.rotateApiKey.secret.slice(20));
  });

  it('holds a key to the rate limit of its plan across both processes', async () => {
    // Default limits: a free key may make 60 requests a minute. Start well inside a minute.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await clockPasses(60_000 - intoMinute + 100);
    const free = await t.createWorkspace({ plan: 'free' });
    const { key } = await t.createKey(free.id);
    const statuses: number[] = [];
    for (let i = 0; i < 80; i++) {
      const response = await fetch(`${servers[i % 2]!.url}/api/v1/iocs?limit=1`, { headers: { 'x-api-key': key } });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    const admitted = statuses.filter((s) => s === 200).length;
    // Each process leases 2 tokens at a time: at most one lease of the other process goes unused.
    expect(admitted).toBeLessThanOrEqual(60);
    expect(admitted).toBeGreaterThanOrEqual(58);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
  });

  it('streams an IOC written elsewhere to an event stream of another process', async () => {
    const { key } = await t.createKey(workspaceId);
    const controller = new AbortController();
    const response = await fetch(`${servers[1]!.url}/api/v1/iocs/stream?type=domain`, {
      headers: { 'x-api-key': key },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    // Written through the test's own connection: only the database's NOTIFY can tell the server.
    await t.database.rows(
      sql`insert into iocs (type, value, source) values ('domain', 'across-processes.example', 'test')`,
    );
    let text = '';
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const until = Date.now() + 10_000;
    while (!text.includes('across-processes.example') && Date.now() < until)
      text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    expect(text).toMatch(/event: ioc\ndata: \{[^\n]*"value":"across-processes\.example"/);
  });

  it('logs one JSON line per request, and no key or header value in any line', async () => {
    const good = await t.createKey(workspaceId);
    const wrong = formatApiKey(good.prefix + 'w'.repeat(24));
    const secrets = [good.key, wrong, 'sk_live_tooshort', 'Basic dXNlcjpwYXNz'];
    const [server] = servers;
    const sent = [
      viewer(server!, { authorization: `Bearer ${good.key}` }),
      viewer(server!, { 'x-api-key': good.key }),
      viewer(server!, { authorization: `Bearer ${wrong}` }),
      viewer(server!, { authorization: 'Bearer sk_live_tooshort' }),
      viewer(server!, { authorization: 'Basic dXNlcjpwYXNz' }),
      fetch(`${server!.url}/graphql?api_key=${good.key}`),
      fetch(`${server!.url}/api/v1/iocs?token=${good.key}`, { headers: { 'x-api-key': good.key } }),
    ];
    const ids = (await Promise.all(sent)).map((r) => r.headers.get('x-request-id'));
    // Each request is logged as it ends: once every id is in the log, it holds all there is to read.
    await until(
      () => server!.stdout.join(''),
      (text) => ids.every((id) => text.includes(id!)),
    );

    const lines = server!.stdout.join('').split('\n').filter(Boolean);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toContain(good.key.slice(20));
    }
    for (const id of ids) {
      const line = lines.find((l) => l.includes(id!));
      expect(line, id!).toBeDefined();
      expect(JSON.parse(line!)).toMatchObject({
        method: expect.any(String),
        status: expect.any(Number),
        duration_ms: expect.any(Number),
      });
    }
    const keyed = JSON.parse(lines.find((l) => l.includes(ids[0]!))!);
    expect(keyed).toMatchObject({
      path: '/graphql',
      status: 200,
      key_prefix: `sk_live_${good.prefix}`,
      workspace_id: workspaceId,
    });
  });
});
