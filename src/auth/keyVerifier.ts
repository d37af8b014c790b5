/**
 * Turns a well-formed API key into a `Principal` (docs/api.md §2), paying for argon2 as rarely as
 * possible without ever trusting a stale fact:
 *
 * - Verified keys are cached in the process, by the SHA-256 of the key, with their workspace.
 *   A cached key costs no argon2 and no database round trip; its expiry is still checked on every
 *   request. The cache is trusted only while this process is subscribed to `auth_changed`
 *   (drizzle/0001): the database notifies every process when a key or workspace changes, and a
 *   lost or renewed subscription flushes everything.
 * - Which hash a key was verified against is remembered separately: a key whose row must be read
 *   again (after a flush) is matched by comparing hashes, not by another argon2 run.
 * - Concurrent first uses of one key share one verification. Wrong secrets are remembered for a
 *   while, and each prefix gets one argon2 computation at a time with a short queue, so a flood of
 *   guesses against one prefix occupies at most one thread and answers `rate_limited` past the queue.
 * - Failed verifications are counted per client address (src/auth/failedAttempts.ts): past the
 *   allowance, that address's unverified keys are refused before any database read or argon2 run.
 */
import { createHash } from 'node:crypto';
import { verify as argon2Verify } from '@node-rs/argon2';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import type { Db } from '../db/handle.js';
import { apiKeys, workspaces } from '../db/schema.js';
import { ApiError } from '../core/errors.js';
import { isUsable } from './keyState.js';
import { loadWorkspaceScope } from './scope.js';
import { FailedAttempts } from './failedAttempts.js';
import type { Principal } from './principal.js';

export const AUTH_CHANNEL = 'auth_changed';

export interface KeyVerifierOptions {
  /** How long a verified key may be served from memory at most, even with no news. */
  cacheTtlMs?: number;
  maxCacheEntries?: number;
  /** How long a wrong secret is refused without argon2. */
  failureTtlMs?: number;
  /** Verifications that may wait behind the running one for the same prefix. */
  maxQueuedPerPrefix?: number;
  /**
   * Failed verifications one client address may cause per minute. Thirty leaves room for a person
   * pasting keys by hand and a misconfigured connector's retries, and bounds a guesser to half a
   * try a second per process.
   */
  maxFailuresPerAddress?: number;
  now?: () => number;
  /** Told of every successful verification, cached or not (for `last_used_at`). */
  onVerified?: (principal: Principal) => void;
}

interface CachedKey {
  principal: Principal;
  expiresAtMs: number | null;
  cachedAtMs: number;
}

export interface KeyVerifierStats {
  argon2Verifications: number;
  databaseReads: number;
  cacheHits: number;
  cacheMisses: number;
}

export class KeyVerifier {
  private readonly verified = new Map<string, CachedKey>();
  /** SHA-256 of a key -> the argon2 hash it was proven to match. */
  private readonly provenHashes = new Map<string, string>();
  /** SHA-256 of a wrong key -> when the refusal stops being remembered. */
  private readonly failures = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<Principal>>();
  private readonly gates = new Map<string, { running: boolean; queue: Array<() => void> }>();
  private readonly changeListeners = new Set<() => void>();
  /** Bumped on every invalidation: a verification that started before one must not be cached. */
  private generation = 0;
  private coherent = false;
  readonly stats: KeyVerifierStats = { argon2Verifications: 0, databaseReads: 0, cacheHits: 0, cacheMisses: 0 };

  private readonly cacheTtlMs: number;
  private readonly maxCacheEntries: number;
  private readonly failureTtlMs: number;
  private readonly maxQueuedPerPrefix: number;
  private readonly now: () => number;
  private readonly failedAttempts: FailedAttempts;
  private readonly onVerified: (principal: Principal) => void;

  constructor(
    private readonly db: Db,
    options: KeyVerifierOptions = {},
  ) {
    this.cacheTtlMs = options.cacheTtlMs ?? 5 * 60_000;
    this.maxCacheEntries = options.maxCacheEntries ?? 10_000;
    this.failureTtlMs = options.failureTtlMs ?? 60_000;
    this.maxQueuedPerPrefix = options.maxQueuedPerPrefix ?? 8;
    this.now = options.now ?? Date.now;
    this.failedAttempts = new FailedAttempts(options.maxFailuresPerAddress ?? 30, this.now);
    this.onVerified = options.onVerified ?? (() => {});
  }

  /** Keeps the cache coherent with the database; until this resolves nothing is cached. */
  async subscribe(database: Database): Promise<void> {
    await database.subscribe(AUTH_CHANNEL, {
      onMessage: (payload) => this.invalidate(payload),
      onSubscribed: () => {
        this.flush();
        this.coherent = true;
      },
      onLost: () => {
        this.coherent = false;
        this.flush();
        for (const listener of this.changeListeners) listener();
      },
    });
  }

  /** Drops every cached key: `key:<prefix>`, `workspace:<id>`, or anything else flushes all. */
  invalidate(payload: string): void {
    for (const listener of this.changeListeners) listener();
    this.generation++;
    const [kind, id] = payload.split(':', 2);
    if (kind !== 'key' && kind !== 'workspace') return this.flush();
    for (const [hash, entry] of this.verified) {
      const matches = kind === 'key' ? entry.principal.key.prefix === id : entry.principal.workspace.id === id;
      if (matches) this.verified.delete(hash);
    }
  }

  flush(): void {
    this.generation++;
    this.verified.clear();
  }

  /**
   * Calls `listener` whenever a key or workspace may have changed (or news of it may have been
   * missed): long-lived requests, such as event streams, check their key again then.
   */
  watchChanges(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Whether the cache is trusted now (the notification channel is subscribed). */
  get cacheTrusted(): boolean {
    return this.coherent;
  }

  /** How many verified keys are served from memory right now. */
  get cachedKeys(): number {
    return this.verified.size;
  }

  /**
   * Verifies a key already known to be well formed (`parseApiKey` gave `prefix`), presented from
   * `clientAddress` (undefined when the transport has none). Throws `ApiError` with
   * `invalid_api_key`, `expired_api_key` or `rate_limited`.
   */
  async verify(key: string, prefix: string, clientAddress?: string): Promise<Principal> {
    const digest = createHash('sha256').update(key).digest('base64');
    const cached = this.verified.get(digest);
    const now = this.now();
    if (cached && now - cached.cachedAtMs < this.cacheTtlMs) {
      if (cached.expiresAtMs !== null && cached.expiresAtMs <= now) throw new ApiError('expired_api_key');
      this.stats.cacheHits++;
      this.onVerified(cached.principal);
      return cached.principal;
    }
    this.stats.cacheMisses++;
    const blockedFor = this.failedAttempts.blockedFor(clientAddress);
    if (blockedFor > 0) {
      throw new ApiError('rate_limited', 'Too many failed API key verifications from this address. Retry later.', {
        retryAfter: blockedFor,
      });
    }
    const failedUntil = this.failures.get(digest);
    if (failedUntil !== undefined) {
      if (failedUntil > now) throw new ApiError('invalid_api_key');
      this.failures.delete(digest);
    }
    let pending = this.inFlight.get(digest);
    const verifying = !pending;
    if (!pending) {
      pending = this.load(key, prefix, digest).finally(() => this.inFlight.delete(digest));
      this.inFlight.set(digest, pending);
    }
    let principal: Principal;
    try {
      principal = await pending;
    } catch (error) {
      // One failure per verification run: the same wrong key sent many times at once is one guess
      // (the requests that waited for it cost nothing), not one per copy.
      if (verifying && error instanceof ApiError && error.code === 'invalid_api_key')
        this.failedAttempts.record(clientAddress);
      throw error;
    }
    this.onVerified(principal);
    return principal;
  }

  private async load(key: string, prefix: string, digest: string): Promise<Principal> {
    const generation = this.generation;
    this.stats.databaseReads++;
    const [row] = await this.db
      .select({ key: apiKeys, workspace: workspaces })
      .from(apiKeys)
      .innerJoin(workspaces, eq(workspaces.id, apiKeys.workspaceId))
      .where(eq(apiKeys.prefix, prefix))
      .limit(1);
    if (!row) throw new ApiError('invalid_api_key');

    if (this.provenHashes.get(digest) !== row.key.secretHash) {
      const matches = await this.withPrefixGate(prefix, () => {
        this.stats.argon2Verifications++;
        return argon2Verify(row.key.secretHash, key);
      });
      if (!matches) {
        this.rememberFailure(digest);
        throw new ApiError('invalid_api_key');
      }
      this.provenHashes.set(digest, row.key.secretHash);
      trimOldest(this.provenHashes, this.maxCacheEntries);
    }

    // The state is told only to a caller who proved the secret.
    const expiresAtMs = row.key.expiresAt === null ? null : Date.parse(row.key.expiresAt);
    if (!isUsable(row.key, this.now())) throw new ApiError('expired_api_key');

    const principal: Principal = {
      key: {
        id: row.key.id,
        prefix: row.key.prefix,
        name: row.key.name,
        permissions: row.key.permissions,
        createdAt: row.key.createdAt,
        expiresAt: row.key.expiresAt,
      },
      workspace: {
        id: row.workspace.id,
        name: row.workspace.name,
        plan: row.workspace.plan,
        billingStatus: row.workspace.billingStatus,
      },
      scope: await loadWorkspaceScope(this.db, row.workspace.id),
    };
    if (this.coherent && generation === this.generation) {
      this.verified.set(digest, { principal, expiresAtMs, cachedAtMs: this.now() });
      trimOldest(this.verified, this.maxCacheEntries);
    }
    return principal;
  }

  private rememberFailure(digest: string): void {
    this.failures.set(digest, this.now() + this.failureTtlMs);
    trimOldest(this.failures, this.maxCacheEntries);
  }

  /** One argon2 computation at a time per prefix; a full queue is refused at once. */
  private async withPrefixGate<T>(prefix: string, work: () => Promise<T>): Promise<T> {
    let gate = this.gates.get(prefix);
    if (!gate) {
      gate = { running: false, queue: [] };
      this.gates.set(prefix, gate);
    }
    if (gate.running) {
      if (gate.queue.length >= this.maxQueuedPerPrefix) {
        throw new ApiError('rate_limited', 'Too many verifications for this API key at once. Retry later.', {
          retryAfter: 1,
        });
      }
      await new Promise<void>((resolve) => gate.queue.push(resolve));
    }
    gate.running = true;
    try {
      return await work();
    } finally {
      const next = gate.queue.shift();
      if (next) next();
      else {
        gate.running = false;
        this.gates.delete(prefix);
      }
    }
  }
}

/** Maps keep insertion order: drop the oldest entries beyond the bound. */
function trimOldest<K, V>(map: Map<K, V>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}
