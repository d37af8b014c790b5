/**
 * The leak records, declared once (src/core/records.ts): the fields of the GraphQL `CredentialLeak` and
 * `CardLeak` types, the REST bodies and webhook payloads, in the order clients see them. The
 * compiler holds every column of the tables to an entry here; columns kept for the server's own
 * lookups (keys, the password's digest) are not shown.
 */
import type { cardLeaks, credentialLeaks } from '../db/schema.js';
import type { ShownField } from '../core/records.js';

export const CREDENTIAL_LEAK_FIELDS = {
  id: { kind: 'id', shown: true },
  email: { kind: 'text', shown: true, nullable: true, description: 'The login, when it is an email address.' },
  domain: { kind: 'text', shown: true, nullable: true, description: "The email's domain." },
  domainKey: { kind: 'text', shown: false },
  username: {
    kind: 'text',
    shown: true,
    nullable: true,
    description: "The email's local part, or the login when it is no email.",
  },
  site: {
    kind: 'text',
    shown: true,
    nullable: true,
    description: 'The host of the website where the credential was used (stealer logs, ULP files).',
  },
  siteKey: { kind: 'text', shown: false },
  passwordMasked: { kind: 'text', shown: true, nullable: true },
  passwordSha1: { kind: 'text', shown: false },
  sourceName: { kind: 'text', shown: true },
  sourceType: { kind: 'leakSourceType', shown: true },
  leakedAt: { kind: 'timestamp', shown: true, nullable: true },
  discoveredAt: { kind: 'timestamp', shown: true },
  severity: { kind: 'severity', shown: true },
} as const satisfies Record<keyof typeof credentialLeaks.$inferSelect, ShownField>;

export const CARD_LEAK_FIELDS = {
  id: { kind: 'id', shown: true },
  bin: { kind: 'text', shown: true },
  last4: { kind: 'text', shown: true },
  expiry: { kind: 'text', shown: true, nullable: true, description: 'MM/YY' },
  brand: { kind: 'text', shown: true, nullable: true },
  sourceName: { kind: 'text', shown: true },
  leakedAt: { kind: 'timestamp', shown: true, nullable: true },
  discoveredAt: { kind: 'timestamp', shown: true },
} as const satisfies Record<keyof typeof cardLeaks.$inferSelect, ShownField>;
