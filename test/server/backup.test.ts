/**
 * The README's backup and restore, run: `pg_dump -Fc` of a database in use, `pg_restore` into a
 * new database, the server started on it with the same WEBHOOK_SECRET_KEY. The API key made before
 * the dump still signs in, and a leak imported afterwards reaches the endpoint made before the
 * dump, signed with the secret shown then. PostgreSQL only; skipped where pg_dump is missing.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/webhooks/secrets.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';
import { cliProcess, spawnServer, type ServerProcess } from '../support/process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { until } from '../support/timing.js';

/** The client tools of the server's major version (a newer pg_dump reads an older server too). */
const BIN = ['/usr/lib/postgresql/15/bin', '/usr/bin'].find((dir) => existsSync(path.join(dir, 'pg_dump')));
const SECRET_KEY = randomBytes(32).toString('base64');

describe.skipIf(!serverUrl || !BIN)('backup and restore, as the README says', () => {
  let t: TestApp;
  let dir: string;
  let restored: { url: string; name: string };
  let server: ServerProcess | undefined;
  let receiver: Receiver;
  let key: string;
  let secret: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ti-backup-'));
    receiver = await startReceiver();
    t = await createTestApp({
      app: {
        webhooks: {
          secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')),
          policy: { allowHttp: true, allowPrivate: true },
          retrySchedule: [0.5],
        },
      },
    });
    const workspace = await t.createWorkspace({ scope: { domains: ['acme.example'] } });
    key = (await t.createKey(workspace.id)).key;
    const post = (route: string, body: unknown) =>
      t.fetch(route, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('/api/v1/watchlists', { name: 'Acme', entries: [{ type: 'domain', value: 'acme.example' }] });
    const endpoint = await post('/api/v1/webhooks', {
      url: receiver.url,
    });
    secret = ((await endpoint.json()) as { data: { secret: string } }).data.secret;
  });

  afterAll(async () => {
    await server?.stop('SIGTERM');
    receiver.close();
    if (restored) {
      const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS "${restored.name}" WITH (FORCE)`);
      await admin.end();
    }
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('dumps, restores into a new database, and the restored server signs in old keys and signs webhooks with old secrets', async () => {
    const dump = path.join(dir, 'threat-intel.dump');
    execFileSync(path.join(BIN!, 'pg_dump'), ['--format=custom', '--file', dump, t.url!]);

    const name = `ti_restored_${process.pid}_${randomBytes(3).toString('hex')}`;
    const url = new URL(serverUrl!);
    url.pathname = `/${name}`;
    restored = { url: url.toString(), name };
    const admin = postgres(serverUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    await admin.end();
    execFileSync(path.join(BIN!, 'pg_restore'), ['--no-owner', '--exit-on-error', '--dbname', restored.url, dump]);

    const env = {
      DATABASE_URL: restored.url,
      WEBHOOK_SECRET_KEY: SECRET_KEY,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
    };
    server = await spawnServer(env);
    // Nothing to migrate: the dump holds the schema and its migration journal.
    expect(server.stdout.join('')).not.toContain('migrations applied');
    const viewer = await fetch(`${server.url}/api/v1/watchlists`, { headers: { authorization: `Bearer ${key}` } });
    expect(viewer.status).toBe(200);
    expect(((await viewer.json()) as { data: { name: string }[] }).data.map((w) => w.name)).toEqual(['Acme']);

    writeFileSync(path.join(dir, 'after.txt'), 'https://sso.acme.example/:restored@acme.example:pw\n');
    const imported = await cliProcess(env, [
      'leaks',
      'import',
      '--file',
      path.join(dir, 'after.txt'),
      '--format',
      'ulp',
      '--source',
      'after the restore',
      '--source-type',
      'stealer_log',
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    await until(
      () => Promise.resolve(receiver.received.length),
      (count) => count === 1,
      20_000,
      100,
    );
    const delivery = receiver.received[0]!;
    const payload = new Webhook(secret).verify(delivery.body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    }) as { type: string; data: { record: { email: string } } };
    expect(payload).toMatchObject({ type: 'alert.created', data: { record: { email: 'restored@acme.example' } } });
  }, 90_000);
});
