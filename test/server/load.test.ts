/**
 * Load without loss (issue: hardening): a sustained mix of valid, invalid and revoked-key requests,
 * reads and writes, from 50 connections at once against a real HTTP server. Every answer has the
 * status its request deserves (no 5xx, no wrong status), and every write that was acknowledged can
 * be read back afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/auth/keyFormat.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { revokeApiKey } from '../../src/keys/service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertIocs } from '../support/fixtures.js';

const CONNECTIONS = 50;
const REQUESTS = 3000;

let t: TestApp;
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  t = await createTestApp();
  server = await t.listen();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  expected: number;
  /** Called with the answer of an acknowledged write. */
  acknowledged?: (body: string) => void;
}

describe('a sustained mix from 50 connections', () => {
  it('answers every request with its right status and loses no acknowledged write', async () => {
    const workspace = await t.createWorkspace({ scope: { domains: ['load.example'] } });
    const good = await t.createKey(workspace.id);
    const revoked = await t.createKey(workspace.id);
    await fetch(`${server.url}/api/v1/iocs?limit=1`, { headers: { 'x-api-key': revoked.key } });
    await revokeApiKey(t.database.db, { id: revoked.id, actor: CLI_ACTOR });
    const wrongSecret = formatApiKey(good.prefix + 'x'.repeat(24));
    const badChecksum = `${good.key.slice(0, -1)}${good.key.endsWith('A') ? 'B' : 'A'}`;
    await insertIocs(
      t.database.db,
      Array.from({ length: 20 }, (_, i) => ({ type: 'domain' as const, value: `feed-${i}.example` })),
    );

    const list = await fetch(`${server.url}/api/v1/watchlists`, {
      method: 'POST',
      headers: { authorization: `Bearer ${good.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'keywords under load' }),
    });
    const watchlistId = ((await list.json()) as { data: { id: string } }).data.id;

    const createdWatchlists = new Map<string, Record<string, string>>();
    const addedKeywords = new Set<string>();
    const auth = { authorization: `Bearer ${good.key}`, 'content-type': 'application/json' };
    // 300 new watchlists: more than one workspace holds (200 on the enterprise plan), so two share them.
    const other = await t.createWorkspace({ scope: { domains: ['load.example'] } });
    const otherAuth = {
      authorization: `Bearer ${(await t.createKey(other.id)).key}`,
      'content-type': 'application/json',
    };
    const kinds: Array<(i: number) => Sent> = [
      () => ({ method: 'GET', path: '/api/v1/iocs?type=domain&limit=5', headers: auth, expected: 200 }),
      () => ({
        method: 'POST',
        path: '/graphql',
        headers: auth,
        body: JSON.stringify({ query: '{ iocs(first: 3) { edges { node { value } } } }' }),
        expected: 200,
      }),
      () => ({
        method: 'POST',
        path: '/api/v1/iocs/lookup',
        headers: auth,
        body: JSON.stringify({ values: ['feed-1[.]example', 'nope.example'] }),
        expected: 200,
      }),
      () => ({
        method: 'GET',
        path: '/api/v1/iocs',
        headers: { authorization: `Bearer ${wrongSecret}` },
        expected: 401,
      }),
      () => ({ method: 'GET', path: '/api/v1/watchlists', headers: { 'x-api-key': badChecksum }, expected: 401 }),
      () => ({ method: 'GET', path: '/api/v1/iocs', headers: { 'x-api-key': revoked.key }, expected: 401 }),
      () => ({ method: 'GET', path: '/api/v1/iocs?limit=5000', headers: auth, expected: 400 }),
      () => ({
        method: 'GET',
        path: '/api/v1/dataleaks/domain?domain=elsewhere.example',
        headers: auth,
        expected: 403,
      }),
      (i) => {
        const headers = i % 20 < 10 ? auth : otherAuth;
        return {
          method: 'POST',
          path: '/api/v1/watchlists',
          headers,
          body: JSON.stringify({ name: `load ${i}`, entries: [{ type: 'domain', value: `host-${i}.load.example` }] }),
          expected: 201,
          acknowledged: (body: string) =>
            createdWatchlists.set((JSON.parse(body) as { data: { id: string } }).data.id, headers),
        };
      },
      (i) => ({
        method: 'POST',
        path: `/api/v1/watchlists/${watchlistId}/entries`,
        headers: auth,
        body: JSON.stringify({ type: 'keyword', value: `kw-${i}` }),
        expected: 201,
        acknowledged: () => addedKeywords.add(`kw-${i}`),
      }),
    ];

    const wrong: string[] = [];
    let next = 0;
    const statuses = new Map<number, number>();
    const worker = async () => {
      for (let i = next++; i < REQUESTS; i = next++) {
        const request = kinds[i % kinds.length]!(i);
        const response = await fetch(`${server.url}${request.path}`, {
          method: request.method,
          headers: request.headers,
          body: request.body,
        });
        const body = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status !== request.expected)
          wrong.push(`${request.method} ${request.path}: ${response.status} ${body.slice(0, 200)}`);
        else request.acknowledged?.(body);
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));

    expect(wrong).toEqual([]);
    expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
    expect(createdWatchlists.size).toBe(REQUESTS / kinds.length);
    expect(addedKeywords.size).toBe(REQUESTS / kinds.length);

    // Every acknowledged write is there.
    const read = async (path: string, headers: Record<string, string> = auth) => {
      const response = await fetch(`${server.url}${path}`, { headers });
      expect(response.status).toBe(200);
      return (await response.json()) as { data: { id: string; entries: { value: string }[] } };
    };
    const keywords = new Set((await read(`/api/v1/watchlists/${watchlistId}`)).data.entries.map((e) => e.value));
    expect([...addedKeywords].filter((k) => !keywords.has(k))).toEqual([]);
    const found = await Promise.all(
      [...createdWatchlists].map(([id, headers]) => read(`/api/v1/watchlists/${id}`, headers)),
    );
    expect(found.every((answer) => answer.data.entries.length === 1)).toBe(true);
  });
});
