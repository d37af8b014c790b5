/**
 * MISP feeds (docs/api.md §14): a folder with `manifest.json` (each event's uuid, `timestamp`,
 * `date` and tags) and one `<uuid>.json` per event, as MISP itself and PyMISP's feed generator
 * write it. A pull reads the manifest (conditionally) and fetches only the events whose timestamp
 * changed since it last read them; each group of events is written, then remembered, so a pull
 * stopped halfway goes on from there. Attributes of the types served out are read, also inside
 * MISP objects; `to_ids: false` and deleted ones are passed over.
 */
import type { IocType } from '../core/vocabulary.js';
import { TLPS } from '../core/vocabulary.js';
import type { RawIoc } from '../iocs/record.js';
import { jsonValues } from './documents.js';
import type { PullContext } from './context.js';

/** An IOC type as a MISP attribute type (served out). */
export const MISP_TYPES: Record<IocType, string> = {
  ipv4: 'ip-dst',
  ipv6: 'ip-dst',
  domain: 'domain',
  url: 'url',
  email: 'email-src',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
};

/** MISP attribute types read in, and the IOC type (null: an address, IPv4 or IPv6 by its form). */
const READ_TYPES: Record<string, IocType | null> = {
  'ip-dst': null,
  'ip-src': null,
  domain: 'domain',
  hostname: 'domain',
  url: 'url',
  'email-src': 'email',
  'email-dst': 'email',
  email: 'email',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
};

/** Events fetched, written and remembered together. */
const GROUP = 50;

interface ManifestEvent {
  timestamp?: string | number;
  date?: string;
  Tag?: { name?: string }[];
}

interface MispAttribute {
  type?: string;
  value?: string;
  to_ids?: boolean | string;
  deleted?: boolean | string;
  timestamp?: string | number;
  first_seen?: string | null;
  last_seen?: string | null;
  Tag?: { name?: string }[];
}

const yes = (flag: unknown) => flag === true || flag === 1 || flag === '1' || flag === 'true';

/** The IOCs one attribute holds (composite types such as `ip-dst|port` give their first readable part). */
function attributeIocs(attribute: MispAttribute): { type: IocType | null; value: string }[] {
  const types = String(attribute.type ?? '').split('|');
  const values = String(attribute.value ?? '').split('|');
  if (types.length !== values.length) return [];
  return types.flatMap((type, i) =>
    type in READ_TYPES ? [{ type: READ_TYPES[type]!, value: values[i]!.trim() }] : [],
  );
}

const epochIso = (seconds: unknown) => {
  const n = Number(seconds);
  return Number.isFinite(n) && n > 0 ? new Date(n * 1000).toISOString() : undefined;
};

const tagNames = (tags: unknown): string[] =>
  Array.isArray(tags)
    ? tags.flatMap((tag) =>
        typeof (tag as { name?: unknown })?.name === 'string' ? [(tag as { name: string }).name] : [],
      )
    : [];

/** `tlp:amber` → `amber` (`white` is TLP 2.0's `clear`). */
function tlpOf(tags: readonly string[]): string | undefined {
  for (const tag of tags) {
    const match = /^tlp:(.+)$/i.exec(tag.trim());
    if (!match) continue;
    const level = match[1]!.toLowerCase().replace(/^white$/, 'clear');
    if ((TLPS as readonly string[]).includes(level)) return level;
  }
  return undefined;
}

export async function pullMisp(context: PullContext): Promise<void> {
  const base = context.url.endsWith('/') ? context.url : `${context.url}/`;
  const manifest = await context.fetch(`${base}manifest.json`, { conditional: true });
  if (manifest.status === 304) return;
  const known = await context.items.load();
  const due: { uuid: string; version: string; event: ManifestEvent }[] = [];
  for await (const { key, value } of jsonValues(manifest.body, ['$.*'])) {
    const uuid = String(key);
    if (!/^[0-9a-f-]{36}$/i.test(uuid) || typeof value !== 'object' || value === null) continue;
    const event = value as ManifestEvent;
    const version = String(event.timestamp ?? '');
    if (known.get(uuid) !== version) due.push({ uuid, version, event: { date: event.date, Tag: event.Tag } });
  }
  for (let start = 0; start < due.length; start += GROUP) {
    const group = due.slice(start, start + GROUP);
    for (const { uuid, event } of group) await readEvent(context, `${base}${uuid}.json`, uuid, event);
    // Written before they are remembered: a pull stopped here reads this group again, no more.
    await context.importer.finish();
    await context.items.save(group.map(({ uuid, version }) => [uuid, version]));
  }
  context.validators(manifest);
}

async function readEvent(context: PullContext, url: string, uuid: string, event: ManifestEvent): Promise<void> {
  const fetched = await context.fetch(url, { conditional: false });
  if (fetched.status === 304) return;
  const eventTags = tagNames(event.Tag);
  const eventDate = typeof event.date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(event.date) ? event.date : undefined;
  let index = 0;
  for await (const { value } of jsonValues(fetched.body, ['$.Event.Attribute.*', '$.Event.Object.*.Attribute.*'])) {
    const attribute = value as MispAttribute;
    const where = { object: `event ${uuid} attribute ${index++}` };
    if (typeof attribute !== 'object' || attribute === null) continue;
    if (!yes(attribute.to_ids) || yes(attribute.deleted)) continue;
    const tags = [...eventTags, ...tagNames(attribute.Tag)];
    const tlp = tlpOf(tags);
    for (const ioc of attributeIocs(attribute)) {
      const raw: RawIoc = {
        type: ioc.type ?? (ioc.value.includes(':') ? 'ipv6' : 'ipv4'),
        value: ioc.value,
        firstSeen: attribute.first_seen ?? eventDate,
        lastSeen: attribute.last_seen ?? epochIso(attribute.timestamp),
        ...(tlp ? { tlp } : {}),
        tags: tags.filter((tag) => !/^tlp:/i.test(tag)),
      };
      await context.importer.add(raw, where);
    }
  }
}
