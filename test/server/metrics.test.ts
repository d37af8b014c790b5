/**
 * Prometheus metrics (issue: toolchain): requests by route pattern and status, latency, the key
 * cache's hit ratio, argon2 runs and the database, on a listener of their own and never on the API's port.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMetrics } from '../../src/edge/metrics.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
const registry = new Registry();
let metrics: Awaited<ReturnType<typeof serveMetrics>>;

beforeAll(async () => {
  t = await createTestApp({ metrics: registry });
  metrics = await serveMetrics(0, '127.0.0.1', registry);
});
afterAll(async () => {
  metrics.server.close();
  await t.close();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${metrics.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample, e.g. `http_requests_total{route="/graphql",method="POST",status="200"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const [series, value] = line.split(' ');
    if (series === name || (series!.startsWith(`${name}{`) && wanted.every((w) => series!.includes(w))))
      return Number(value);
  }
  return undefined;
}

describe('GET /metrics on the metrics listener', () => {
  it('counts requests by route pattern, method and status, and their latency', async () => {
    const { key } = await t.createKey((await t.createWorkspace()).id);
    const auth = { authorization: `Bearer ${key}` };
    await t.fetch('/api/v1/watchlists/00000000-0000-4000-8000-000000000000', { headers: auth });
    await t.fetch('/api/v1/watchlists/00000000-0000-4000-8000-000000000001', { headers: auth });
    await t.fetch('/api/v1/nothing-here', { headers: auth });
    await t.graphql(key, '{ viewer { key { name } } }');
    await t.fetch('/favicon.ico');
    const text = await scrape();
    expect(
      sample(text, 'http_requests_total', { route: '/api/v1/watchlists/{id}', method: 'GET', status: '404' }),
    ).toBe(2);
    expect(sample(text, 'http_requests_total', { route: '/api/v1/*', status: '404' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: '/graphql', method: 'POST', status: '200' })).toBe(1);
    expect(sample(text, 'http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(
      sample(text, 'http_request_duration_seconds_count', { route: '/api/v1/watchlists/{id}', method: 'GET' }),
    ).toBe(2);
    // Never the raw path: ids would make a series per resource.
    expect(text).not.toContain('00000000-0000-4000-8000-000000000000');
  });

  it('reports the key cache, argon2 runs, the database and the process', async () => {
    const { key } = await t.createKey((await t.createWorkspace()).id);
    for (let i = 0; i < 4; i++) await t.fetch('/api/v1/iocs?limit=1', { headers: { 'x-api-key': key } });
    const text = await scrape();
    const hits = sample(text, 'api_key_cache_hits_total')!;
    const misses = sample(text, 'api_key_cache_misses_total')!;
    expect(hits).toBeGreaterThanOrEqual(3);
    expect(misses).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'api_key_cache_hit_ratio')).toBeCloseTo(hits / (hits + misses), 5);
    expect(sample(text, 'api_key_argon2_verifications_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_pool_max_connections')).toBe(5);
    expect(sample(text, 'db_notifications_connected')).toBe(1);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('is not served on the API port', async () => {
    const response = await t.fetch('/metrics');
    expect(response.status).toBe(404);
    const other = await fetch(`${metrics.url}/api/v1/iocs`);
    expect(other.status).toBe(404);
  });
});
