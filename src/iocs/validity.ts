/**
 * How long an IOC holds and what it weighs (docs/api.md §13), written once for both places that
 * compute it: SQL, where listings filter and every read selects it, and TypeScript, where a row the
 * server already holds is judged (the console's figures, the tests' property check that both
 * agree to the unit).
 *
 * An IOC's validity ends at the `valid_until` its source gave, else at its `last_seen` plus its
 * type's lifetime (hashes never end). Its score is its confidence decayed with age since
 * `last_seen`, MISP's polynomial decay `1 − (t/τ)^(1/δ)` with δ = 1/3, i.e. `1 − (t/τ)³`: most of
 * the weight is kept until late in the lifetime (96 % at a third, 70 % at two thirds), none after.
 *
 * Both sides compute in IEEE doubles in the same order (seconds of age over seconds of lifetime,
 * cubed by multiplication, rounded half up as `floor(x + 0.5)`), so they agree exactly.
 */
import type { IocStatus, IocType } from '../core/vocabulary.js';

/** Days an IOC of each type stays valid after it was last seen; null: it does not expire. */
export const LIFETIME_DAYS: Readonly<Record<IocType, number | null>> = {
  ipv4: 30,
  ipv6: 30,
  url: 30,
  domain: 90,
  email: 180,
  md5: null,
  sha1: null,
  sha256: null,
};

const DAY_SECONDS = 86_400;

/** The lifetime of the row's type in seconds, as SQL (null for types that never expire). */
const lifetimeSecondsSql = `(case type ${Object.entries(LIFETIME_DAYS)
  .filter(([, days]) => days !== null)
  .map(([type, days]) => `when '${type}' then ${days! * DAY_SECONDS}`)
  .join(' ')} end)`;

/** When the row's validity ends (null: never), from its columns `type`, `last_seen`, `valid_until`. */
export const EXPIRES_SQL = `coalesce(valid_until, last_seen + make_interval(secs => ${lifetimeSecondsSql}))`;

/**
 * The earliest `last_seen` that keeps an IOC of each type active now, when its source gave no
 * `valid_until`. `last_seen + lifetime > now()` is `last_seen > now() - lifetime` (a lifetime in
 * seconds is exact arithmetic), and `now() - lifetime` as a subquery is computed once a statement
 * rather than once a row: the filter of every listing, block list and TAXII page costs a third of
 * what `EXPIRES_SQL > now()` does.
 */
const activeWithoutValidUntilSql = `case type ${Object.entries(LIFETIME_DAYS)
  .filter(([, days]) => days !== null)
  .map(([type, days]) => `when '${type}' then last_seen > (select now() - interval '${days! * DAY_SECONDS} seconds')`)
  .join(' ')} else true end`;

/**
 * Whether the row is active now (`EXPIRES_SQL` is null or later than now, and not revoked); its
 * columns under `alias` when given (in a statement of several tables).
 */
export const activeSql = (alias?: string) => {
  const qualified = (text: string) =>
    alias ? text.replace(/\b(type|last_seen|valid_until|revoked)\b/g, `${alias}.$1`) : text;
  return qualified(
    `(not revoked and case when valid_until is not null then valid_until > now() else ${activeWithoutValidUntilSql} end)`,
  );
};
export const ACTIVE_SQL = activeSql();

/** The row's status now. */
export const STATUS_SQL = `(case when revoked then 'revoked' when ${EXPIRES_SQL} <= now() then 'expired' else 'active' end)`;

/** Age over lifetime, as a double (never below 0: a `last_seen` ahead of the clock is "now"). */
const AGE_RATIO_SQL = `(greatest(0, extract(epoch from now() - last_seen))::float8 / ${lifetimeSecondsSql})`;

/** The row's score now, 0 to 100. */
export const SCORE_SQL = `(case when not ${ACTIVE_SQL} then 0 when ${lifetimeSecondsSql} is null then confidence::int
  else floor(confidence * greatest(0, 1 - ${AGE_RATIO_SQL} * ${AGE_RATIO_SQL} * ${AGE_RATIO_SQL}) + 0.5)::int end)`;

export interface Validity {
  type: IocType;
  confidence: number;
  revoked: boolean;
  /** ISO 8601. */
  lastSeen: string;
  /** The source's own end of validity (ISO 8601), or null. */
  validUntil: string | null;
}

/** What an IOC's validity comes to at one instant. */
export interface Judged {
  status: IocStatus;
  score: number;
}

/**
 * Status and score at `now`, on numbers (times as epoch milliseconds), from when validity ends
 * (`endsMs`: `EXPIRES_SQL`, or `expiresAt`; null: never): what the reads of src/iocs/repository.ts
 * call for every row they decode, and what the functions below wrap.
 */
export function judgeValidity(
  type: IocType,
  confidence: number,
  revoked: boolean,
  lastSeenMs: number,
  endsMs: number | null,
  now: number,
): Judged {
  if (revoked) return { status: 'revoked', score: 0 };
  if (endsMs !== null && endsMs <= now) return { status: 'expired', score: 0 };
  const days = LIFETIME_DAYS[type];
  if (days === null) return { status: 'active', score: confidence };
  const ratio = Math.max(0, (now - lastSeenMs) / 1000) / (days * DAY_SECONDS);
  return { status: 'active', score: Math.floor(confidence * Math.max(0, 1 - ratio * ratio * ratio) + 0.5) };
}

/** When an IOC's validity ends (epoch milliseconds), or null when it never does. */
export function expiresAt(ioc: Validity): number | null {
  if (ioc.validUntil !== null) return Date.parse(ioc.validUntil);
  const days = LIFETIME_DAYS[ioc.type];
  return days === null ? null : Date.parse(ioc.lastSeen) + days * DAY_SECONDS * 1000;
}

const judged = (ioc: Validity, now: number) =>
  judgeValidity(ioc.type, ioc.confidence, ioc.revoked, Date.parse(ioc.lastSeen), expiresAt(ioc), now);

export const iocStatus = (ioc: Validity, now = Date.now()): IocStatus => judged(ioc, now).status;

export const iocScore = (ioc: Validity, now = Date.now()): number => judged(ioc, now).score;
