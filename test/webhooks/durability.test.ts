/**
 * Deliveries wait in PostgreSQL (docs/api.md §10), proven with the real server as separate processes
 * on one database: two processes make each attempt once; a server killed with SIGKILL while
 * deliveries are pending loses none (after a restart each is delivered, with the same
 * `webhook-id` it had); connections to the database cut under a running server, and deliveries
 * resume.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/webhooks/secrets.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { serverUrl } from '../support/database.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { until } from '../support/timing.js';

const SECRET_KEY = randomBytes(32).toString('base64');

describe.skipIf(!serverUrl)('webhook deliveries across processes', () => {
  let t: TestApp;
  let dir: string;
  let key: string;
  let base: string;
  let receiver: http.Server;
  /** `webhook-id` of every request received, in order. */
  const received: string[] = [];
  let answer = 200;
  let servers: ServerProcess[] = [];

  const env = () => ({
    DATABASE_URL: t.url,
    WEBHOOK_SECRET_KEY: SECRET_KEY,
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_RETRY_SCHEDULE: '0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5',
  });

  let files = 0;
  async function leaks(count: number) {
    const file = path.join(dir, `${++files}.txt`);
    writeFileSync(
      file,
      Array.from(
        { length: count },
        (_, i) => `https://s${files}-${i}.acme.example/:u${i}@gmail.test:pw-${files}-${i}`,
      ).join('\n'),
    );
    const result = await runCommand(t.database, [
      'leaks',
      'import',
      '--file',
      file,
      '--format',
      'ulp',
      '--source',
      `batch-${files}`,
      '--source-type',
      'stealer_log',
    ]);
    expect(result.json).toMatchObject({ created: count, alerts: count });
  }

  const deliveries = () =>
    t.database.rows<{ id: string; status: string; attempts: number }>(sql`
    select d.id, d.status::text, (select count(*)::int from webhook_attempts a where a.delivery_id = d.id) as attempts from webhook_deliveries d order by d.created_at, d.id`);

  beforeAll(async () => {
    t = await createTestApp({
      app: {
        webhooks: {
          secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')),
          policy: { allowHttp: true, allowPrivate: true },
          retrySchedule: [0.5],
        },
      },
    });
    dir = mkdtempSync(path.join(os.tmpdir(), 'ti-durability-'));
    receiver = http.createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(String(request.headers['webhook-id']));
        response.writeHead(answer).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const workspace = await t.createWorkspace({ scope: { domains: ['acme.example'] } });
    key = (await t.createKey(workspace.id)).key;
    const call = (url: string, body: unknown) =>
      t.fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
    expect(
      (await call('/api/v1/watchlists', { name: 'w', entries: [{ type: 'domain', value: 'acme.example' }] })).status,
    ).toBe(201);
    expect((await call('/api/v1/webhooks', { url: `${base}/hook` })).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop('SIGKILL')));
    receiver.closeAllConnections();
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('makes each attempt once with two processes on one database', async () => {
    servers = await Promise.all([spawnServer(env()), spawnServer(env())]);
    await leaks(40);
    await until(
      deliveries,
      (rows) => rows.length === 40 && rows.every((row) => row.status === 'delivered'),
      20_000,
      100,
    );
    // Stopped, the processes can make no more attempts: what is stored and received now is final.
    await Promise.all(servers.map((server) => server.stop()));
    const done = await deliveries();
    expect(done.every((row) => row.attempts === 1)).toBe(true);
    expect(received).toHaveLength(40);
    expect(new Set(received).size).toBe(40);
    servers = [];
  });

  it('loses nothing to a SIGKILL: pending deliveries are delivered after a restart, with the same webhook-id', async () => {
    received.length = 0;
    answer = 503;
    const first = await spawnServer(env());
    servers = [first];
    await leaks(10);
    // Every delivery has failed at least once and waits for its retry.
    await until(
      deliveries,
      (rows) => rows.filter((row) => row.status === 'pending' && row.attempts >= 1).length === 10,
      20_000,
      100,
    );
    expect(await first.stop('SIGKILL')).toBeNull();
    servers = [];
    const failedIds = new Set(received);
    expect(failedIds.size).toBe(10);

    answer = 200;
    received.length = 0;
    servers = [await spawnServer(env())];
    const rows = await until(
      deliveries,
      (all) => all.filter((row) => row.status !== 'delivered').length === 0,
      20_000,
      100,
    );
    expect(rows).toHaveLength(50);
    // Delivered under the ids they had before the kill.
    for (const id of failedIds) expect(received).toContain(id);
  });

  it('resumes after its connections to the database are cut', async () => {
    received.length = 0;
    answer = 503;
    await leaks(5);
    await until(
      deliveries,
      (all) => all.filter((row) => row.status === 'pending' && row.attempts >= 1).length === 5,
      20_000,
      100,
    );
    // Every connection to the database goes (the server's and this test's own), as when it restarts.
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    try {
      const database = new URL(t.url!).pathname.slice(1);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
      answer = 200;
      const watch = postgres(t.url!, { max: 1, onnotice: () => {} });
      try {
        const pending = async () =>
          (await watch`select count(*)::int as n from webhook_deliveries where status <> 'delivered'`)[0]!.n as number;
        await until(pending, (n) => n === 0, 20_000, 100);
      } finally {
        await watch.end();
      }
      expect(new Set(received).size).toBe(5);
    } finally {
      await admin.end();
    }
  });

  it('feeds the alert stream of a server process from alerts another process raised', async () => {
    answer = 200;
    const controller = new AbortController();
    const stream = await fetch(`${servers[0]!.url}/api/v1/alerts/stream`, {
      headers: { authorization: `Bearer ${key}` },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    // The stream's start was fixed before it answered 200 (src/alerts/schema.ts): what comes now is ahead of it.
    await leaks(2);
    let text = '';
    const deadline = Date.now() + 10_000;
    while ((text.match(/event: alert/g) ?? []).length < 2 && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect((text.match(/event: alert/g) ?? []).length).toBe(2);
  });
});
