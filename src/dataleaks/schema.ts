/**
 * Data leaks over GraphQL (docs/api.md §5): strict by design. Every search needs its scoped input
 * (missing: `missing_parameter`, malformed: `invalid_parameter`, outside the scope: `forbidden`),
 * the key needs `dataleaks:read`, and the workspace an active enterprise plan.
 */
import type { Principal } from '../auth/principal.js';
import { forbidden, invalidParameter, missingParameter } from '../core/errors.js';
import { builder, type Types } from '../graphql/builder.js';
import { connectionType, pageArgs, paginate } from '../graphql/connections.js';
import { UUID_PATTERN } from '../core/ids.js';
import { recordFields } from '../graphql/records.js';
import { normalizeBin, normalizeDomain, normalizeEmail } from '../core/normalize.js';
import { coversBin, coversDomain, coversEmail } from '../workspaces/scopeRules.js';
import * as repository from './repository.js';
import { passwordHashesInRange } from './passwordCounts.js';
import type { CardLeakRow, CredentialLeakRow } from './repository.js';
import { CARD_LEAK_FIELDS, CREDENTIAL_LEAK_FIELDS } from './record.js';
import { LEAK_PLANS, leakAccess } from '../core/plans.js';

export const CredentialLeakRef = builder.objectRef<CredentialLeakRow>('CredentialLeak').implement({
  description: 'A leaked credential. The password itself is never stored nor returned, only a mask.',
  fields: (t) => recordFields(t, CREDENTIAL_LEAK_FIELDS),
});

export const CardLeakRef = builder.objectRef<CardLeakRow>('CardLeak').implement({
  description: 'A leaked payment card: BIN, last four digits and expiry, never the full number.',
  fields: (t) => recordFields(t, CARD_LEAK_FIELDS),
});

/** The most a leak search counts (`totalCount`); past it, `totalCountExact` is false. */
export const LEAK_COUNT_CAP = 10_000;
const CredentialLeakConnectionRef = connectionType('CredentialLeak', CredentialLeakRef, {
  totalCount: { cap: LEAK_COUNT_CAP },
});
const CardLeakConnectionRef = connectionType('CardLeak', CardLeakRef, { totalCount: { cap: LEAK_COUNT_CAP } });

const DOMAIN_KEY_PATTERN = /^[a-z0-9.-]{1,254}$/;
const BIN_PATTERN = /^\d{6,8}$/;

/** Data leaks come with the plans that include them (src/core/plans.ts), and only while billing is in order. */
function requireLeakAccess(principal: Principal): void {
  const access = leakAccess(principal.workspace);
  if (access === 'plan')
    throw forbidden(`data leak searches need the ${LEAK_PLANS.join(' or ')} plan.`, { reason: 'plan' });
  if (access === 'billing')
    throw forbidden(`data leak searches are suspended while billing is ${principal.workspace.billingStatus}.`, {
      reason: 'billing',
    });
}

/** The scoped input, normalised, present, well formed and inside the scope, or the §4 error. */
function scopedInput(
  name: string,
  raw: string,
  normalize: (value: string) => string | null,
  covered: (value: string) => boolean,
): string {
  if (raw.trim() === '') throw missingParameter(name);
  const value = normalize(raw);
  if (value === null) throw invalidParameter(name, `is not a valid ${name}.`);
  if (!covered(value))
    throw forbidden(`the ${name} ${value} is outside the workspace scope.`, {
      reason: 'outside_scope',
      type: name,
      value,
    });
  return value;
}

/**
 * A search of credential leaks under a domain of the scope, by the email's domain or by the site:
 * one range of the key column's index, keyset-paged on (key, id).
 */
function underDomain(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, Record<string, never>>,
  by: 'domain' | 'site',
  description: string,
) {
  const search = by === 'domain' ? repository.credentialLeaksByDomain : repository.credentialLeaksBySite;
  return t.field({
    type: CredentialLeakConnectionRef,
    description,
    authScopes: { permission: 'dataleaks:read' },
    args: { domain: t.arg.string({ required: true }), ...pageArgs(t.arg) },
    resolve: (_parent, args, { db, principal }) => {
      const domain = scopedInput('domain', args.domain, normalizeDomain, (d) => coversDomain(principal.scope, d));
      return paginate<CredentialLeakRow>(
        args,
        (limit, after) => search(db, domain, limit, after as [string, string] | null),
        { parts: [DOMAIN_KEY_PATTERN, UUID_PATTERN], of: (row) => [row.sortKey!, row.id] },
        { count: (cap) => repository.countLeaks(db, { by, domain }, cap), cap: LEAK_COUNT_CAP },
      );
    },
  });
}

const DataleaksRef = builder.objectRef<Record<string, never>>('Dataleaks').implement({
  description: 'Searches of leaked credentials and cards, limited to the workspace scope.',
  fields: (t) => ({
    byDomain: underDomain(t, 'domain', 'Leaked credentials whose email is at the domain or any of its subdomains.'),
    bySite: underDomain(
      t,
      'site',
      "Credentials captured on the website at the domain or any of its subdomains: the accounts of the workspace's own customers, found in stealer logs.",
    ),
    byEmail: t.field({
      type: CredentialLeakConnectionRef,
      description: 'Leaked credentials of one address.',
      authScopes: { permission: 'dataleaks:read' },
      args: { email: t.arg.string({ required: true }), ...pageArgs(t.arg) },
      resolve: (_parent, args, { db, principal }) => {
        const email = scopedInput('email', args.email, normalizeEmail, (e) => coversEmail(principal.scope, e));
        return paginate(
          args,
          (limit, after) => repository.credentialLeaksByEmail(db, email, limit, after?.[0] ?? null),
          { parts: [UUID_PATTERN], of: (row) => [row.id] },
          { count: (cap) => repository.countLeaks(db, { by: 'email', email }, cap), cap: LEAK_COUNT_CAP },
        );
      },
    }),
    byBin: t.field({
      type: CardLeakConnectionRef,
      description: 'Leaked cards whose BIN starts with the given 6 to 8 digits.',
      authScopes: { permission: 'dataleaks:read' },
      args: { bin: t.arg.string({ required: true }), ...pageArgs(t.arg) },
      resolve: (_parent, args, { db, principal }) => {
        const bin = scopedInput('bin', args.bin, normalizeBin, (b) => coversBin(principal.scope, b));
        return paginate(
          args,
          (limit, after) => repository.cardLeaksByBin(db, bin, limit, after as [string, string] | null),
          { parts: [BIN_PATTERN, UUID_PATTERN], of: (row) => [row.bin, row.id] },
          { count: (cap) => repository.countLeaks(db, { by: 'bin', bin }, cap), cap: LEAK_COUNT_CAP },
        );
      },
    }),
  }),
});

builder.queryField('dataleaks', (t) =>
  t.field({
    type: DataleaksRef,
    description: 'Searches of leaked credentials and cards inside the scope: the enterprise plan, with billing active.',
    authScopes: { permission: 'dataleaks:read' },
    resolve: (_root, _args, { principal }) => {
      requireLeakAccess(principal);
      return {};
    },
  }),
);

const PasswordHashCountRef = builder.objectRef<{ suffix: string; count: number }>('PasswordHashCount').implement({
  description: 'A stored password hash in a range search: the rest of the hash, and in how many leaks it appears.',
  fields: (t) => ({
    suffix: t.exposeString('suffix', {
      description: 'The hex digits after the prefix, upper case: 35 of a SHA-1, 27 of an NTLM hash.',
    }),
    count: t.exposeInt('count'),
  }),
});

const PasswordHashModeRef = builder.enumType('PasswordHashMode', {
  description: 'Which hash of the leaked passwords a range search reads.',
  values: {
    SHA1: { value: 'sha1', description: 'SHA-1 of the password (the default).' },
    NTLM: { value: 'ntlm', description: "Windows' NTLM hash: MD4 of the password's UTF-16LE bytes." },
  } as const,
});

const HASH_PREFIX = /^[0-9a-fA-F]{5}$/;

builder.queryField('passwordRange', (t) =>
  t.field({
    type: [PasswordHashCountRef],
    description:
      "Breached-password range search (k-anonymity): the hashes of stored leaked passwords (SHA-1, or NTLM with `mode: NTLM`) that start with the 5 hex digits of `prefix`, sorted. The password never leaves the caller's hands: hash it, send the first 5 digits, look for the rest in the answer.",
    authScopes: { permission: 'passwords:read' },
    args: {
      prefix: t.arg.string({ required: true }),
      mode: t.arg({ type: PasswordHashModeRef, defaultValue: 'sha1' }),
    },
    resolve: async (_root, { prefix, mode }, { db }) => {
      if (!HASH_PREFIX.test(prefix))
        throw invalidParameter(
          'prefix',
          `must be the first 5 hex digits of ${mode === 'ntlm' ? 'an NTLM hash' : 'a SHA-1'}.`,
        );
      const rows = await passwordHashesInRange(db, prefix, mode ?? 'sha1');
      return rows.map((row) => ({ suffix: row.hash.slice(5).toUpperCase(), count: row.count }));
    },
  }),
);
