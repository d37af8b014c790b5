/**
 * Graceful shutdown (issue: hardening): on SIGTERM the server stops accepting, finishes the
 * requests in flight, writes the pending `last_used_at`, closes the database and exits 0.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';
import { spawnServer } from '../support/process.js';
import { until, within } from '../support/timing.js';

describe.skipIf(!serverUrl)('SIGTERM', () => {
  let t: TestApp;
  beforeAll(async () => (t = await createTestApp()));
  afterAll(() => t.close());

  it('finishes a request in flight, flushes last_used_at, and exits 0', async () => {
    const { id } = await t.createWorkspace();
    const key = await t.createKey(id);
    await t.database.rows(
      sql`insert into iocs (type, value, confidence, source) values ('domain', 'evil.example', 90, 'test')`,
    );
    const server = await spawnServer({ DATABASE_URL: t.url });
    const { port } = new URL(server.url);

    // A lookup whose body is still arriving when the signal comes.
    const body = JSON.stringify({ values: ['evil[.]example', 'unknown.example'] });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/iocs/lookup',
        headers: {
          authorization: `Bearer ${key.key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 700);
    });
    // The server took the request once it has counted it against the key's rate limit (its first
    // lease is written to rate_limit_windows as the key is checked, before the body is read).
    await until(
      () => t.database.rows(sql`select 1 from rate_limit_windows where key_id = ${key.id}::uuid`),
      (rows) => rows.length > 0,
      5000,
    );

    const lastUsed = async () =>
      (
        await t.database.rows<{ at: string | null }>(sql`select last_used_at as at from api_keys where id = ${key.id}`)
      )[0]!.at;
    // The use of the key by the request in flight is only in the server's memory so far.
    expect(await lastUsed()).toBeNull();

    const signalledAt = Date.now();
    const exited = server.stop('SIGTERM');
    // New connections are refused once the signal is taken (and soon after it is sent).
    expect(
      await within(
        () =>
          fetch(`${server.url}/healthz`).then(
            () => false,
            () => true,
          ),
        2000,
      ),
    ).toBeLessThan(2000);

    const { status, text } = await answer;
    expect(status).toBe(200);
    const data = JSON.parse(text).data as ({ value: string } | null)[];
    expect(data.map((ioc) => ioc?.value ?? null)).toEqual(['evil.example', null]);

    expect(await exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(await lastUsed()).not.toBeNull();
    expect(server.stdout.join('')).toContain('"msg":"shutting down"');
  });
});
