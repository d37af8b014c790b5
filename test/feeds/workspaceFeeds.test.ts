/**
 * A workspace's feeds (docs/api.md §14) over REST and GraphQL: made, read, changed, run and deleted
 * with `iocs:write`, each workspace seeing only its own; pulled by the server's puller into the
 * workspace's own IOCs, raising its watchlist alerts; the webhook URL policy at creation and before
 * every pull; and every way a caller could abuse them answered in the documented body.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { FeedWorker } from '../../src/feeds/worker.js';
import { SecretBox } from '../../src/webhooks/secrets.js';
import { RETRY_SCHEDULE } from '../../src/webhooks/settings.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { startFeedServer, type FeedServer } from '../support/feedServer.js';
import { callJson } from '../support/rest.js';
import { until } from '../support/timing.js';

const secrets = SecretBox.ephemeral();
/** The server's settings in development: loopback and plain http reachable (the test's origin). */
const open = { secrets, policy: { allowHttp: true, allowPrivate: true }, retrySchedule: RETRY_SCHEDULE };

let t: TestApp;
let strict: TestApp;
let origin: FeedServer;
let worker: FeedWorker;
let workspaceId: string;
let key: string;
let otherKey: string;
let readOnly: string;
beforeAll(async () => {
  t = await createTestApp({ app: { webhooks: open } });
  strict = await createTestApp();
  origin = await startFeedServer();
  workspaceId = (await t.createWorkspace({ plan: 'free' })).id;
  key = (await t.createKey(workspaceId)).key;
  readOnly = (await t.createKey(workspaceId, { permissions: ['iocs:read'] })).key;
  otherKey = (await t.createKey((await t.createWorkspace()).id)).key;
  worker = new FeedWorker(t.database, open, createLogger('silent'), { pollMs: 100 });
  await worker.start();
});
afterAll(async () => {
  await worker.close();
  await origin.close();
  await strict.close();
  await t.close();
});

/** A REST call; a 204's empty body read as `{}` (the tests read the bodies they check). */
async function call(app: TestApp, k: string | null, method: string, path: string, body?: unknown) {
  const { status, json } = await callJson(app, k, method, path, body);
  return { status, json: json ?? {} };
}
const rest = (k: string | null, method: string, path: string, body?: unknown) => call(t, k, method, path, body);

describe('workspace feeds over REST', () => {
  let feedId: string;

  it('makes a feed (201), shows header names only, and the puller reads it into the workspace’s own IOCs', async () => {
    origin.serve('/ws/list.txt', { body: 'ws-feed-one.example\nws-feed-two.example\n', etag: '"w1"' });
    const made = await rest(key, 'POST', '/api/v1/feeds', {
      name: 'Partner list',
      url: `${origin.url}/ws/list.txt`,
      format: 'text',
      every: '2h',
      headers: { Authorization: 'Basic cGFydG5lcjpzM2NyZXQ=' },
    });
    expect(made.status).toBe(201);
    expect(made.json.data).toMatchObject({
      name: 'Partner list',
      url: `${origin.url}/ws/list.txt`,
      format: 'text',
      every: '2h',
      header_names: ['Authorization'],
      last_run_at: null,
      last_success_at: null,
      last_error: null,
      last_run: null,
    });
    expect(JSON.stringify(made.json)).not.toContain('cGFydG5lcjpzM2NyZXQ=');
    feedId = made.json.data.id;
    const pulled = await until(
      async () => (await rest(key, 'GET', `/api/v1/feeds/${feedId}`)).json.data,
      (feed) => feed.last_success_at !== null,
    );
    expect(pulled.last_run).toEqual({ read: 2, created: 2, updated: 0, unchanged: 0, rejected: 0 });
    expect(origin.requests.find((r) => r.path === '/ws/list.txt')!.headers.authorization).toBe(
      'Basic cGFydG5lcjpzM2NyZXQ=',
    );
    const own = await t.database.rows<{ value: string; source: string }>(
      sql`select value, source from iocs where workspace_id = ${workspaceId} order by value`,
    );
    expect(own).toEqual([
      { value: 'ws-feed-one.example', source: 'Partner list' },
      { value: 'ws-feed-two.example', source: 'Partner list' },
    ]);
    // Its next pull is due after `every`.
    expect(Date.parse(pulled.next_run_at) - Date.parse(pulled.last_run_at)).toBeGreaterThan(7000_000);
  });

  it('runs it now (202): the pull is queued and done by the puller, a 304 a success with zero counts', async () => {
    const queued = await rest(key, 'POST', `/api/v1/feeds/${feedId}/run`);
    expect(queued.status).toBe(202);
    expect(queued.json.data.id).toBe(feedId);
    const before = origin.requests.length;
    await until(
      () => origin.requests.length,
      (n) => n > before,
    );
    const feed = await until(
      async () => (await rest(key, 'GET', `/api/v1/feeds/${feedId}`)).json.data,
      (f) => f.last_run.read === 0,
    );
    expect(feed.last_run).toEqual({ read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 });
    expect(origin.requests.at(-1)!.status).toBe(304);
  });

  it('raises the workspace’s watchlist alerts for what a pull brings', async () => {
    const watchlist = await rest(key, 'POST', '/api/v1/watchlists', {
      name: 'brand',
      entries: [{ type: 'keyword', value: 'acmebank' }],
    });
    expect(watchlist.status).toBe(201);
    origin.serve('/ws/list.txt', { body: 'login-acmebank.example\n', etag: '"w2"' });
    await rest(key, 'POST', `/api/v1/feeds/${feedId}/run`);
    const alerts = await until(
      async () => (await rest(key, 'GET', '/api/v1/alerts')).json.data as { kind: string }[],
      (list) => list.length > 0,
    );
    expect(alerts[0]).toMatchObject({ kind: 'ioc' });
  });

  it('lists, changes and deletes; PATCH of headers replaces them', async () => {
    const listed = await rest(key, 'GET', '/api/v1/feeds');
    expect(listed.json.data.map((f: { id: string }) => f.id)).toEqual([feedId]);
    const changed = await rest(key, 'PATCH', `/api/v1/feeds/${feedId}`, { every: '1d', headers: { 'X-Token': 'abc' } });
    expect(changed.status).toBe(200);
    expect(changed.json.data).toMatchObject({ every: '1d', header_names: ['X-Token'] });
    const second = await rest(key, 'POST', '/api/v1/feeds', {
      name: 'Second',
      url: `${origin.url}/none`,
      format: 'csv',
    });
    expect(second.status).toBe(201);
    expect((await rest(key, 'DELETE', `/api/v1/feeds/${second.json.data.id}`)).status).toBe(204);
    expect((await rest(key, 'GET', `/api/v1/feeds/${second.json.data.id}`)).status).toBe(404);
  });

  it('hides one workspace’s feeds from another: 404 on every route, nothing changed', async () => {
    for (const [method, path] of [
      ['GET', `/api/v1/feeds/${feedId}`],
      ['PATCH', `/api/v1/feeds/${feedId}`],
      ['POST', `/api/v1/feeds/${feedId}/run`],
      ['DELETE', `/api/v1/feeds/${feedId}`],
    ] as const) {
      const answer = await rest(otherKey, method, path, method === 'PATCH' ? { name: 'stolen' } : undefined);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.json.error.code).toBe('not_found');
    }
    expect((await rest(otherKey, 'GET', '/api/v1/feeds')).json.data).toEqual([]);
    expect((await rest(key, 'GET', `/api/v1/feeds/${feedId}`)).json.data.name).toBe('Partner list');
  });

  it('needs a key, and iocs:write', async () => {
    expect((await rest(null, 'GET', '/api/v1/feeds')).status).toBe(401);
    const denied = await rest(readOnly, 'POST', '/api/v1/feeds', { name: 'x', url: `${origin.url}/x`, format: 'text' });
    expect(denied.status).toBe(403);
    expect((await rest(readOnly, 'GET', '/api/v1/feeds')).status).toBe(403);
  });

  it('refuses bad input in the documented body, storing nothing', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', url: `${origin.url}/x`, format: 'rss' }, 'format'],
      [{ name: 'x', url: 'not a url', format: 'text' }, 'url'],
      [{ name: 'x', url: `${origin.url}/x`, format: 'text', every: '1m' }, 'every'],
      [{ name: 'x', url: `${origin.url}/x`, format: 'text', every: '8d' }, 'every'],
      [{ name: 'x', url: `${origin.url}/x`, format: 'text', headers: { Host: 'evil' } }, 'headers.Host'],
      [{ name: 'x', url: `${origin.url}/x`, format: 'text', headers: { 'Bad Name': 'v' } }, 'headers.Bad Name'],
      [{ name: 'Partner list', url: `${origin.url}/x`, format: 'text' }, 'name'],
      [{ url: `${origin.url}/x`, format: 'text' }, 'name'],
    ];
    for (const [body, parameter] of cases) {
      const answer = await rest(key, 'POST', '/api/v1/feeds', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json.error.code).toMatch(/invalid_parameter|missing_parameter/);
      expect(answer.json.error.message).toContain(parameter);
    }
    expect((await rest(key, 'GET', '/api/v1/feeds')).json.data).toHaveLength(1);
  });

  it('holds a workspace to its plan’s number of feeds', async () => {
    // Free: three. One exists.
    for (const name of ['two', 'three'])
      expect(
        (await rest(key, 'POST', '/api/v1/feeds', { name, url: `${origin.url}/${name}`, format: 'text', every: '7d' }))
          .status,
      ).toBe(201);
    const fourth = await rest(key, 'POST', '/api/v1/feeds', {
      name: 'four',
      url: `${origin.url}/four`,
      format: 'text',
    });
    expect(fourth.status).toBe(403);
    expect(fourth.json.error.message).toBe('Forbidden: the free plan allows 3 feeds per workspace; delete one first.');
  });

  it('refuses a huge body with 413', async () => {
    const answer = await rest(key, 'POST', '/api/v1/feeds', {
      name: 'x',
      url: `${origin.url}/x`,
      format: 'text',
      headers: { 'X-Pad': 'a'.repeat(2_000_000) },
    });
    expect(answer.status).toBe(413);
  });

  it('the same over GraphQL', async () => {
    const { body } = await t.graphql(key, '{ feeds { name format every headerNames lastRun { read created } } }');
    expect(body.errors).toBeUndefined();
    expect(body.data!.feeds[0]).toMatchObject({ format: 'TEXT', headerNames: ['X-Token'] });
    const denied = await t.graphql(readOnly, '{ feeds { id } }');
    expect(denied.body.errors![0]!.extensions!.code).toBe('forbidden');
  });
});

describe('the URL policy of workspace feeds', () => {
  it('refuses private, loopback and metadata addresses and plain http at creation (a server in production)', async () => {
    const ws = (await strict.createWorkspace()).id;
    const k = (await strict.createKey(ws)).key;
    for (const url of [
      'http://feeds.example.com/list.txt',
      'https://127.0.0.1/list.txt',
      'https://10.1.2.3/list.txt',
      'https://169.254.169.254/latest/meta-data/',
      'https://[::1]/list.txt',
      'https://user:pass@feeds.example.com/list.txt',
    ]) {
      const answer = await call(strict, k, 'POST', '/api/v1/feeds', { name: 'x', url, format: 'text' });
      expect(answer.status, url).toBe(400);
      expect(answer.json.error.message, url).toMatch(/^Invalid parameter url: /);
    }
  });

  it('checks again before every pull, and a redirect is an error, not followed', async () => {
    origin.handle('/moved.txt', (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end());
    const other = (await t.createWorkspace()).id;
    const k = (await t.createKey(other)).key;
    const made = await rest(k, 'POST', '/api/v1/feeds', {
      name: 'moved',
      url: `${origin.url}/moved.txt`,
      format: 'text',
    });
    const feed = await until(
      async () => (await rest(k, 'GET', `/api/v1/feeds/${made.json.data.id}`)).json.data,
      (f) => f.last_run_at !== null && f.last_error !== null,
    );
    expect(feed.last_error).toBe('the server answered 302 (a redirect to http://169.254.169.254/, not followed)');
    expect(feed.last_success_at).toBeNull();
    // A failure is tried again after a backoff, never later than its schedule.
    expect(Date.parse(feed.next_run_at) - Date.parse(feed.last_run_at)).toBeLessThanOrEqual(61_000);
  });
});
