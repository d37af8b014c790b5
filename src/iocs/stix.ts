/**
 * STIX 2.1 both ways (docs/api.md §8): IOCs leave as `indicator` objects with a STIX pattern, marked
 * with TLP 2.0 marking definitions; indicators' patterns and cyber-observables come in as IOCs.
 *
 * `ipv4` ↔ `ipv4-addr:value`, `ipv6` ↔ `ipv6-addr:value`, `domain` ↔ `domain-name:value`,
 * `url` ↔ `url:value`, `email` ↔ `email-addr:value`, `md5`/`sha1`/`sha256` ↔ `file:hashes.MD5`,
 * `file:hashes.'SHA-1'`, `file:hashes.'SHA-256'`.
 */
import { v4 as uuidv4, v5 as uuidv5 } from 'uuid';
import type { IocType } from '../core/normalize.js';
import type { Tlp } from '../core/vocabulary.js';
import { STIX_PROPERTIES, type RawIoc, type RestIoc } from './record.js';
import { IDENTITY_NAMESPACE, indicatorUuid } from '../core/stixIds.js';
import { isoTimestamp } from '../db/time.js';
import type { SightingRow } from './sightings.js';

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

export type { Tlp };

const OBJECT_PATHS: Record<IocType, string> = {
  ipv4: 'ipv4-addr:value',
  ipv6: 'ipv6-addr:value',
  domain: 'domain-name:value',
  url: 'url:value',
  email: 'email-addr:value',
  md5: 'file:hashes.MD5',
  sha1: "file:hashes.'SHA-1'",
  sha256: "file:hashes.'SHA-256'",
};

/** The extension OASIS defines for TLP 2.0 markings, and its five marking definitions. */
const TLP_2_EXTENSION = 'extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d';
const TLP_2_IDS: Record<Tlp, string> = {
  clear: 'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487',
  green: 'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb',
  amber: 'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421',
  'amber+strict': 'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003',
  red: 'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1',
};
/** TLP 1.0 markings (STIX 2.1's predefined ones), read on import. */
const TLP_1_IDS: Record<string, Tlp> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};

export const TLP_MARKINGS = (Object.keys(TLP_2_IDS) as Tlp[]).map((tlp) => ({
  type: 'marking-definition',
  spec_version: '2.1',
  id: TLP_2_IDS[tlp],
  created: '2022-10-01T00:00:00.000Z',
  name: `TLP:${tlp.toUpperCase()}`,
  extensions: { [TLP_2_EXTENSION]: { extension_type: 'property-extension', tlp_2_0: tlp } },
}));

/**
 * Who made an indicator (issue: the first hour): every exported indicator names, in
 * `created_by_ref`, either the shared feed's identity (the same on every installation) or its
 * workspace's (derived from the workspace id, which it also carries as `x_workspace_id`), so that
 * an import can keep a workspace's own IOCs out of the shared feed.
 */
export const SHARED_FEED_IDENTITY = {
  type: 'identity',
  spec_version: '2.1',
  id: `identity--${uuidv5('shared feed', IDENTITY_NAMESPACE)}`,
  created: '2026-01-01T00:00:00.000Z',
  modified: '2026-01-01T00:00:00.000Z',
  name: 'Shared feed',
  identity_class: 'system',
};

export function workspaceIdentity(workspace: { id: string; name: string }) {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: `identity--${uuidv5(workspace.id, IDENTITY_NAMESPACE)}`,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    name: workspace.name,
    identity_class: 'organization',
    x_workspace_id: workspace.id,
  };
}

/** A STIX string literal: single quotes, with `\` and `'` escaped. */
const quote = (value: string) => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** Indicator ids are derived from IOC ids (name-based UUIDs), so that every export and TAXII page keeps them. */
export const indicatorId = (iocId: string) => `indicator--${indicatorUuid(iocId)}`;

/** Shared, never changed: one array per TLP and one of indicator types, instead of new ones per indicator. */
const MARKING_REFS = Object.fromEntries(
  Object.entries(TLP_2_IDS).map(([tlp, id]) => [tlp, Object.freeze([id])]),
) as Record<Tlp, readonly string[]>;
const INDICATOR_TYPES: readonly string[] = Object.freeze(['malicious-activity']);

/** The STIX indicator of an IOC; `owner` is the identity of the workspace whose own IOCs are exported. */
export function indicatorOf(ioc: RestIoc, owner?: { id: string }) {
  const tags = labels(ioc);
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: indicatorId(ioc.id),
    created_by_ref: ioc.shared || !owner ? SHARED_FEED_IDENTITY.id : owner.id,
    created: ioc.created_at,
    modified: ioc.updated_at,
    name: ioc.value,
    indicator_types: INDICATOR_TYPES,
    pattern: `[${OBJECT_PATHS[ioc.type]} = ${quote(ioc.value)}]`,
    pattern_type: 'stix',
    pattern_version: '2.1',
    ...stixProperties(ioc),
    ...(tags.length > 0 ? { labels: tags } : {}),
    object_marking_refs: MARKING_REFS[ioc.tlp],
  };
}

/**
 * A workspace's sightings of one IOC as a STIX 2.1 `sighting` (its own collection serves them):
 * how many times it saw the indicator and when last, and its judgement as `x_false_positive`.
 */
export function sightingOf(sighting: SightingRow, owner: { id: string }) {
  return {
    type: 'sighting',
    spec_version: '2.1',
    id: `sighting--${sighting.uuid}`,
    created_by_ref: owner.id,
    created: isoTimestamp(sighting.createdAt),
    modified: isoTimestamp(sighting.updatedAt),
    sighting_of_ref: indicatorId(sighting.iocId),
    where_sighted_refs: [owner.id],
    count: sighting.count,
    ...(sighting.lastSeen ? { last_seen: isoTimestamp(sighting.lastSeen) } : {}),
    x_false_positive: sighting.falsePositive,
  };
}

/** The fields that are one indicator property each (src/iocs/record.ts), where they have a value. */
function stixProperties(ioc: RestIoc): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, property] of STIX_PROPERTIES) {
    const value = ioc[name as keyof RestIoc];
    if (value !== null) properties[property] = value;
  }
  return properties;
}

/** Threat type, malware family and tags, each once, in that order. */
function labels(ioc: RestIoc): string[] {
  if (!ioc.threat_type && !ioc.malware_family) return ioc.tags.length < 2 ? ioc.tags : [...new Set(ioc.tags)];
  return [
    ...new Set([
      ...(ioc.threat_type ? [ioc.threat_type] : []),
      ...(ioc.malware_family ? [ioc.malware_family] : []),
      ...ioc.tags,
    ]),
  ];
}

/**
 * A bundle as text, page by page: the five TLP markings and the two identities first, then one
 * indicator per IOC. Only one page is held at a time, whatever the number of IOCs.
 */
export async function* stixBundle(
  pages: AsyncIterable<RestIoc[]>,
  workspace: { id: string; name: string },
): AsyncGenerator<string> {
  const owner = workspaceIdentity(workspace);
  const head = [...TLP_MARKINGS, SHARED_FEED_IDENTITY, owner].map((o) => JSON.stringify(o)).join(',');
  yield `{"type":"bundle","id":"bundle--${uuidv4()}","objects":[${head}`;
  for await (const page of pages) {
    if (page.length > 0) yield `,${page.map((ioc) => JSON.stringify(indicatorOf(ioc, owner))).join(',')}`;
  }
  yield ']}\n';
}

// ---------------------------------------------------------------------------------------------
// Import

/** What an incoming STIX object says about one IOC; values are normalised by the importer. */
export type StixIoc = Omit<RawIoc, 'type' | 'value' | 'shared'> & {
  type: IocType;
  value: string;
  /** Who made it, when its bundle says: the shared feed (true) or a workspace (false). */
  shared?: boolean;
};

/** The identities of a bundle that stand for this product's shared feed or one of its workspaces, by id. */
export function ownersOf(objects: readonly unknown[]): Map<string, boolean> {
  const owners = new Map<string, boolean>([[SHARED_FEED_IDENTITY.id, true]]);
  for (const object of objects) {
    const o = object as Record<string, unknown> | null;
    if (o?.type === 'identity' && typeof o.id === 'string' && typeof o.x_workspace_id === 'string')
      owners.set(o.id, false);
  }
  return owners;
}

const PATH_TYPES: Record<string, IocType> = {
  'ipv4-addr:value': 'ipv4',
  'ipv6-addr:value': 'ipv6',
  'domain-name:value': 'domain',
  'url:value': 'url',
  'email-addr:value': 'email',
  'file:hashes.md5': 'md5',
  "file:hashes.'md5'": 'md5',
  "file:hashes.'sha-1'": 'sha1',
  'file:hashes.sha1': 'sha1',
  "file:hashes.'sha-256'": 'sha256',
  'file:hashes.sha256': 'sha256',
};

/**
 * The longest STIX pattern read (docs/api.md §12). Real indicators compare a handful of observables in
 * a few hundred characters; 10,000 leaves room for long `OR` lists and bounds what one object costs.
 */
export const MAX_PATTERN_CHARS = 10_000;

const isPathCharacter = (c: string) =>
  (c >= 'a' && c <= 'z') ||
  (c >= 'A' && c <= 'Z') ||
  (c >= '0' && c <= '9') ||
  c === '-' ||
  c === '_' ||
  c === '.' ||
  c === ':';
const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** The end of the string literal opening at `start` (its closing quote), or -1 when it never closes. */
function literalEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === "'") return i;
  }
  return -1;
}

/**
 * Every supported observable compared by equality in a STIX pattern (`object-path = 'literal'`,
 * inside `OR`, `AND`, brackets and all), read in one pass from left to right: each character is
 * looked at a bounded number of times, so the time is linear in the pattern's length whatever it
 * holds (docs/api.md §12). An object path is letters, digits, `-_.:` and quoted segments after a dot
 * (`file:hashes.'SHA-256'`).
 */
export function patternValues(pattern: string): { type: IocType; value: string }[] {
  const found: { type: IocType; value: string }[] = [];
  let path: string | null = null;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (isPathCharacter(c)) {
      let end = i;
      while (end < pattern.length) {
        if (isPathCharacter(pattern[end]!)) end++;
        else if (pattern[end] === "'" && pattern[end - 1] === '.') {
          const close = literalEnd(pattern, end);
          if (close < 0) break;
          end = close + 1;
        } else break;
      }
      path = pattern.slice(i, end);
      i = end;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '=' && path !== null) {
      let j = i + 1;
      while (isSpace(pattern[j])) j++;
      if (pattern[j] === "'") {
        const close = literalEnd(pattern, j);
        if (close < 0) break;
        const type = PATH_TYPES[path.toLowerCase()];
        if (type) found.push({ type, value: pattern.slice(j + 1, close).replace(/\\(.)/g, '$1') });
        i = close + 1;
        path = null;
        continue;
      }
    }
    // Any other token ends a path: a literal is skipped whole, so its content is never read as a path.
    path = null;
    if (c === "'") {
      const close = literalEnd(pattern, i);
      if (close < 0) break;
      i = close + 1;
    } else i++;
  }
  return found;
}

const HASH_KEYS: Record<string, IocType> = {
  md5: 'md5',
  'sha-1': 'sha1',
  sha1: 'sha1',
  'sha-256': 'sha256',
  sha256: 'sha256',
};
const OBSERVABLE_TYPES: Record<string, IocType> = {
  'ipv4-addr': 'ipv4',
  'ipv6-addr': 'ipv6',
  'domain-name': 'domain',
  url: 'url',
  'email-addr': 'email',
};

const TLP_BY_ID: Record<string, Tlp> = {
  ...TLP_1_IDS,
  ...Object.fromEntries(Object.entries(TLP_2_IDS).map(([tlp, id]) => [id, tlp as Tlp])),
};

/** The fields an indicator gives as one property each (src/iocs/record.ts), when they are text, numbers or booleans. */
function stixFields(o: Record<string, unknown>): Omit<RawIoc, 'type' | 'value' | 'shared'> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [, property, field] of STIX_PROPERTIES) {
    const value = o[property];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[field] = value;
  }
  return fields;
}

/**
 * The IOCs a STIX object carries: an indicator with a `stix` pattern, or a supported
 * cyber-observable. Null when the object is of another kind (skipped, not an error); an error
 * message when it is a supported kind that carries nothing usable.
 */
export function iocsOfStixObject(
  object: unknown,
  owners: ReadonlyMap<string, boolean> = new Map(),
): StixIoc[] | string | null {
  if (typeof object !== 'object' || object === null) return 'not a STIX object';
  const o = object as Record<string, unknown>;
  const shared = typeof o.created_by_ref === 'string' ? owners.get(o.created_by_ref) : undefined;
  const tlp = Array.isArray(o.object_marking_refs)
    ? o.object_marking_refs.map((ref) => TLP_BY_ID[String(ref)]).find((t) => t !== undefined)
    : undefined;
  const common = {
    ...(tlp ? { tlp } : {}),
    ...(shared === undefined ? {} : { shared }),
  };
  if (o.type === 'indicator') {
    if (o.pattern_type !== undefined && o.pattern_type !== 'stix')
      return `pattern_type ${typeof o.pattern_type === 'string' ? o.pattern_type : JSON.stringify(o.pattern_type)} is not supported`;
    if (typeof o.pattern !== 'string') return 'indicator without a pattern';
    if (o.pattern.length > MAX_PATTERN_CHARS)
      return `the pattern is longer than ${MAX_PATTERN_CHARS.toLocaleString('en')} characters`;
    const values = patternValues(o.pattern);
    if (values.length === 0) return 'the pattern compares no supported observable';
    const tags = Array.isArray(o.labels) ? o.labels.filter((l): l is string => typeof l === 'string') : [];
    const threatType =
      Array.isArray(o.indicator_types) && typeof o.indicator_types[0] === 'string' ? o.indicator_types[0] : undefined;
    return values.map((v) => ({
      ...v,
      ...common,
      ...(tags.length ? { tags } : {}),
      ...(threatType ? { threatType } : {}),
      ...stixFields(o),
      ...(typeof o.modified === 'string' ? { lastSeen: o.modified } : {}),
    }));
  }
  const observable = OBSERVABLE_TYPES[String(o.type)];
  if (observable)
    return typeof o.value === 'string'
      ? [{ type: observable, value: o.value, ...common }]
      : `${String(o.type)} without a value`;
  if (o.type === 'file') {
    const hashes =
      typeof o.hashes === 'object' && o.hashes !== null ? Object.entries(o.hashes as Record<string, unknown>) : [];
    const found = hashes.flatMap(([name, value]) => {
      const type = HASH_KEYS[name.toLowerCase()];
      return type && typeof value === 'string' ? [{ type, value, ...common }] : [];
    });
    return found.length ? found : 'file without an MD5, SHA-1 or SHA-256 hash';
  }
  return null;
}
