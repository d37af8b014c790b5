/**
 * Webhooks (docs/api.md §10), end to end: endpoints made over REST, alerts raised by `leaks import`,
 * delivered by the worker to a real `node:http` receiver on loopback, signatures checked with the
 * `standardwebhooks` library; retries with the same `webhook-id`, 410, timeouts, manual retry,
 * secret rotation, the delivery log, the URL policy, the limit of 10, permissions and tenants.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { SecretBox } from '../../src/webhooks/secrets.js';
import type { WebhookSettings } from '../../src/webhooks/settings.js';
import {
  addressRefusal,
  allowedAddress,
  parseWebhookUrl,
  STRICT_POLICY,
  UrlRefused,
} from '../../src/http/urlPolicy.js';
import { DeliveryWorker, retryAfterSeconds } from '../../src/webhooks/worker.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { importUlp } from '../support/cli.js';
import { until } from '../support/timing.js';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver that answers by path: `/ok` 200, `/flaky` 500 then 200, `/gone` 410, `/slow` never, `/busy` 503 with Retry-After. */
function startReceiver() {
  const received: Received[] = [];
  const flaky = new Map<string, number>();
  let goneAnswers = 410;
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const url = request.url ?? '/';
      received.push({ path: url, headers: request.headers, body });
      if (url.startsWith('/slow')) return; // never answers
      if (url.startsWith('/flaky')) {
        const id = String(request.headers['webhook-id']);
        const seen = (flaky.get(id) ?? 0) + 1;
        flaky.set(id, seen);
        response.writeHead(seen === 1 ? 500 : 200).end();
      } else if (url.startsWith('/gone')) response.writeHead(goneAnswers).end();
      else if (url.startsWith('/busy')) response.writeHead(503, { 'retry-after': '1' }).end();
      else if (url.startsWith('/redirect')) response.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      else response.writeHead(200).end('ok');
    });
  });
  return {
    received,
    server,
    setGone(status: number) {
      goneAnswers = status;
    },
    async listen(): Promise<string> {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}

const settings: WebhookSettings = {
  secrets: SecretBox.ephemeral(),
  policy: { allowHttp: true, allowPrivate: true },
  retrySchedule: [0.2, 0.2, 0.2],
};

let t: TestApp;
let worker: DeliveryWorker;
let receiver: ReturnType<typeof startReceiver>;
let base: string;
let dir: string;
let keyA: string;
let keyB: string;
let readOnlyA: string;
let noWebhooksA: string;

async function call(url: string, key: string | null, init: { method?: string; body?: string } = {}) {
  const response = await t.fetch(url, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}) } });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

async function leak(line: string) {
  const result = await importUlp(t.database, dir, [line]);
  expect(result.json, result.stderr).toMatchObject({ created: 1 });
  return result.json as { alerts: number };
}

async function endpoint(key: string, urlPath: string) {
  const made = await call('/api/v1/webhooks', key, {
    method: 'POST',
    body: JSON.stringify({ url: `${base}${urlPath}`, description: urlPath }),
  });
  expect(made.status, made.text).toBe(201);
  return made.json.data as { id: string; secret: string; url: string };
}

const deliveriesOf = async (key: string, endpointId: string) =>
  (await call(`/api/v1/webhooks/${endpointId}/deliveries`, key)).json.data as Array<{
    id: string;
    status: string;
    attempt_count: number;
    attempts: Array<{ status: number | null; error: string | null; duration_ms: number }>;
  }>;
const disableAll = async () => t.database.rows(sql`update webhook_endpoints set enabled = false`);

beforeAll(async () => {
  t = await createTestApp({ app: { webhooks: settings } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-webhooks-'));
  receiver = startReceiver();
  base = await receiver.listen();
  const logger = createLogger('warn', new Writable({ write: (_c, _e, done) => done() }));
  worker = new DeliveryWorker(t.database, settings, logger, { pollMs: 50, timeoutMs: 500 });
  await worker.start();
  const a = await t.createWorkspace({ scope: { domains: ['acme.example'] } });
  const b = await t.createWorkspace({ scope: { domains: ['other.example'] } });
  keyA = (await t.createKey(a.id)).key;
  keyB = (await t.createKey(b.id)).key;
  readOnlyA = (await t.createKey(a.id, { permissions: ['webhooks:read'] })).key;
  noWebhooksA = (await t.createKey(a.id, { permissions: ['watchlists:read'] })).key;
  for (const [key, domain] of [
    [keyA, 'acme.example'],
    [keyB, 'other.example'],
  ] as const) {
    expect(
      (
        await call('/api/v1/watchlists', key, {
          method: 'POST',
          body: JSON.stringify({ name: 'w', entries: [{ type: 'domain', value: domain }] }),
        })
      ).status,
    ).toBe(201);
  }
});
afterAll(async () => {
  await worker.close();
  receiver.server.closeAllConnections();
  receiver.server.close();
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('delivery', () => {
  it('POSTs each new alert, signed, with the alert as the REST routes show it', async () => {
    const made = await endpoint(keyA, '/ok');
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // Shown once: never listed, and stored sealed.
    expect((await call('/api/v1/webhooks', keyA)).text).not.toContain(made.secret);
    const [stored] = await t.database.rows<{ secret: string }>(
      sql`select secret from webhook_endpoints where id = ${made.id}`,
    );
    expect(stored!.secret).not.toContain(made.secret.slice(6));

    expect((await leak('https://portal.acme.example/:bob@gmail.test:pw-bob')).alerts).toBe(1);
    const [request] = await until(
      () => receiver.received.filter((r) => r.path === '/ok'),
      (r) => r.length === 1,
    );
    const payload = new Webhook(made.secret).verify(request!.body, request!.headers as Record<string, string>) as {
      type: string;
      timestamp: string;
      data: { id: string };
    };
    expect(payload.type).toBe('alert.created');
    expect(request!.headers['content-type']).toBe('application/json');
    const alert = await call(`/api/v1/alerts/${payload.data.id}`, keyA);
    expect(payload.data).toEqual(alert.json.data);

    const [delivery] = await until(
      () => deliveriesOf(keyA, made.id),
      (d) => d[0]?.status === 'delivered',
    );
    expect(delivery!.id).toBe(request!.headers['webhook-id']);
    expect(delivery!.attempts).toEqual([
      { at: expect.any(String), status: 200, error: null, duration_ms: expect.any(Number) },
    ]);
    // A forged body fails verification.
    expect(() =>
      new Webhook(made.secret).verify(
        request!.body.replace('alert.created', 'alert.forged'),
        request!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('retries a failure with the same webhook-id until it is taken', async () => {
    await disableAll();
    const flaky = await endpoint(keyA, '/flaky');
    await leak('https://login.acme.example/:carol@gmail.test:pw-carol');
    const [delivery] = await until(
      () => deliveriesOf(keyA, flaky.id),
      (d) => d[0]?.status === 'delivered',
    );
    expect(delivery!.attempts.map((a) => a.status)).toEqual([500, 200]);
    const requests = receiver.received.filter((r) => r.path === '/flaky');
    expect(requests.map((r) => r.headers['webhook-id'])).toEqual([delivery!.id, delivery!.id]);
  });

  it('gives up after the schedule, counts a timeout and a redirect as failures, and honours Retry-After', async () => {
    await disableAll();
    const slow = await endpoint(keyA, '/slow');
    const redirect = await endpoint(keyA, '/redirect');
    await leak('https://a.acme.example/:dan@gmail.test:pw-dan');
    const [timedOut] = await until(
      () => deliveriesOf(keyA, slow.id),
      (d) => d[0]?.status === 'failed',
      15_000,
    );
    expect(timedOut!.attempts).toHaveLength(4);
    expect(timedOut!.attempts[0]).toMatchObject({ status: null, error: 'no answer within 0.5 s' });
    const [redirected] = await until(
      () => deliveriesOf(keyA, redirect.id),
      (d) => d[0]?.status === 'failed',
      15_000,
    );
    expect(redirected!.attempts.map((a) => a.status)).toEqual([302, 302, 302, 302]);
    expect(retryAfterSeconds('120')).toBe(120);
    expect(retryAfterSeconds(new Date(Date.now() + 60_000).toUTCString())).toBeGreaterThan(55);
    expect(retryAfterSeconds('soon')).toBeNull();
  });

  it('waits as long as Retry-After asks', async () => {
    await disableAll();
    const busy = await endpoint(keyA, '/busy');
    await leak('https://e.acme.example/:ida@gmail.test:pw-ida');
    const [delivery] = await until(
      () => deliveriesOf(keyA, busy.id),
      (d) => d[0]?.attempt_count === 1,
    );
    const [row] = await t.database.rows<{ wait: number }>(
      sql`select extract(epoch from next_attempt_at - updated_at)::float8 as wait from webhook_deliveries where id = ${delivery!.id}`,
    );
    // The schedule says 0.2 s; the receiver asked for 1 s.
    expect(row!.wait).toBeGreaterThan(0.9);
    expect(row!.wait).toBeLessThan(1.5);
  });

  it('checks the URL again before each attempt: a URL the policy no longer allows is refused, not called', async () => {
    await disableAll();
    const made = await endpoint(keyA, '/ok?strict');
    const strict = new DeliveryWorker(
      t.database,
      { ...settings, policy: STRICT_POLICY },
      createLogger('warn', new Writable({ write: (_c, _e, done) => done() })),
      { pollMs: 50 },
    );
    await worker.close();
    await strict.start();
    try {
      await leak('https://f.acme.example/:jo@gmail.test:pw-jo');
      const [delivery] = await until(
        () => deliveriesOf(keyA, made.id),
        (d) => d[0]?.attempt_count === 1,
      );
      expect(delivery!.attempts[0]).toMatchObject({
        status: null,
        error:
          'the URL must be an https URL (a server started with WEBHOOK_ALLOW_HTTP=true, for development, also takes http).',
      });
      expect(receiver.received.filter((r) => r.path === '/ok?strict')).toEqual([]);
    } finally {
      await strict.close();
      worker = new DeliveryWorker(
        t.database,
        settings,
        createLogger('warn', new Writable({ write: (_c, _e, done) => done() })),
        { pollMs: 50, timeoutMs: 500 },
      );
      await worker.start();
    }
  });

  it('turns an endpoint off on 410; a manual retry after turning it on sends the same delivery again', async () => {
    await disableAll();
    const gone = await endpoint(keyA, '/gone');
    await leak('https://b.acme.example/:erin@gmail.test:pw-erin');
    const [failed] = await until(
      () => deliveriesOf(keyA, gone.id),
      (d) => d[0]?.status === 'failed',
    );
    expect(failed!.attempts.map((a) => a.status)).toEqual([410]);
    const listed = (await call('/api/v1/webhooks', keyA)).json.data.find((e: { id: string }) => e.id === gone.id);
    expect(listed).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone' });

    receiver.setGone(200);
    expect(
      (await call(`/api/v1/webhooks/${gone.id}`, keyA, { method: 'PATCH', body: '{"enabled":true}' })).json.data,
    ).toMatchObject({ enabled: true, disabled_reason: null });
    const retried = await call(`/api/v1/webhooks/deliveries/${failed!.id}/retry`, keyA, { method: 'POST' });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.json.data).toMatchObject({ id: failed!.id, status: 'pending' });
    const [again] = await until(
      () => deliveriesOf(keyA, gone.id),
      (d) => d[0]?.status === 'delivered',
    );
    expect(again!.attempts.map((a) => a.status)).toEqual([410, 200]);
    expect(receiver.received.filter((r) => r.path === '/gone').map((r) => r.headers['webhook-id'])).toEqual([
      failed!.id,
      failed!.id,
    ]);
  });

  it('signs with both secrets for a day after a rotation', async () => {
    await disableAll();
    const made = await endpoint(keyA, '/ok?rotated');
    const rotated = await call(`/api/v1/webhooks/${made.id}/rotate-secret`, keyA, { method: 'POST' });
    expect(rotated.status).toBe(200);
    const { secret, previous_secret_expires_at: until24h } = rotated.json.data as {
      secret: string;
      previous_secret_expires_at: string;
    };
    expect(secret).not.toBe(made.secret);
    expect(Date.parse(until24h) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    await leak('https://c.acme.example/:frank@gmail.test:pw-frank');
    const [request] = await until(
      () => receiver.received.filter((r) => r.path === '/ok?rotated'),
      (r) => r.length === 1,
    );
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const key of [made.secret, secret])
      expect(new Webhook(key).verify(request!.body, request!.headers as Record<string, string>)).toMatchObject({
        type: 'alert.created',
      });
  });
});

describe('endpoints', () => {
  it('refuses URLs outside the policy, with the reason', async () => {
    for (const [url, reason] of [
      ['ftp://files.example/x', /must be an http or https URL/],
      ['https://user:pw@hooks.example/x', /must not carry a user name or password/],
      ['http://169.254.169.254/latest/meta-data', /cloud metadata address/],
      ['http://[fe80::1]/x', /link local address/],
      ['not a url', /is not a URL/],
    ] as const) {
      const answer = await call('/api/v1/webhooks', keyA, { method: 'POST', body: JSON.stringify({ url }) });
      expect(answer.status, url).toBe(400);
      expect(answer.json.error, url).toMatch(/^Invalid parameter url: /);
      expect(answer.json.error, url).toMatch(reason);
    }
    expect((await call('/api/v1/webhooks', keyA, { method: 'POST', body: '{}' })).text).toBe(
      '{ "error": "Missing required parameter: url." }',
    );
  });

  it('keeps to the strict policy without the development flags', async () => {
    expect(() => parseWebhookUrl('http://hooks.example/x', STRICT_POLICY)).toThrow(UrlRefused);
    for (const address of [
      '127.0.0.1',
      '10.0.0.5',
      '192.168.1.1',
      '172.16.0.1',
      '100.64.0.1',
      '::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '169.254.169.254',
      'fe80::1',
      '0.0.0.0',
    ]) {
      expect(addressRefusal(address, STRICT_POLICY), address).not.toBeNull();
    }
    expect(addressRefusal('93.184.216.34', STRICT_POLICY)).toBeNull();
    expect(addressRefusal('2606:2800:220:1:248:1893:25c8:1946', STRICT_POLICY)).toBeNull();
    // The development flag opens loopback and private ranges, never link-local or metadata.
    expect(addressRefusal('127.0.0.1', { allowHttp: true, allowPrivate: true })).toBeNull();
    expect(addressRefusal('169.254.169.254', { allowHttp: true, allowPrivate: true })).toMatch(/metadata/);
    expect(addressRefusal('fe80::1', { allowHttp: true, allowPrivate: true })).toMatch(/link local/);
    // A name is refused without saying where it points (docs/api.md §10).
    await expect(allowedAddress(new URL('https://localhost/x'), STRICT_POLICY)).rejects.toThrow(
      'has a host that does not resolve to public addresses only (a server started with WEBHOOK_ALLOW_PRIVATE=true, for development, also reaches loopback and private ones).',
    );
    // A refusal names the development setting that would lift it, and only then.
    await expect(allowedAddress(new URL('https://127.0.0.1/x'), STRICT_POLICY)).rejects.toThrow(
      'is a loopback address; webhooks and workspace feeds reach public addresses only (a server started with WEBHOOK_ALLOW_PRIVATE=true, for development, also reaches loopback and private ones).',
    );
    await expect(allowedAddress(new URL('https://169.254.169.254/x'), STRICT_POLICY)).rejects.toThrow(
      /^is a cloud metadata address; webhooks and workspace feeds reach public addresses only\.$/,
    );
    expect(() => parseWebhookUrl('http://hooks.example/x', STRICT_POLICY)).toThrow(
      'must be an https URL (a server started with WEBHOOK_ALLOW_HTTP=true, for development, also takes http).',
    );
  });

  it('holds at most 10 per workspace', async () => {
    const [{ count }] = (await t.database.rows<{ count: number }>(
      sql`select count(*)::int as count from webhook_endpoints e join api_keys k on k.workspace_id = e.workspace_id where k.prefix = ${keyA.slice(8, 20)}`,
    )) as [{ count: number }];
    for (let i = count; i < 10; i++) await endpoint(keyA, `/ok?n=${i}`);
    const eleventh = await call('/api/v1/webhooks', keyA, {
      method: 'POST',
      body: JSON.stringify({ url: `${base}/ok?n=11` }),
    });
    expect(eleventh.status).toBe(403);
    expect(eleventh.json.error).toMatch(/^Forbidden: a workspace has at most 10 webhook endpoints/);
    expect((await call('/api/v1/webhooks', keyA)).json.data).toHaveLength(10);
  });

  it('needs webhooks:read to list and webhooks:write to change', async () => {
    expect((await call('/api/v1/webhooks', noWebhooksA)).status).toBe(403);
    expect((await call('/api/v1/webhooks', readOnlyA)).status).toBe(200);
    expect(
      (await call('/api/v1/webhooks', readOnlyA, { method: 'POST', body: JSON.stringify({ url: `${base}/ok` }) }))
        .status,
    ).toBe(403);
    expect((await call('/api/v1/webhooks', null)).status).toBe(401);
  });
});

describe('tenants', () => {
  it("never shows or changes another workspace's endpoint or delivery, and never sends its alerts to another's receiver", async () => {
    const mine = (await call('/api/v1/webhooks', keyA)).json.data[0] as { id: string };
    const delivery = (await deliveriesOf(keyA, mine.id))[0]!;
    for (const [method, url, body] of [
      ['GET', `/api/v1/webhooks/${mine.id}/deliveries`, undefined],
      ['PATCH', `/api/v1/webhooks/${mine.id}`, '{"enabled":false}'],
      ['DELETE', `/api/v1/webhooks/${mine.id}`, undefined],
      ['POST', `/api/v1/webhooks/${mine.id}/rotate-secret`, undefined],
      ['POST', `/api/v1/webhooks/deliveries/${delivery.id}/retry`, undefined],
    ] as const) {
      const answer = await call(url, keyB, { method, ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${url}`).toBe(404);
    }
    expect((await call('/api/v1/webhooks', keyB)).json.data).toEqual([]);

    const theirs = await endpoint(keyB, '/b');
    await leak('https://shop.other.example/:gina@gmail.test:pw-gina');
    await leak('https://d.acme.example/:hank@gmail.test:pw-hank');
    const [request] = await until(
      () => receiver.received.filter((r) => r.path === '/b'),
      (r) => r.length >= 1,
    );
    // Deliveries are made with their alerts: the table holds every one B's endpoint will ever get for these.
    const [queued] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from webhook_deliveries where endpoint_id = ${theirs.id}::uuid`,
    );
    expect(queued!.n).toBe(1);
    const toB = receiver.received.filter((r) => r.path === '/b');
    expect(toB).toHaveLength(1);
    const payload = new Webhook(theirs.secret).verify(request!.body, request!.headers as Record<string, string>) as {
      data: { record: { site: string } };
    };
    expect(payload.data.record.site).toBe('shop.other.example');
  });
});
