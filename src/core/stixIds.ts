/**
 * The namespaces of the name-based UUIDs (v5) in STIX ids, and the one v5 computation on the hot
 * path. They never change: an indicator's id is the same in every export, TAXII page and
 * installation, and the database indexes the same derivation (uuid-ossp, drizzle/0011).
 */
import { hash } from 'node:crypto';

/** Indicator ids: `indicator--` + v5(the IOC's id). */
export const INDICATOR_NAMESPACE = 'a8d5d2b6-4c1e-5b7a-9f0e-3c6b1d2e7f40';

/** Sighting ids: `sighting--` + v5(`<workspace id>:<IOC id>`), one per workspace and IOC it reported (src/iocs/sightings.ts). */
export const SIGHTING_NAMESPACE = '6e1f2a3b-7c4d-5e8f-9a0b-1c2d3e4f5a6b';

/**
 * MISP events served out (src/feeds/mispFeed.ts): v5(`<shared|workspace id>/<source>/<UTC day>`),
 * which the database computes too (`misp_event_uuid`, drizzle/0024); their organisations likewise.
 */
export const MISP_EVENT_NAMESPACE = '9b2c4d6e-1f3a-5b5c-8d7e-0f1a2b3c4d5e';

/** MISP attributes served out: v5(the IOC's id). */
export const MISP_ATTRIBUTE_NAMESPACE = 'c4e5f6a7-2b3c-5d4e-9f8a-7b6c5d4e3f2a';

/** Identity ids: the shared feed's and each workspace's. */
export const IDENTITY_NAMESPACE = '3f0b8a4e-9d2c-5e61-8a7b-2c4d6e8f0a1b';

const INDICATOR_NAMESPACE_BYTES = Buffer.from(INDICATOR_NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * RFC 9562 v5 of `name` in the indicator namespace: SHA-1 of namespace and name, version and
 * variant bits set. The `uuid` package's v5 gives the same (a property test holds them equal), at
 * four times the cost: a page of 1000 TAXII objects computes 1000 of them (docs/performance.md).
 */
export function indicatorUuid(name: string): string {
  const digest = hash('sha1', Buffer.concat([INDICATOR_NAMESPACE_BYTES, Buffer.from(name, 'utf8')]), 'hex');
  const variant = ((parseInt(digest[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${digest.slice(0, 8)}-${digest.slice(8, 12)}-5${digest.slice(13, 16)}-${variant}${digest.slice(17, 20)}-${digest.slice(20, 32)}`;
}
