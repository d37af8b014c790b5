/**
 * Findings 5, 7, 11 and 12 of the second security review (docs/api.md §10, §12): webhooks that carried
 * what the API hides, URLs that reached loopback through IPv4-compatible IPv6, refusals that
 * mapped internal DNS, and one tenant's dead endpoints delaying everyone's deliveries.
 */
import http from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { SecretBox } from '../../src/webhooks/secrets.js';
import type { WebhookSettings } from '../../src/webhooks/settings.js';
import { addressRefusal, allowedAddress, STRICT_POLICY } from '../../src/http/urlPolicy.js';
import { DeliveryWorker } from '../../src/webhooks/worker.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { importUlp } from '../support/cli.js';
import { until } from '../support/timing.js';

const settings: WebhookSettings = {
  secrets: SecretBox.ephemeral(),
  policy: { allowHttp: true, allowPrivate: true },
  retrySchedule: [0.2, 0.2, 0.2],
};

let t: TestApp;
let dir: string;
let worker: DeliveryWorker;
const received: { path: string; body: string; at: number }[] = [];
/** Requests each path holds open right now, and the most it ever held. */
const open = new Map<string, { now: number; most: number }>();
let receiver: http.Server;
let base: string;

beforeAll(async () => {
  t = await createTestApp({ app: { webhooks: settings } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-fair-webhooks-'));
  receiver = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const where = request.url ?? '/';
      received.push({ path: where, body, at: performance.now() });
      const held = open.get(where) ?? { now: 0, most: 0 };
      held.now++;
      held.most = Math.max(held.most, held.now);
      open.set(where, held);
      request.socket.once('close', () => held.now--);
      if (request.url?.startsWith('/dead')) return; // never answers
      response.writeHead(200).end('ok');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
  worker = new DeliveryWorker(t.database, settings, logger, { pollMs: 50, timeoutMs: 3_000 });
  await worker.start();
});

afterAll(async () => {
  await worker.close();
  receiver.closeAllConnections();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

async function call(url: string, key: string, init: { method?: string; body?: unknown } = {}) {
  const response = await t.fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${key}` },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

describe('finding 7: deliveries carry only what may be read, and only readers may redirect them', () => {
  let workspace: { id: string };
  let admin: string;
  let webhooksOnly: string;
  let endpointId: string;

  beforeAll(async () => {
    workspace = await t.createWorkspace({ scope: { domains: ['leaky.example'] } });
    admin = (await t.createKey(workspace.id)).key;
    webhooksOnly = (await t.createKey(workspace.id, { permissions: ['webhooks:read', 'webhooks:write'] })).key;
    expect(
      (
        await call('/api/v1/watchlists', admin, {
          method: 'POST',
          body: { name: 'w', entries: [{ type: 'domain', value: 'leaky.example' }] },
        })
      ).status,
    ).toBe(201);
    endpointId = (await call('/api/v1/webhooks', admin, { method: 'POST', body: { url: `${base}/admin-receiver` } }))
      .json.data.id;
    const imported = await importUlp(t.database, dir, [
      'https://sso.leaky.example/login:ceo@leaky.example:Winter2026!',
    ]);
    expect(imported.json).toMatchObject({ alerts: 1 });
    await until(
      () => received.filter((r) => r.path === '/admin-receiver').length,
      (n) => n === 1,
    );
  });

  it('a key with only webhooks:read and webhooks:write cannot point an endpoint elsewhere, enable it, create one or retry', async () => {
    const forbidden = {
      error:
        'Forbidden: changing an endpoint’s URL or enabling it needs dataleaks:read and iocs:read besides webhooks:write: deliveries carry what those permissions read.',
    };
    expect(
      await call(`/api/v1/webhooks/${endpointId}`, webhooksOnly, {
        method: 'PATCH',
        body: { url: `${base}/attacker` },
      }),
    ).toEqual({ status: 403, json: forbidden });
    expect(
      await call(`/api/v1/webhooks/${endpointId}`, webhooksOnly, { method: 'PATCH', body: { enabled: true } }),
    ).toEqual({ status: 403, json: forbidden });
    expect(
      (await call('/api/v1/webhooks', webhooksOnly, { method: 'POST', body: { url: `${base}/attacker` } })).status,
    ).toBe(403);
    const [delivery] = (await call(`/api/v1/webhooks/${endpointId}/deliveries`, admin)).json.data;
    expect(await call(`/api/v1/webhooks/deliveries/${delivery.id}/retry`, webhooksOnly, { method: 'POST' })).toEqual({
      status: 403,
      json: {
        error:
          'Forbidden: retrying this delivery needs dataleaks:read besides webhooks:write: deliveries carry what those permissions read.',
      },
    });
    // What changes no destination stays open to it; the endpoint still points where it did.
    expect(
      (
        await call(`/api/v1/webhooks/${endpointId}`, webhooksOnly, {
          method: 'PATCH',
          body: { description: 'renamed' },
        })
      ).status,
    ).toBe(200);
    expect((await call('/api/v1/webhooks', admin)).json.data[0].url).toBe(`${base}/admin-receiver`);
    expect(received.some((r) => r.path === '/attacker')).toBe(false);
  });

  it('after billing turns past_due, a retried delivery no longer carries the leak record', async () => {
    const first = JSON.parse(received.find((r) => r.path === '/admin-receiver')!.body);
    expect(first.data.record).toMatchObject({ email: 'ceo@leaky.example' });
    await t.database.rows(sql`update workspaces set billing_status = 'past_due' where id = ${workspace.id}`);
    const [delivery] = (await call(`/api/v1/webhooks/${endpointId}/deliveries`, admin)).json.data;
    expect((await call(`/api/v1/webhooks/deliveries/${delivery.id}/retry`, admin, { method: 'POST' })).status).toBe(
      200,
    );
    const again = await until(
      () => received.filter((r) => r.path === '/admin-receiver'),
      (list) => list.length === 2,
    );
    const resent = JSON.parse(again[1]!.body);
    expect(resent.data).toMatchObject({ id: first.data.id, kind: 'credential_leak', record: null });
    expect(again[1]!.body).not.toContain('leaky.example:');
    expect(again[1]!.body).not.toContain('ceo@');
  });
});

describe('finding 11: IPv6 forms that embed an IPv4 address are judged by it', () => {
  it.each([
    ['::127.0.0.1', 'is a loopback address'],
    ['::a00:1', 'is a private address'],
    ['::ffff:127.0.0.1', 'is a loopback address'],
    ['::ffff:a9fe:a9fe', 'is a cloud metadata address'],
    ['::169.254.169.254', 'is a cloud metadata address'],
  ])('%s %s', (address, reason) => {
    expect(addressRefusal(address, STRICT_POLICY)).toBe(reason);
  });

  it('https://[::127.0.0.1]/ and https://[::a00:1]/ are refused as endpoint URLs', async () => {
    const key = (await t.createKey((await t.createWorkspace()).id)).key;
    const strictApp = await createTestApp();
    try {
      const strictKey = (await strictApp.createKey((await strictApp.createWorkspace()).id)).key;
      for (const url of ['https://[::127.0.0.1]/', 'https://[::a00:1]/']) {
        const response = await strictApp.fetch('/api/v1/webhooks', {
          method: 'POST',
          headers: { authorization: `Bearer ${strictKey}` },
          body: JSON.stringify({ url }),
        });
        expect(response.status).toBe(400);
        expect(await response.text()).toMatch(
          /is a (loopback|private) address; webhooks and workspace feeds reach public addresses only \(a server started with WEBHOOK_ALLOW_PRIVATE=true, for development, also reaches loopback and private ones\)\./,
        );
      }
    } finally {
      await strictApp.close();
    }
    expect(key).toMatch(/^sk_live_/);
  });
});

describe('finding 12: a refused host name says nothing of where it points', () => {
  it('a name that resolves to loopback and a name that does not resolve get the same sentence, with no address', async () => {
    const loopback = await allowedAddress(new URL('https://localhost/hook'), STRICT_POLICY).catch(
      (error: Error) => error.message,
    );
    const missing = await allowedAddress(new URL('https://no-such-host.invalid/hook'), STRICT_POLICY).catch(
      (error: Error) => error.message,
    );
    expect(loopback).toBe(
      'has a host that does not resolve to public addresses only (a server started with WEBHOOK_ALLOW_PRIVATE=true, for development, also reaches loopback and private ones).',
    );
    expect(missing).toBe(loopback);
    expect(loopback).not.toMatch(/127\.0\.0\.1|::1/);
  });
});

describe('finding 5: one tenant’s dead endpoints do not delay another’s deliveries', () => {
  it('54 deliveries queued for two endpoints that never answer leave another workspace’s delivery within its normal time', async () => {
    // The other tenant's delivery alone first: the control.
    const healthy = await t.createWorkspace({ scope: { domains: ['healthy.example'] } });
    const healthyKey = (await t.createKey(healthy.id)).key;
    expect(
      (
        await call('/api/v1/watchlists', healthyKey, {
          method: 'POST',
          body: { name: 'w', entries: [{ type: 'domain', value: 'healthy.example' }] },
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('/api/v1/webhooks', healthyKey, { method: 'POST', body: { url: `${base}/healthy` } })).status,
    ).toBe(201);
    const deliveredAfter = async (user: string) => {
      const before = received.filter((r) => r.path === '/healthy').length;
      const started = performance.now();
      expect(
        (await importUlp(t.database, dir, [`https://sso.healthy.example/:${user}@healthy.example:pw-${user}`])).json,
      ).toMatchObject({ alerts: 1 });
      const list = await until(
        () => received.filter((r) => r.path === '/healthy'),
        (l) => l.length > before,
      );
      return list[before]!.at - started;
    };
    const alone = await deliveredAfter('control');

    // The noisy tenant: two endpoints that never answer, 27 alerts each.
    const noisy = await t.createWorkspace({ scope: { domains: ['noisy.example'] } });
    const noisyKey = (await t.createKey(noisy.id)).key;
    expect(
      (
        await call('/api/v1/watchlists', noisyKey, {
          method: 'POST',
          body: { name: 'w', entries: [{ type: 'domain', value: 'noisy.example' }] },
        })
      ).status,
    ).toBe(201);
    for (const name of ['/dead-1', '/dead-2'])
      expect(
        (await call('/api/v1/webhooks', noisyKey, { method: 'POST', body: { url: `${base}${name}` } })).status,
      ).toBe(201);
    const lines = Array.from({ length: 27 }, (_, i) => `https://sso.noisy.example/:user${i}@noisy.example:pw-${i}`);
    expect((await importUlp(t.database, dir, lines)).json).toMatchObject({ alerts: 27 });
    await until(
      () => received.filter((r) => r.path.startsWith('/dead')).length,
      (n) => n >= 4,
    );

    const underLoad = await deliveredAfter('during');
    // Before the fix the worker waited for a batch of ten dead attempts (the 3 s timeout here) at a time.
    expect(underLoad).toBeLessThan(3_000);
    expect(underLoad / Math.max(alone, 50)).toBeLessThan(10);
    // At most two attempts to one endpoint at once, however many wait.
    expect(open.get('/dead-1')!.most).toBeLessThanOrEqual(2);
    expect(open.get('/dead-2')!.most).toBeLessThanOrEqual(2);
    console.log(
      `another workspace's delivery: ${alone.toFixed(0)} ms alone, ${underLoad.toFixed(0)} ms behind 54 deliveries to two dead endpoints`,
    );
    await t.database.rows(sql`update webhook_endpoints set enabled = false where workspace_id = ${noisy.id}::uuid`);
  }, 60_000);

  it('an endpoint with 10,000 deliveries waiting is paused with its reason; nothing is dropped', async () => {
    const workspace = await t.createWorkspace({ scope: { domains: ['backlog.example'] } });
    const key = (await t.createKey(workspace.id)).key;
    expect(
      (
        await call('/api/v1/watchlists', key, {
          method: 'POST',
          body: { name: 'w', entries: [{ type: 'domain', value: 'backlog.example' }] },
        })
      ).status,
    ).toBe(201);
    const endpoint = (await call('/api/v1/webhooks', key, { method: 'POST', body: { url: `${base}/dead-backlog` } }))
      .json.data;
    // Far in the future, so that the worker leaves them alone: a backlog that has piled up.
    await t.database.rows(sql`update webhook_endpoints set enabled = false where id = ${endpoint.id}::uuid`);
    expect(
      (await importUlp(t.database, dir, ['https://sso.backlog.example/:first@backlog.example:pw-first'])).json,
    ).toMatchObject({ alerts: 1 });
    await t.database.rows(sql`
      insert into webhook_deliveries (endpoint_id, workspace_id, alert_id, next_attempt_at)
      select ${endpoint.id}::uuid, ${workspace.id}::uuid, (select id from alerts where workspace_id = ${workspace.id}::uuid limit 1), now() + interval '1 day'
      from generate_series(1, 10000)`);
    await t.database.rows(sql`update webhook_endpoints set enabled = true where id = ${endpoint.id}::uuid`);
    expect(
      (await importUlp(t.database, dir, ['https://sso.backlog.example/:second@backlog.example:pw-second'])).json,
    ).toMatchObject({ alerts: 1 });
    const [listed] = (await call('/api/v1/webhooks', key)).json.data;
    expect(listed).toMatchObject({
      enabled: false,
      disabled_reason:
        'paused: 10,000 deliveries were waiting for this receiver; enable the endpoint again to resume them',
    });
    const [pending] = await t.database.rows<{ waiting: number }>(
      sql`select count(*)::int as waiting from webhook_deliveries where endpoint_id = ${endpoint.id}::uuid and status = 'pending'`,
    );
    expect(pending!.waiting).toBe(10_000);
    // The alert itself stays readable, and the workspace's audit log says what happened.
    expect((await call('/api/v1/alerts', key)).json.data).toHaveLength(2);
    const { body } = await t.graphql(
      key,
      '{ auditEvents(first: 5) { edges { node { action actor actorKeyPrefix webhookEndpointId } } } }',
    );
    expect(body.data!.auditEvents.edges[0].node).toEqual({
      action: 'webhook.paused',
      actor: 'server',
      actorKeyPrefix: null,
      webhookEndpointId: endpoint.id,
    });
    const [event] = await t.database.rows<{ details: Record<string, unknown> }>(
      sql`select details from audit_events where workspace_id = ${workspace.id}::uuid and action = 'webhook.paused'`,
    );
    expect(event!.details).toEqual({
      endpoint_id: endpoint.id,
      url: `${base}/dead-backlog`,
      waiting: 10000,
      via: 'server',
    });
  }, 60_000);
});
