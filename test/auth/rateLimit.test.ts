/**
 * Rate limits (issue: hardening): per key by plan, `RateLimit-*` headers on every keyed answer,
 * 429 with `Retry-After` in both REST dialects and in GraphQL, one count shared by every process,
 * and failed verifications limited per client address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/auth/keyFormat.js';
import { KeyRateLimiter } from '../../src/auth/rateLimiter.js';
import type { Principal } from '../../src/auth/principal.js';
import { createTestApp, type TestApp } from '../support/app.js';
import type { Plan } from '../../src/core/plans.js';

const LIMITS = { free: 5, pro: 8, enterprise: 1000 };

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ rateLimits: LIMITS, verifier: { maxFailuresPerAddress: 3 } });
});
afterAll(() => t.close());

async function freshKey(plan: Plan = 'free') {
  const workspace = await t.createWorkspace({ plan, scope: { domains: ['example.com'] } });
  return (await t.createKey(workspace.id)).key;
}

const rest = (path: string, key: string) => t.fetch(path, { headers: { authorization: `Bearer ${key}` } });

/** Spends the key's allowance (each answer must be a success) and returns the last answer. */
async function spend(key: string, times: number): Promise<Response> {
  let last!: Response;
  for (let i = 0; i < times; i++) {
    last = await rest('/api/v1/iocs?limit=1', key);
    expect(last.status).toBe(200);
  }
  return last;
}

function rateLimitOf(response: Response) {
  return {
    limit: response.headers.get('ratelimit-limit'),
    remaining: response.headers.get('ratelimit-remaining'),
    reset: Number(response.headers.get('ratelimit-reset')),
  };
}

describe('per key, by plan', () => {
  it('counts down on every keyed answer, REST (both dialects) and GraphQL (both paths), errors included', async () => {
    const key = await freshKey('pro');
    const answers = [
      await rest('/api/v1/iocs?limit=1', key),
      await rest('/api/v1/watchlists', key),
      await rest('/api/v1/iocs/00000000-0000-0000-0000-000000000000', key),
      await t.fetch('/graphql', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { key { name } } }' }),
      }),
      await t.fetch(`/graphql?query=${encodeURIComponent('{ viewer { key { name } } }')}`, {
        headers: { authorization: `Bearer ${key}` },
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 404, 200, 200]);
    answers.forEach((answer, i) => {
      const { limit, remaining, reset } = rateLimitOf(answer);
      expect(limit).toBe('8');
      expect(remaining).toBe(String(8 - 1 - i));
      expect(reset).toBeGreaterThanOrEqual(1);
      expect(reset).toBeLessThanOrEqual(60);
    });
  });

  it('sends no RateLimit headers before a key is admitted', async () => {
    const answer = await t.fetch('/api/v1/iocs');
    expect(answer.status).toBe(401);
    expect(answer.headers.get('ratelimit-limit')).toBeNull();
  });

  it('answers 429 in the SOC dialect past the limit, with Retry-After equal to RateLimit-Reset', async () => {
    const key = await freshKey('free');
    expect(rateLimitOf(await spend(key, 5)).remaining).toBe('0');
    const refused = await rest('/api/v1/iocs?limit=1', key);
    expect(refused.status).toBe(429);
    const requestId = refused.headers.get('x-request-id');
    expect(await refused.text()).toBe(
      JSON.stringify(
        { error: { code: 'rate_limited', message: 'Rate limit exceeded. Retry later.', request_id: requestId } },
        null,
        2,
      ),
    );
    const { limit, remaining, reset } = rateLimitOf(refused);
    expect([limit, remaining]).toEqual(['5', '0']);
    expect(refused.headers.get('retry-after')).toBe(String(reset));
  });

  it('answers 429 in the Defendis dialect and in GraphQL (HTTP 429, no data) past the limit', async () => {
    const key = await freshKey('free');
    await spend(key, 5);
    const defendis = await rest('/api/v1/watchlists', key);
    expect(defendis.status).toBe(429);
    expect(await defendis.text()).toBe('{ "error": "Rate limit exceeded" }');
    expect(defendis.headers.get('retry-after')).toMatch(/^\d+$/);

    const graphql = await t.graphql(key, '{ viewer { key { name } } }');
    expect(graphql.status).toBe(429);
    expect(graphql.body.data).toBeUndefined();
    expect(graphql.body.errors?.[0]?.extensions).toMatchObject({ code: 'rate_limited', request_id: graphql.requestId });
  });

  it('refuses a mutation past the limit without running it', async () => {
    const key = await freshKey('free');
    await spend(key, 5);
    const refused = await t.graphql(key, 'mutation { createWatchlist(input: { name: "late" }) { id } }');
    expect(refused.status).toBe(429);
    const [row] = await t.database.rows<{ n: number }>(
      (await import('drizzle-orm')).sql`select count(*)::int as n from watchlists where name = 'late'`,
    );
    expect(row!.n).toBe(0);
  });

  it('gives each key its own allowance', async () => {
    const workspace = await t.createWorkspace({ plan: 'free' });
    const [a, b] = [await t.createKey(workspace.id), await t.createKey(workspace.id)];
    await spend(a.key, 5);
    expect((await rest('/api/v1/iocs?limit=1', a.key)).status).toBe(429);
    expect((await rest('/api/v1/iocs?limit=1', b.key)).status).toBe(200);
  });
});

describe('the count shared by processes', () => {
  const principal = (id: string): Principal => ({
    key: { id, prefix: 'p', name: 'n', permissions: [], createdAt: '', expiresAt: null },
    workspace: { id: 'w', name: 'w', plan: 'pro', billingStatus: 'active' },
    scope: { domains: [], emails: [], bins: [] },
  });

  it('never admits more than the limit in one window, however the requests fall on processes', async () => {
    const [{ id }] = [await t.createKey((await t.createWorkspace({ plan: 'pro' })).id)];
    const noon = Date.parse('2026-01-01T12:00:00Z');
    let now = noon + 1000;
    const processes = [0, 1, 2].map(
      () => new KeyRateLimiter(t.database.db, { free: 1, pro: 100, enterprise: 1 }, () => now),
    );
    const attempts = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        processes[i % 3]!.take(principal(id), () => {}).then(
          () => 'admitted',
          (error: { code?: string }) => error.code,
        ),
      ),
    );
    expect(attempts.filter((a) => a === 'admitted').length).toBeLessThanOrEqual(100);
    // Tokens left in other processes' leases are at most a batch (2) each.
    expect(attempts.filter((a) => a === 'admitted').length).toBeGreaterThanOrEqual(100 - 2 * 2);
    expect(attempts.filter((a) => a !== 'admitted').every((a) => a === 'rate_limited')).toBe(true);

    // The next minute starts a new count.
    now = noon + 61_000;
    await expect(processes[0]!.take(principal(id), () => {})).resolves.toBeUndefined();
  });

  it('deletes finished windows', async () => {
    const { id } = await t.createKey((await t.createWorkspace({ plan: 'pro' })).id);
    let now = Date.parse('2026-01-01T08:00:30Z');
    const limiter = new KeyRateLimiter(t.database.db, LIMITS, () => now);
    await limiter.take(principal(id), () => {});
    const rows = async () =>
      (
        await t.database.rows<{ n: number }>(
          (await import('drizzle-orm')).sql`select count(*)::int as n from rate_limit_windows where key_id = ${id}`,
        )
      )[0]!.n;
    expect(await rows()).toBe(1);
    now += 11 * 60_000;
    await limiter.purge();
    expect(await rows()).toBe(0);
  });
});

describe('failed verifications per client address', () => {
  it('refuse an address after 3 failures before any database read, but keep serving its verified keys', async () => {
    const server = await t.listen();
    try {
      const good = await freshKey('enterprise');
      const unseen = await freshKey('enterprise');
      const call = (key: string) =>
        fetch(`${server.url}/api/v1/iocs?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      expect((await call(good)).status).toBe(200);

      const prefix = good.slice(8, 20);
      const guesses = ['a', 'b', 'c', 'd'].map((c) => formatApiKey(prefix + c.repeat(24)));
      const statuses = [];
      for (const guess of guesses.slice(0, 3)) statuses.push((await call(guess)).status);
      expect(statuses).toEqual([401, 401, 401]);

      const reads = t.verifier.stats.databaseReads;
      const blocked = await call(guesses[3]!);
      expect(blocked.status).toBe(429);
      expect(JSON.parse(await blocked.text()).error.code).toBe('rate_limited');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      // Even a valid key the server has not verified yet waits: nothing reaches the database.
      expect((await call(unseen)).status).toBe(429);
      expect(t.verifier.stats.databaseReads).toBe(reads);
      // A key already verified keeps working from the same address.
      expect((await call(good)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
