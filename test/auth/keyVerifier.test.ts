/**
 * The verified-key cache (docs/api.md §2): no argon2 and no database read for a key seen before, yet
 * never a stale answer after expiry, revocation or a lost notification channel; and a flood of
 * guesses against one prefix does not hold up anyone else.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApiKey } from '../../src/auth/keyFormat.js';
import { KeyVerifier } from '../../src/auth/keyVerifier.js';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { revokeApiKey } from '../../src/keys/service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';
import { within } from '../support/timing.js';

let t: TestApp;
let workspaceId: string;
beforeAll(async () => {
  t = await createTestApp();
  ({ id: workspaceId } = await t.createWorkspace());
});
afterAll(() => t.close());

const viewer = (key: string) => t.graphql(key, '{ viewer { key { name } } }');

async function freshVerifier(options: ConstructorParameters<typeof KeyVerifier>[1] = {}) {
  const verifier = new KeyVerifier(t.database.db, options);
  await verifier.subscribe(t.database);
  return verifier;
}

describe('a key seen before', () => {
  it('costs one argon2 run and one database read, however many requests follow', async () => {
    const verifier = await freshVerifier();
    const { key, prefix } = await t.createKey(workspaceId);
    for (let i = 0; i < 100; i++) await verifier.verify(key, prefix);
    expect(verifier.stats).toMatchObject({ argon2Verifications: 1, databaseReads: 1, cacheHits: 99 });
  });

  it('is verified with argon2 exactly once when 50 first requests arrive at once', async () => {
    const { key } = await t.createKey(workspaceId);
    const before = t.verifier.stats.argon2Verifications;
    const answers = await Promise.all(Array.from({ length: 50 }, () => viewer(key)));
    expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
    expect(t.verifier.stats.argon2Verifications - before).toBe(1);
  });

  it('is refused once its expiry passes, though it is still cached', async () => {
    let now = Date.now();
    const verifier = await freshVerifier({ now: () => now });
    const { key, prefix } = await t.createKey(workspaceId, { expiresInDays: 1 });
    await verifier.verify(key, prefix);
    expect(verifier.cachedKeys).toBe(1);
    now += 2 * 24 * 3600 * 1000;
    await expect(verifier.verify(key, prefix)).rejects.toMatchObject({ code: 'expired_api_key' });
  });

  it('is refused within a second of its revocation', async () => {
    const { id, key } = await t.createKey(workspaceId);
    expect((await viewer(key)).status).toBe(200);
    await revokeApiKey(t.database.db, { id, actor: CLI_ACTOR });
    const elapsed = await within(async () => (await viewer(key)).status === 401, 1000);
    expect(elapsed).toBeLessThan(1000);
    expect((await viewer(key)).body.errors?.[0]?.extensions?.code).toBe('expired_api_key');
  });

  it('after a flush is matched against its remembered hash, without argon2', async () => {
    const verifier = await freshVerifier();
    const { key, prefix } = await t.createKey(workspaceId);
    await verifier.verify(key, prefix);
    verifier.flush();
    await verifier.verify(key, prefix);
    expect(verifier.stats).toMatchObject({ argon2Verifications: 1, databaseReads: 2 });
  });
});

describe('wrong secrets', () => {
  it('are refused without argon2 when the same guess comes again', async () => {
    const verifier = await freshVerifier();
    const { prefix } = await t.createKey(workspaceId);
    const guess = formatApiKey(prefix + 'g'.repeat(24));
    for (let i = 0; i < 5; i++) {
      await expect(verifier.verify(guess, prefix)).rejects.toMatchObject({ code: 'invalid_api_key' });
    }
    expect(verifier.stats.argon2Verifications).toBe(1);
  });

  it('count once against their address when the same guess arrives many times at once', async () => {
    const verifier = await freshVerifier({ maxFailuresPerAddress: 2 });
    const { prefix } = await t.createKey(workspaceId);
    const guess = (c: string) => formatApiKey(prefix + c.repeat(24));
    const burst = await Promise.allSettled(
      Array.from({ length: 20 }, () => verifier.verify(guess('i'), prefix, '192.0.2.7')),
    );
    expect(burst.every((r) => r.status === 'rejected' && r.reason.code === 'invalid_api_key')).toBe(true);
    expect(verifier.stats.argon2Verifications).toBe(1);
    // The burst was one failure: a second guess is still verified, a third is refused unread.
    await expect(verifier.verify(guess('j'), prefix, '192.0.2.7')).rejects.toMatchObject({ code: 'invalid_api_key' });
    await expect(verifier.verify(guess('k'), prefix, '192.0.2.7')).rejects.toMatchObject({ code: 'rate_limited' });
    expect(verifier.stats.argon2Verifications).toBe(2);
  });

  it('flooding one prefix neither stalls another caller nor runs more than one argon2 at a time', async () => {
    const { prefix } = await t.createKey(workspaceId);
    const other = await t.createKey(workspaceId);
    const guesses = Array.from({ length: 60 }, (_, i) => formatApiKey(prefix + String(i).padStart(24, 'h')));
    let floodDone = 0;
    const flood = Promise.all(
      guesses.map((guess) =>
        viewer(guess).then((answer) => {
          floodDone = Date.now();
          return answer;
        }),
      ),
    );
    const otherAnswer = await viewer(other.key);
    const otherDone = Date.now();
    const floodAnswers = await flood;

    expect(otherAnswer.status).toBe(200);
    expect(otherDone).toBeLessThanOrEqual(floodDone);
    const codes = floodAnswers.map((a) => a.body.errors?.[0]?.extensions?.code);
    expect(new Set(codes)).toEqual(new Set(['invalid_api_key', 'rate_limited']));
    // One running and a short queue: most are turned away at once, without argon2.
    expect(codes.filter((c) => c === 'rate_limited').length).toBeGreaterThan(30);
    expect(floodAnswers.every((a) => a.status === 401 || a.status === 429)).toBe(true);
  });
});

describe.skipIf(!serverUrl)('a lost notification channel', () => {
  it('flushes the cache at once, caches nothing while deaf, and resumes after it reconnects', async () => {
    const verifier = await freshVerifier();
    const { key, prefix } = await t.createKey(workspaceId);
    await verifier.verify(key, prefix);
    expect(verifier.cachedKeys).toBe(1);

    const admin = postgres(t.url!, { max: 1 });
    await admin`select pg_terminate_backend(pid) from pg_stat_activity
                where datname = current_database() and query ilike 'listen%'`;
    await within(() => verifier.cachedKeys === 0, 2000);
    await admin.end();

    // Once re-subscribed, verified keys are cached again.
    await within(async () => {
      await verifier.verify(key, prefix);
      return verifier.cachedKeys === 1;
    }, 5000);
    expect(verifier.stats.argon2Verifications).toBe(1);
  });
});
