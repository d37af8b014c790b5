/**
 * Domains a workspace proves it owns by DNS (docs/api.md §15). The workspace claims a domain and gets a
 * TXT record to publish at `_threatintel-challenge.<domain>`; verifying looks the record up, and a
 * verified domain enters the scope (a `workspace_scope` row with source `dns`) with everything
 * under it. Verified domains are checked again every 24 hours; a record missing at three checks in
 * a row makes the domain `lapsed`: out of the scope, an audit event, and an alert of kind `scope`.
 *
 * Operators' entries (`scope add`) are the scope's other source; the API never removes them.
 */
import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { and, asc, count, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import { ApiError, forbidden, invalidParameter } from '../core/errors.js';
import { normalizeDomain } from '../core/normalize.js';
import type { DomainClaimStatus } from '../core/vocabulary.js';
import type { Db } from '../db/handle.js';
import { recordAuditEvent, SERVER_ACTOR, type Actor } from '../keys/audit.js';
import { alerts, domainClaims, workspaceScope, type DomainClaim } from '../db/schema.js';

export const RECORD_PREFIX = '_threatintel-challenge.';
export const VALUE_PREFIX = 'threatintel-verification=';
/** Claims a workspace may hold, pending, verified and lapsed together. */
export const MAX_DOMAIN_CLAIMS = 100;
/** Re-checks in a row that find no record before a verified domain lapses. */
export const MISSED_CHECKS_TO_LAPSE = 3;
const RECHECK_HOURS = 24;
/** After a lookup that failed (a timeout, a server failure: not an answer), the next try. */
const RETRY_AFTER_FAILURE_MINUTES = 60;
/** How long a process holds the claims it leased for a re-check. */
const LEASE_MINUTES = 10;
const RECHECK_BATCH = 100;
/** Lookups in flight at once during a re-check. */
const RECHECK_CONCURRENCY = 10;

/** What a TXT lookup found: the records' values (each one's strings joined), or why it got no answer. */
export type TxtAnswer = { values: string[] } | { failed: string };
export type TxtLookup = (name: string) => Promise<TxtAnswer>;

declare module '../graphql/context.js' {
  interface Services {
    /** Looks TXT records up, through `DNS_SERVERS` or the system's resolvers. */
    readonly txtLookup: TxtLookup;
    /**
     * Tells this process's key cache that a workspace's scope changed, so that its next request
     * sees it (other processes learn it from the database's notification, a moment later).
     */
    readonly scopeChanged: (workspaceId: string) => void;
  }
}

/**
 * TXT lookups through these resolvers (`host` or `host:port`, IPv6 as `[::1]:53`), or the
 * system's. A name with no record answers `{ values: [] }`; a timeout or a failing resolver
 * answers `failed` with its code, so that an outage is never taken for a missing record.
 */
export function txtLookup(servers: readonly string[] = []): TxtLookup {
  const resolver = new Resolver({ timeout: 2_000, tries: 2 });
  if (servers.length > 0) resolver.setServers([...servers]);
  return async (name) => {
    try {
      return { values: (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
      return code === 'ENOTFOUND' || code === 'ENODATA' ? { values: [] } : { failed: code };
    }
  };
}

export interface DomainRecord {
  type: 'TXT';
  name: string;
  value: string;
}

export const recordOf = (claim: Pick<DomainClaim, 'domain' | 'token'>): DomainRecord => ({
  type: 'TXT',
  name: `${RECORD_PREFIX}${claim.domain}`,
  value: `${VALUE_PREFIX}${claim.token}`,
});

/** A domain of the scope as the API lists it: a claim, or an operator's entry (no record, never removed by the API). */
export interface ScopeDomain {
  domain: string;
  status: DomainClaimStatus | 'operator';
  addedAt: string;
  verifiedAt: string | null;
  record: DomainRecord | null;
}

const claimed = (claim: DomainClaim): ScopeDomain => ({
  domain: claim.domain,
  status: claim.status,
  addedAt: claim.createdAt,
  verifiedAt: claim.verifiedAt,
  record: recordOf(claim),
});

function domainParameter(input: string): string {
  const domain = input.length <= 253 ? normalizeDomain(input) : null;
  if (domain === null || !domain.includes('.')) throw invalidParameter('domain', 'is not a domain name.');
  return domain;
}

const notClaimed = () => new ApiError('not_found', 'The workspace has not claimed this domain.');

/** Every domain of the workspace's scope, with its status; then its email addresses and BINs. */
export async function listScope(db: Db, workspaceId: string) {
  const [claims, entries] = await Promise.all([
    db.select().from(domainClaims).where(eq(domainClaims.workspaceId, workspaceId)).orderBy(asc(domainClaims.domain)),
    db
      .select()
      .from(workspaceScope)
      .where(eq(workspaceScope.workspaceId, workspaceId))
      .orderBy(asc(workspaceScope.type), asc(workspaceScope.value)),
  ]);
  const operatorDomains: ScopeDomain[] = entries
    .filter((entry) => entry.type === 'domain' && entry.source === 'operator')
    .map((entry) => ({
      domain: entry.value,
      status: 'operator',
      addedAt: entry.createdAt,
      verifiedAt: null,
      record: null,
    }));
  const operatorNames = new Set(operatorDomains.map((entry) => entry.domain));
  const domains = [
    // An operator's entry is in scope whatever a claim of the same domain says: it is the one shown.
    ...operatorDomains,
    ...claims.filter((claim) => !operatorNames.has(claim.domain)).map(claimed),
  ].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const valuesOf = (type: string) => entries.filter((entry) => entry.type === type).map((entry) => entry.value);
  return { domains, emails: valuesOf('email'), bins: valuesOf('bin') };
}

/** Claims a domain for the workspace: a new claim (`created`), or the one it already holds, record unchanged. */
export async function claimDomain(
  db: Db,
  workspaceId: string,
  input: string,
): Promise<{ claim: ScopeDomain; created: boolean }> {
  const domain = domainParameter(input);
  const existing = await findClaim(db, workspaceId, domain);
  if (existing) return { claim: claimed(existing), created: false };
  const [{ held } = { held: 0 }] = await db
    .select({ held: count() })
    .from(domainClaims)
    .where(eq(domainClaims.workspaceId, workspaceId));
  if (held >= MAX_DOMAIN_CLAIMS)
    throw forbidden(`a workspace claims at most ${MAX_DOMAIN_CLAIMS} domains; remove one first.`, { reason: 'limit' });
  const [made] = await db
    .insert(domainClaims)
    .values({ workspaceId, domain, token: randomBytes(16).toString('hex') })
    .onConflictDoNothing()
    .returning();
  // Claimed by a request of the same workspace in between: that claim is this one.
  if (!made) return { claim: claimed((await findClaim(db, workspaceId, domain))!), created: false };
  return { claim: claimed(made), created: true };
}

function findClaim(db: Db, workspaceId: string, domain: string): Promise<DomainClaim | undefined> {
  return db
    .select()
    .from(domainClaims)
    .where(and(eq(domainClaims.workspaceId, workspaceId), eq(domainClaims.domain, domain)))
    .then(([row]) => row);
}

/** What the lookup found, in the words of a `verification_failed` message. */
function foundWords(answer: TxtAnswer): string {
  if ('failed' in answer) return `the lookup failed (${answer.failed}); try again in a moment`;
  if (answer.values.length === 0) return 'found no TXT record there';
  const shown = answer.values
    .slice(0, 5)
    .map((value) => JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…` : value));
  const more = answer.values.length > 5 ? ` and ${answer.values.length - 5} more` : '';
  return `found ${shown.join(', ')}${more}`;
}

/**
 * Looks the claim's TXT record up: found, the domain is verified and in the scope from this
 * moment (an audit event says so); not found, 409 `verification_failed` with what was there.
 */
export async function verifyDomain(
  db: Db,
  lookup: TxtLookup,
  workspaceId: string,
  input: string,
  actor: Actor,
): Promise<ScopeDomain> {
  const claim = await findClaim(db, workspaceId, domainParameter(input));
  if (!claim) throw notClaimed();
  const record = recordOf(claim);
  const answer = await lookup(record.name);
  if (!('values' in answer) || !answer.values.includes(record.value)) {
    throw new ApiError(
      'verification_failed',
      `No TXT record at ${record.name} holds ${record.value}: ${foundWords(answer)}.`,
    );
  }
  const verified = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(domainClaims)
      .set({
        status: 'verified',
        verifiedAt: sql`now()`,
        lastCheckedAt: sql`now()`,
        missedChecks: 0,
        nextCheckAt: sql`now() + make_interval(hours => ${RECHECK_HOURS})`,
      })
      .where(eq(domainClaims.id, claim.id))
      .returning();
    if (!row) return undefined;
    await tx
      .insert(workspaceScope)
      .values({ workspaceId, type: 'domain', value: claim.domain, source: 'dns' })
      .onConflictDoNothing();
    if (claim.status !== 'verified')
      await recordAuditEvent(tx, {
        workspaceId,
        actor,
        action: 'scope.domain_verified',
        details: { domain: claim.domain },
      });
    return row;
  });
  // Removed by another request during the lookup.
  if (!verified) throw notClaimed();
  return claimed(verified);
}

/** Removes the workspace's claim (and the domain from the scope, when the claim put it there). */
export async function removeDomain(db: Db, workspaceId: string, input: string, actor: Actor): Promise<void> {
  const domain = domainParameter(input);
  const removed = await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(domainClaims)
      .where(and(eq(domainClaims.workspaceId, workspaceId), eq(domainClaims.domain, domain)))
      .returning();
    if (!row) return false;
    await tx.delete(workspaceScope).where(dnsEntry(workspaceId, domain));
    await recordAuditEvent(tx, { workspaceId, actor, action: 'scope.domain_removed', details: { domain } });
    return true;
  });
  if (removed) return;
  const [operatorEntry] = await db
    .select({ id: workspaceScope.id })
    .from(workspaceScope)
    .where(
      and(
        eq(workspaceScope.workspaceId, workspaceId),
        eq(workspaceScope.type, 'domain'),
        eq(workspaceScope.value, domain),
        eq(workspaceScope.source, 'operator'),
      ),
    );
  if (operatorEntry) throw forbidden('an operator added this domain to the scope; only an operator can remove it.');
  throw notClaimed();
}

const dnsEntry = (workspaceId: string, domain: string) =>
  and(
    eq(workspaceScope.workspaceId, workspaceId),
    eq(workspaceScope.type, 'domain'),
    eq(workspaceScope.value, domain),
    eq(workspaceScope.source, 'dns'),
  );

export interface RecheckReport {
  checked: number;
  /** Records still in place. */
  held: number;
  /** Records missing, counted towards a lapse. */
  missed: number;
  lapsed: number;
  /** Lookups that got no answer (not counted: tried again in an hour). */
  failed: number;
}

/**
 * Checks verified domains again: by default those due (every 24 hours), each leased by one
 * process at a time (`FOR UPDATE SKIP LOCKED`, the lease pushed forward), so that several
 * processes share the work and none checks a domain twice. `now` checks every verified domain
 * (of `workspaceId`, when given) at once, as `scope recheck` does.
 */
export async function recheckDomains(
  db: Db,
  lookup: TxtLookup,
  options: { workspaceId?: string | null; now?: boolean; scopeChanged?: (workspaceId: string) => void } = {},
): Promise<RecheckReport> {
  const report: RecheckReport = { checked: 0, held: 0, missed: 0, lapsed: 0, failed: 0 };
  // `now` walks every verified domain once, in id order; otherwise the due ones, whose lease
  // moves them out of the due range as they are taken.
  let after: string | null = null;
  for (;;) {
    const workspace = options.workspaceId ? eq(domainClaims.workspaceId, options.workspaceId) : undefined;
    const isDue = or(isNull(domainClaims.nextCheckAt), lte(domainClaims.nextCheckAt, sql`now()`));
    // Due claims are taken each workspace's oldest first (a rank within the workspace), so that one
    // workspace with many claims never pushes the others out of a batch. Two processes may pick
    // the same rows; the update re-checks that each is still due (PostgreSQL re-reads a row another
    // transaction just updated), so only one of them leases it.
    const ranked = db
      .select({
        id: domainClaims.id,
        nextCheckAt: domainClaims.nextCheckAt,
        rank: sql<number>`row_number() over (partition by ${domainClaims.workspaceId} order by ${domainClaims.nextCheckAt})`.as(
          'rank',
        ),
      })
      .from(domainClaims)
      .where(and(eq(domainClaims.status, 'verified'), workspace, isDue))
      .as('ranked');
    const pick = options.now
      ? db
          .select({ id: domainClaims.id })
          .from(domainClaims)
          .where(
            and(
              eq(domainClaims.status, 'verified'),
              workspace,
              after === null ? undefined : gt(domainClaims.id, after),
            ),
          )
          .orderBy(asc(domainClaims.id))
          .limit(RECHECK_BATCH)
      : db.select({ id: ranked.id }).from(ranked).orderBy(ranked.rank, ranked.nextCheckAt).limit(RECHECK_BATCH);
    const leased: DomainClaim[] = await db
      .update(domainClaims)
      .set({ nextCheckAt: sql`now() + make_interval(mins => ${LEASE_MINUTES})` })
      .where(and(inArray(domainClaims.id, pick), eq(domainClaims.status, 'verified'), options.now ? undefined : isDue))
      .returning();
    if (leased.length === 0) return report;
    after = leased.reduce((last, claim) => (claim.id > last ? claim.id : last), leased[0]!.id);
    // A few lookups at once: one workspace whose name servers never answer (each lookup waits out
    // its timeouts) holds a tenth of the job, not all of it, and the others' domains are checked meanwhile.
    const queue = roundRobin(leased);
    const worker = async () => {
      for (let claim = queue.shift(); claim; claim = queue.shift())
        if ((await recheckOne(db, lookup, claim, report)) === 'lapsed') options.scopeChanged?.(claim.workspaceId);
    };
    await Promise.all(Array.from({ length: RECHECK_CONCURRENCY }, worker));
  }
}

/** The claims in turns, one of each workspace at a time: a workspace's tenth claim waits for everyone's first. */
function roundRobin(claims: DomainClaim[]): DomainClaim[] {
  const byWorkspace = new Map<string, DomainClaim[]>();
  for (const claim of claims)
    byWorkspace.set(claim.workspaceId, [...(byWorkspace.get(claim.workspaceId) ?? []), claim]);
  const turns: DomainClaim[] = [];
  for (let round = 0; turns.length < claims.length; round++)
    for (const own of byWorkspace.values()) {
      const next = own[round];
      if (next) turns.push(next);
    }
  return turns;
}

async function recheckOne(
  db: Db,
  lookup: TxtLookup,
  claim: DomainClaim,
  report: RecheckReport,
): Promise<'lapsed' | undefined> {
  report.checked++;
  const record = recordOf(claim);
  const answer = await lookup(record.name);
  if ('failed' in answer) {
    report.failed++;
    await db
      .update(domainClaims)
      .set({ nextCheckAt: sql`now() + make_interval(mins => ${RETRY_AFTER_FAILURE_MINUTES})` })
      .where(eq(domainClaims.id, claim.id));
    return;
  }
  const next = sql`now() + make_interval(hours => ${RECHECK_HOURS})`;
  if (answer.values.includes(record.value)) {
    report.held++;
    await db
      .update(domainClaims)
      .set({ missedChecks: 0, lastCheckedAt: sql`now()`, nextCheckAt: next })
      .where(eq(domainClaims.id, claim.id));
    return;
  }
  report.missed++;
  if (claim.missedChecks + 1 < MISSED_CHECKS_TO_LAPSE) {
    await db
      .update(domainClaims)
      .set({ missedChecks: claim.missedChecks + 1, lastCheckedAt: sql`now()`, nextCheckAt: next })
      .where(and(eq(domainClaims.id, claim.id), eq(domainClaims.status, 'verified')));
    return;
  }
  report.lapsed++;
  await db.transaction(async (tx) => {
    const [lapsed] = await tx
      .update(domainClaims)
      .set({ status: 'lapsed', missedChecks: claim.missedChecks + 1, lastCheckedAt: sql`now()`, nextCheckAt: null })
      .where(and(eq(domainClaims.id, claim.id), eq(domainClaims.status, 'verified')))
      .returning();
    if (!lapsed) return;
    await tx.delete(workspaceScope).where(dnsEntry(claim.workspaceId, claim.domain));
    const event = await recordAuditEvent(tx, {
      workspaceId: claim.workspaceId,
      actor: SERVER_ACTOR,
      action: 'scope.domain_lapsed',
      details: { domain: claim.domain },
    });
    // The alert's record is the audit event: what changed, as it was then (src/alerts/repository.ts).
    await tx.insert(alerts).values({ workspaceId: claim.workspaceId, kind: 'scope', recordId: event });
  });
  return 'lapsed';
}
