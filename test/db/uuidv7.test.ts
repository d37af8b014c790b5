/**
 * Ids are UUID v7 whoever makes the row: the application, or the database's own statements (a leak
 * import's COPY, the alerts its statement raises, the webhook deliveries their trigger queues, an
 * IOC import's upsert). Their first 48 bits are the time the row was made.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/webhooks/secrets.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { importUlp, runCommand } from '../support/cli.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** The Unix milliseconds a v7 id holds. */
const millisecondsOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

describe('UUID v7 ids', () => {
  let t: TestApp;
  let dir: string;
  let started: number;

  beforeAll(async () => {
    t = await createTestApp({
      app: {
        webhooks: {
          secrets: SecretBox.ephemeral(),
          policy: { allowHttp: true, allowPrivate: true },
          retrySchedule: [60],
        },
      },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'ti-uuidv7-'));
    started = Date.now();
    const workspace = await t.createWorkspace({ scope: { domains: ['acme.example'] } });
    const { key } = await t.createKey(workspace.id);
    const post = (route: string, body: unknown) =>
      t.fetch(route, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/api/v1/watchlists', { name: 'w', entries: [{ type: 'domain', value: 'acme.example' }] })).status,
    ).toBe(201);
    expect((await post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook' })).status).toBe(201);
    const imported = await importUlp(t.database, dir, ['https://a.acme.example/:bob@acme.example:pw1']);
    expect(imported.json).toMatchObject({ created: 1, alerts: 1 });
    const csv = path.join(dir, 'iocs.csv');
    writeFileSync(csv, 'type,value\ndomain,bad.example\nipv4,203.0.113.7\n');
    expect((await runCommand(t.database, ['import', '--file', csv])).code).toBe(0);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('made by the database’s own statements are v7 and carry the time they were made', async () => {
    for (const table of ['credential_leaks', 'alerts', 'webhook_deliveries', 'iocs', 'audit_events']) {
      const rows = await t.database.rows<{ id: string }>(sql`select id::text from ${sql.identifier(table)}`);
      expect(rows.length, table).toBeGreaterThan(0);
      for (const { id } of rows) {
        expect(id, table).toMatch(V7);
        expect(millisecondsOf(id), table).toBeGreaterThanOrEqual(started - 1000);
        expect(millisecondsOf(id), table).toBeLessThanOrEqual(Date.now() + 1000);
      }
    }
  });

  it('made one after another sort in time order', async () => {
    const [row] = await t.database.rows<{ ids: string[] }>(
      // A pause before each id (the subquery names n, so it runs for every row): 50 ids over 100 ms or more.
      sql`select array_agg(id::text order by n) as ids from (select n, (select uuidv7() from pg_sleep(0.002 + n * 0)) as id from generate_series(1, 50) n) s`,
    );
    const prefixes = row!.ids.map(millisecondsOf);
    expect([...prefixes].sort((a, b) => a - b)).toEqual(prefixes);
    expect(prefixes.at(-1)! - prefixes[0]!).toBeGreaterThanOrEqual(90);
  });
});
