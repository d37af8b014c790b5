/**
 * Two workspaces on one server (docs/api.md §12: no tenant's worst may slow another): the real server
 * as its own process (its settings, its pool of two connections, its webhook worker, the plans'
 * request limits), the callers in this one, so that the noisy caller's own work does not run on
 * the server's event loop as it would in-process. The noisy one, on the free plan, does its worst at once, as fast as it can,
 * until its minute's 60 requests are spent (then it only gets 429s) and beyond with no key at all: keyword entries up to its plan's limit, all sharing one
 * prefix; two webhook endpoints that never answer, with deliveries queued; thousands of alerts and
 * documents of five `alertSummary(days: 366)` aliases (the most the cost rule lets through); key headers padded with
 * white space; an envelope whose STIX pattern is 100,000 characters. Meanwhile the quiet one lists
 * its IOCs and watchlists and waits for a webhook delivery: each is timed against itself alone.
 */
import http from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownCollectionId } from '../../src/taxii/collections.js';
import { SecretBox } from '../../src/webhooks/secrets.js';
import type { WebhookSettings } from '../../src/webhooks/settings.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { importUlp } from '../support/cli.js';
import { serverUrl } from '../support/database.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { insertIocs } from '../support/fixtures.js';
import { medianTime, until } from '../support/timing.js';
import { TAXII_ACCEPT } from '../taxii/client.js';

const SECRET_KEY = randomBytes(32).toString('base64');
const settings: WebhookSettings = {
  secrets: new SecretBox(Buffer.from(SECRET_KEY, 'base64')),
  policy: { allowHttp: true, allowPrivate: true },
  retrySchedule: [1],
};

let t: TestApp;
let server: ServerProcess;
let receiver: http.Server;
let hooks: string;
let dir: string;
const deliveredAt = new Map<string, number>();

beforeAll(async () => {
  if (!serverUrl) return;
  t = await createTestApp({ app: { webhooks: settings } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-fair-tenants-'));
  receiver = http.createServer((request, response) => {
    request.resume().on('end', () => {
      if (request.url?.startsWith('/dead')) return; // never answers
      deliveredAt.set(request.url ?? '/', performance.now());
      response.writeHead(204).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  server = await spawnServer({
    DATABASE_URL: t.url,
    WEBHOOK_SECRET_KEY: SECRET_KEY,
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });
  await insertIocs(t.database.db, [{ type: 'ipv4', value: '203.0.113.9' }]);
}, 60_000);

afterAll(async () => {
  if (!serverUrl) return;
  await server.stop('SIGKILL');
  receiver.closeAllConnections();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

async function call(
  key: string,
  urlPath: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${server.url}${urlPath}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, text };
}

// Separate processes on one database need a database server; the embedded database admits one process.
describe.skipIf(!serverUrl)(
  'one tenant at its worst, another at work (needs DATABASE_URL: the server runs as its own process)',
  () => {
    it('the quiet workspace’s listings and deliveries stay within their normal time', async () => {
      // The quiet workspace: a watchlist, an endpoint that answers.
      const quiet = await t.createWorkspace({ scope: { domains: ['quiet.example'] } });
      const quietKey = (await t.createKey(quiet.id)).key;
      expect(
        (
          await call(quietKey, '/api/v1/watchlists', {
            method: 'POST',
            body: { name: 'brand', entries: [{ type: 'domain', value: 'quiet.example' }] },
          })
        ).status,
      ).toBe(201);
      expect(
        (await call(quietKey, '/api/v1/webhooks', { method: 'POST', body: { url: `${hooks}/quiet` } })).status,
      ).toBe(201);

      // The noisy workspace, set up to do its worst.
      const noisy = await t.createWorkspace({ plan: 'free', scope: { domains: ['noisy.example'] } });
      const noisyKey = (await t.createKey(noisy.id)).key;
      const keywords = Array.from({ length: 99 }, (_, i) => ({ type: 'keyword', value: `http-${i}` }));
      expect(
        (
          await call(noisyKey, '/api/v1/watchlists', {
            method: 'POST',
            body: { name: 'w', entries: [{ type: 'domain', value: 'noisy.example' }, ...keywords] },
          })
        ).status,
      ).toBe(201);
      for (const name of ['/dead-1', '/dead-2'])
        expect(
          (await call(noisyKey, '/api/v1/webhooks', { method: 'POST', body: { url: `${hooks}${name}` } })).status,
        ).toBe(201);
      // Its IOC submissions match its own keywords: 300 alerts, each queued for both dead endpoints.
      const submitted = await call(noisyKey, '/api/v1/iocs', {
        method: 'POST',
        body: {
          iocs: Array.from({ length: 300 }, (_, i) => ({
            type: 'url',
            value: `http://http-${i % 99}.noisy-phish.test/${i}`,
          })),
        },
      });
      expect(submitted.status).toBe(200);
      await t.database.rows(sql`
      insert into alerts (workspace_id, watchlist_id, entry_type, entry_value, kind, record_id, created_at)
      select ${noisy.id}::uuid, (select id from watchlists where workspace_id = ${noisy.id}::uuid), 'keyword', 'http', 'ioc', gen_random_uuid(), now() - make_interval(days => i % 366)
      from generate_series(1, 20000) as i`);

      const listing = () => call(quietKey, '/api/v1/iocs?limit=1');
      const watchlists = () => call(quietKey, '/api/v1/watchlists');
      let leaks = 0;
      const delivery = async () => {
        const user = `user${++leaks}`;
        const started = performance.now();
        // Read before the import: its delivery may arrive before the import's own answer does.
        const before = deliveredAt.get('/quiet') ?? 0;
        expect(
          (await importUlp(t.database, dir, [`https://sso.quiet.example/:${user}@quiet.example:pw-${user}`])).json,
        ).toMatchObject({ alerts: 1 });
        try {
          return (
            (await until(
              () => deliveredAt.get('/quiet') ?? 0,
              (at) => at !== before,
            )) - started
          );
        } catch (error) {
          const rows = await t.database.rows(sql`
            select d.status, d.attempt_count, d.locked_until, d.next_attempt_at, d.created_at, now() as now,
              (select json_agg(json_build_object('at', a.at, 'status', a.status, 'error', a.error, 'ms', a.duration_ms)) from webhook_attempts a where a.delivery_id = d.id) as attempts
            from webhook_deliveries d where d.workspace_id = ${quiet.id}::uuid order by d.created_at desc limit 2`);
          throw new Error(`${(error as Error).message}; the quiet deliveries: ${JSON.stringify(rows)}`);
        }
      };
      await listing();
      const alone = {
        listing: await medianTime(listing),
        watchlists: await medianTime(watchlists),
        delivery: await medianTime(delivery, 3),
      };

      // The worst, all at once, for as long as the quiet workspace is measured.
      let stop = false;
      // The most a document may ask (five; thirty, as the review sent, is refused by the cost rule).
      const summaries = `{ ${Array.from({ length: 5 }, (_, i) => `s${i}: alertSummary(days: 366) { newByKind { count } daily { count } }`).join(' ')} }`;
      const envelope = JSON.stringify({
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
            created: '2026-01-01T00:00:00Z',
            modified: '2026-01-01T00:00:00Z',
            pattern: `[${'a'.repeat(100_000)}`,
            pattern_type: 'stix',
            valid_from: '2026-01-01T00:00:00Z',
          },
        ],
      });
      const loops = [
        async () => {
          expect([200, 429]).toContain(
            (await call(noisyKey, '/graphql', { method: 'POST', body: { query: summaries } })).status,
          );
        },
        // The review's shape: 25 padded headers in flight at a time.
        async () => {
          await Promise.all(
            Array.from({ length: 25 }, () =>
              call('x', '/api/v1/iocs', { headers: { authorization: `Bearer ${' '.repeat(16_000)}x` } }),
            ),
          );
        },
        async () => {
          await call(noisyKey, `/taxii2/api/collections/${ownCollectionId(noisy.id)}/objects/`, {
            method: 'POST',
            body: envelope,
            headers: { accept: TAXII_ACCEPT, 'content-type': TAXII_ACCEPT },
          });
        },
        async () => {
          await call(noisyKey, '/api/v1/iocs', {
            method: 'POST',
            body: {
              iocs: Array.from({ length: 200 }, (_, i) => ({
                type: 'domain',
                value: `http-${i % 99}.again-${Date.now()}.test`,
              })),
            },
          });
        },
      ];
      // Each loop counts its rounds: the quiet workspace is measured once every loop has gone round twice.
      const rounds = loops.map(() => 0);
      const running = loops.map(async (loop, i) => {
        while (!stop) {
          await loop();
          rounds[i]!++;
        }
      });
      let during: typeof alone;
      try {
        await until(
          () => Math.min(...rounds),
          (n) => n >= 2,
          30_000,
        );
        during = {
          listing: await medianTime(listing),
          watchlists: await medianTime(watchlists),
          delivery: await medianTime(delivery, 3),
        };
      } finally {
        stop = true;
        await Promise.all(running);
      }
      const figures = Object.fromEntries(
        Object.keys(alone).map((name) => [
          name,
          `${alone[name as keyof typeof alone].toFixed(1)} ms alone, ${during[name as keyof typeof alone].toFixed(1)} ms beside the noisy workspace`,
        ]),
      );
      console.log('tenant fairness:', JSON.stringify(figures));
      // The machine has two cores shared by both tenants, the database and the test files running
      // beside this one: the noisy workspace's own work takes its share of them, so a few times the
      // time alone is expected. What the review found was seconds (3.4 s to 75 s): nothing of the
      // noisy workspace's may queue the quiet one's behind it.
      expect(during.listing / Math.max(alone.listing, 5)).toBeLessThan(20);
      expect(during.watchlists / Math.max(alone.watchlists, 5)).toBeLessThan(20);
      // The contract's bound for deliveries: at most 5 s later, whatever the other's endpoints do.
      expect(during.delivery - alone.delivery).toBeLessThan(5_000);
      // The noisy workspace's deliveries held at most two attempts per endpoint all along.
      const [leased] = await t.database.rows<{ n: number }>(
        sql`select count(*)::int as n from webhook_deliveries where workspace_id = ${noisy.id}::uuid and status = 'pending' and locked_until > now()`,
      );
      expect(leased!.n).toBeLessThanOrEqual(4);
    }, 120_000);
  },
);
