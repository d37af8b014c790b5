/**
 * Every route of the table, old and new, against the ways a caller can abuse it (docs/api.md §2, §12):
 * no key (401 in the route's dialect), a body over its limit (1 MiB; TAXII's 10 MiB: 413, nothing
 * read past the limit) and a body that never finishes (503 once the request's time is up, the
 * connection not held forever). Other workspaces' ids are the fuzz test's and each family's own
 * tests' concern.
 */
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/limits.js';
import { schema } from '../../src/edge/schema.js';
import { prepareRoutes, restView } from '../../src/rest/operations.js';
import { dialectForPath, ROUTES, type RestRoute } from '../../src/rest/routes.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { until } from '../support/timing.js';

let t: TestApp;
let key: string;
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  t = await createTestApp({ app: { requestTimeoutMs: 1000 } });
  key = (await t.createKey((await t.createWorkspace()).id)).key;
  server = await t.listen();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const SAMPLE: Record<string, string> = { prefix: 'abcde' };
const pathOf = (pattern: string) =>
  pattern.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? '00000000-0000-4000-8000-000000000000');
const withBody = ROUTES.filter((route) => route.body);

/** What a client of the route sends with a body: TAXII's media type for TAXII routes, JSON elsewhere. */
const mediaHeaders = (route: RestRoute): Record<string, string> =>
  route.dialect === 'taxii'
    ? { accept: 'application/taxii+json;version=2.1', 'content-type': 'application/taxii+json;version=2.1' }
    : { 'content-type': 'application/json' };

function expectDialect(path: string, status: number, text: string, code: string) {
  const dialect = dialectForPath(path);
  if (dialect === 'soc') expect(JSON.parse(text).error.code, text).toBe(code);
  else if (dialect === 'taxii')
    expect(JSON.parse(text), text).toMatchObject({ http_status: String(status), error_code: code });
  else expect(text).toMatch(/^\{ "error": "[^"]+" \}$/);
  expect(status, text).toBe(code === 'missing_api_key' ? 401 : code === 'payload_too_large' ? 413 : 503);
}

describe('the route table is the one home of each route’s facts', () => {
  it('gives every path the dialect of its routes, routed or not', () => {
    for (const route of ROUTES) expect(dialectForPath(pathOf(route.path)), route.path).toBe(route.dialect);
    expect(dialectForPath('/api/v1/iocs/unknown/deeper')).toBe('soc');
    expect(dialectForPath('/api/v1/passwords/unknown')).toBe('soc');
    expect(dialectForPath('/api/v1/unknown')).toBe('defendis');
    expect(dialectForPath('/api/v1/watchlists/a/b/c/d')).toBe('defendis');
    expect(dialectForPath('/taxii2')).toBe('taxii');
    expect(dialectForPath('/taxii2/unknown/')).toBe('taxii');
    expect(dialectForPath('/')).toBe('defendis');
  });

  it('documents the permission each route’s resolvers check: its family’s, read from the schema', () => {
    const family: Record<string, string> = {
      iocs: 'iocs',
      sightings: 'iocs',
      exclusions: 'iocs',
      watchlists: 'watchlists',
      alerts: 'watchlists',
      dataleaks: 'dataleaks',
      passwords: 'passwords',
      webhooks: 'webhooks',
      scope: 'scope',
    };
    for (const { route, permissions } of prepareRoutes(restView(schema), ROUTES)) {
      const name = `${route.method} ${route.path}`;
      if (route.dialect === 'taxii') {
        // Discovery, the API root, collections and statuses are open to any key; what a collection
        // holds is read and written with the IOC permissions.
        const holds = route.path.includes('/objects/') || route.path.endsWith('/manifest/');
        expect(permissions, name).toEqual(holds ? [route.method === 'POST' ? 'iocs:write' : 'iocs:read'] : []);
        continue;
      }
      // Feeds write the workspace's IOCs and their URLs may hold what only their owner reads:
      // every feed route needs iocs:write. What is served out (block lists, the MISP feed) is read.
      if (route.path.startsWith('/api/v1/feeds')) {
        expect(permissions, name).toEqual(['iocs:write']);
        continue;
      }
      if (route.path.startsWith('/api/v1/blocklists/') || route.path.startsWith('/misp/')) {
        expect(permissions, name).toEqual(['iocs:read']);
        continue;
      }
      const write = route.method !== 'GET' && !route.path.endsWith('/lookup');
      // The scope is any key's to read (as `viewer` is): only its changes need a permission.
      if (route.path === '/api/v1/scope') {
        expect(permissions, name).toEqual([]);
        continue;
      }
      expect(permissions, name).toEqual([`${family[route.path.split('/')[3]!]}:${write ? 'write' : 'read'}`]);
    }
  });

  it('refuses a key without that permission with 403 naming it', async () => {
    const readOnly = (await t.createKey((await t.createWorkspace()).id, { permissions: ['iocs:read'] })).key;
    for (const path of ['/api/v1/watchlists', '/api/v1/alerts', '/api/v1/webhooks']) {
      const response = await t.fetch(path, { headers: { authorization: `Bearer ${readOnly}` } });
      const permission = path.endsWith('webhooks') ? 'webhooks:read' : 'watchlists:read';
      expect(response.status, path).toBe(403);
      expect(await response.text(), path).toContain(permission);
    }
  });
});

describe.each(ROUTES.map((route) => ({ name: `${route.method} ${route.path}`, route })))('$name', ({ route }) => {
  it('without a key: 401 in its dialect', async () => {
    const path = pathOf(route.path);
    const response = await t.fetch(path, { method: route.method, ...(route.body ? { body: '{}' } : {}) });
    expectDialect(path, response.status, await response.text(), 'missing_api_key');
  });
});

describe.each(withBody.map((route) => ({ name: `${route.method} ${route.path}`, route })))(
  '$name, its body',
  ({ route }) => {
    it('over its limit: 413, and nothing stored', async () => {
      const path = pathOf(route.path);
      const before = await t.database.rows<{ n: number }>(
        sql`select (select count(*) from iocs) + (select count(*) from watchlists) + (select count(*) from webhook_endpoints) as n`,
      );
      const limit = route.body!.maxBytes ?? MAX_BODY_BYTES;
      const response = await t.fetch(path, {
        method: route.method,
        headers: { authorization: `Bearer ${key}`, ...mediaHeaders(route) },
        body: `{"x":"${'x'.repeat(limit)}"}`,
      });
      expectDialect(path, response.status, await response.text(), 'payload_too_large');
      expect(
        await t.database.rows(
          sql`select (select count(*) from iocs) + (select count(*) from watchlists) + (select count(*) from webhook_endpoints) as n`,
        ),
      ).toEqual(before);
    });

    it('that never finishes: 503 when the request’s time is up', async () => {
      const path = pathOf(route.path);
      const url = new URL(server.url);
      const socket = connect(Number(url.port), url.hostname);
      let answer = '';
      socket.on('data', (chunk) => (answer += String(chunk)));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const headers = Object.entries(mediaHeaders(route))
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(
        `${route.method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\n${headers}content-length: 100\r\n\r\n{"iocs":`,
      );
      const started = Date.now();
      await until(
        () => answer,
        (text) => text.includes('\r\n\r\n'),
        5000,
        50,
      );
      socket.destroy();
      await closed;
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
      expect(Date.now() - started).toBeLessThan(4000);
    });
  },
);
