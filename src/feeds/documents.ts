/**
 * Feed documents read as they stream (docs/api.md §14), each record handed to the importer (the
 * same checks, batches and upsert as `import`): memory stays flat whatever the document's size.
 * Lines are split by the leak imports' bounded line reader, CSV by csv-parse, JSON by
 * @streamparser/json-node, which hands over one object of the document at a time (a STIX bundle's
 * `objects`, a ThreatFox export's entries) and keeps nothing behind it; no line, record or JSON
 * token is held past a bound, whatever a source sends.
 */
import { Transform, type Readable } from 'node:stream';
import { JSONParser } from '@streamparser/json-node';
import { parse } from 'csv-parse';
import { detectIoc } from '../core/normalize.js';
import { lineBatches, MAX_LINE_CHARS } from '../dataleaks/formats.js';
import { addCsvRows, addStixObjects, type Importer } from '../iocs/import.js';
import type { RawIoc } from '../iocs/record.js';

/** The longest JSON string, number or line a feed document may hold: what one token buffers at most. */
export const MAX_TOKEN_BYTES = 1 << 20;

/**
 * Passes a JSON document through unchanged, failing it when one token (a string, a number, a
 * literal) runs past `MAX_TOKEN_BYTES`: the parser holds a token whole until it ends, so a document
 * of one endless string would otherwise fill the memory. One pass over the bytes, a few states.
 */
export function boundedJsonTokens(): Transform {
  let inString = false;
  let escaped = false;
  let run = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === 0x5c) escaped = true;
          else if (byte === 0x22) {
            inString = false;
            run = 0;
            continue;
          }
          run++;
        } else if (byte === 0x22) {
          inString = true;
          run = 0;
        } else if (
          byte === 0x2c ||
          byte === 0x3a ||
          byte === 0x5b ||
          byte === 0x5d ||
          byte === 0x7b ||
          byte === 0x7d ||
          byte <= 0x20
        ) {
          run = 0;
        } else run++;
        if (run > MAX_TOKEN_BYTES) {
          done(new Error(`the document holds a JSON value longer than ${MAX_TOKEN_BYTES.toLocaleString('en')} bytes`));
          return;
        }
      }
      done(null, chunk);
    },
  });
}

/** Each JSON value of `body` at one of `paths` (JSONPath as @streamparser/json reads it), in order. */
export async function* jsonValues(
  body: Readable,
  paths: string[],
): AsyncGenerator<{ value: unknown; key: string | number | undefined }> {
  const parser = new JSONParser({ paths, keepStack: false });
  const bounded = boundedJsonTokens();
  body.on('error', (error) => bounded.destroy(error));
  bounded.on('error', (error) => parser.destroy(error));
  try {
    for await (const { value, key } of body.pipe(bounded).pipe(parser) as AsyncIterable<{
      value: unknown;
      key: string | number | undefined;
    }>)
      yield { value, key };
  } catch (error) {
    const message = (error as Error).message;
    throw new Error(message.startsWith('the document') ? message : `the document is not valid JSON: ${message}`);
  }
}

/** abuse.ch writes times as `2024-01-31 12:00:00`, in UTC. */
export function utcTime(text: unknown): string | undefined {
  if (typeof text !== 'string' || !text.trim()) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\s*UTC)?$/.exec(text.trim());
  // With milliseconds: the form the importer takes as it is, without making a Date (two a row).
  return match ? `${match[1]}T${match[2]}.000Z` : text.trim();
}

const splitTags = (text: unknown): string[] | undefined => {
  const tags = Array.isArray(text)
    ? text.map(String)
    : typeof text === 'string'
      ? text.split(',').map((tag) => tag.trim())
      : [];
  const kept = tags.filter((tag) => tag !== '' && tag !== 'None');
  return kept.length > 0 ? kept : undefined;
};

/**
 * One value per line, `#` comments; the first word of a line is the value, defanged forms and the
 * type detected. Lines are read by the leak imports' bounded line reader: one past 64 KiB is
 * refused, never held.
 */
export async function addTextLines(importer: Importer, body: Readable): Promise<void> {
  for await (const batch of lineBatches(body)) {
    for (const entry of batch) {
      if (!('text' in entry)) {
        importer.reject(
          { line: entry.line },
          `the line is longer than ${MAX_LINE_CHARS.toLocaleString('en')} characters`,
        );
        continue;
      }
      const word = entry.text.trim().split(/\s/, 1)[0] ?? '';
      if (word === '' || word.startsWith('#')) continue;
      const found = detectIoc(word);
      if (!found)
        importer.reject({ line: entry.line }, `${JSON.stringify(word.slice(0, 100))} is not an IOC of a known type`);
      else await importer.add({ type: found.type, value: found.value }, { line: entry.line });
    }
  }
}

/**
 * abuse.ch URLhaus CSV dumps: `#` comment lines (the column names among them), then
 * `id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter`.
 */
export async function addUrlhausRows(importer: Importer, body: Readable): Promise<void> {
  const parser = body.pipe(
    parse({
      comment: '#',
      comment_no_infix: true,
      // A record past this is an error, not a buffer that grows (the rows after it are read on).
      max_record_size: MAX_LINE_CHARS,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      info: true,
    }),
  );
  body.on('error', (error) => parser.destroy(error));
  parser.on('skip', (error: Error & { lines?: number }) =>
    importer.reject({ line: error.lines }, `not valid CSV: ${error.message}`),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    const [, dateAdded, url, , lastOnline, threat, tags] = record;
    const raw: RawIoc = {
      type: 'url',
      value: url,
      firstSeen: utcTime(dateAdded),
      lastSeen: utcTime(lastOnline) ?? utcTime(dateAdded),
      threatType: threat || undefined,
      tags: splitTags(tags),
    };
    await importer.add(raw, { line: info.lines });
  }
}

/** ThreatFox's IOC types, as this product stores them (`ip:port` loses its port). */
function threatfoxIoc(type: unknown, value: unknown): { type: string; value: string } | string {
  const text = typeof value === 'string' ? value.trim() : '';
  switch (type) {
    case 'ip:port': {
      const address = /^\[(.+)\]:\d+$/.exec(text)?.[1] ?? text.replace(/:\d+$/, '');
      return { type: address.includes(':') ? 'ipv6' : 'ipv4', value: address };
    }
    case 'domain':
    case 'url':
      return { type, value: text };
    case 'md5_hash':
    case 'sha1_hash':
    case 'sha256_hash':
      return { type: type.replace('_hash', ''), value: text };
    default:
      return `IOCs of type ${JSON.stringify(String(type).slice(0, 50))} are not kept`;
  }
}

/**
 * abuse.ch ThreatFox JSON exports: `{ "<id>": [ { ioc_value, ioc_type, threat_type,
 * malware_printable, confidence_level, first_seen_utc, last_seen_utc, tags, … } ], … }` (the API's
 * `data` array of the same objects is read too).
 */
export async function addThreatfoxEntries(importer: Importer, body: Readable): Promise<void> {
  let index = 0;
  for await (const { value } of jsonValues(body, ['$.*.*'])) {
    const where = { object: `ioc ${index++}` };
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      importer.reject(where, 'not a ThreatFox entry');
      continue;
    }
    const entry = value as Record<string, unknown>;
    if (typeof entry.id === 'string' || typeof entry.id === 'number')
      where.object = `ioc ${String(entry.id).slice(0, 20)}`;
    const ioc = threatfoxIoc(entry.ioc_type, entry.ioc_value ?? entry.ioc);
    if (typeof ioc === 'string') {
      importer.reject(where, ioc);
      continue;
    }
    const confidence = Number(entry.confidence_level);
    await importer.add(
      {
        ...ioc,
        threatType: typeof entry.threat_type === 'string' ? entry.threat_type : undefined,
        malwareFamily:
          typeof entry.malware_printable === 'string' && entry.malware_printable !== 'Unknown malware'
            ? entry.malware_printable
            : undefined,
        confidence: Number.isInteger(confidence) ? confidence : undefined,
        firstSeen: utcTime(entry.first_seen_utc ?? entry.first_seen),
        lastSeen: utcTime(entry.last_seen_utc ?? entry.last_seen) ?? undefined,
        tags: splitTags(entry.tags),
      },
      where,
    );
  }
}

/** A STIX 2.1 bundle, one object at a time. */
export async function addStixDocument(importer: Importer, body: Readable): Promise<void> {
  for await (const { value } of jsonValues(body, ['$.objects.*'])) await addStixObjects(importer, [value], NO_OWNERS);
}

/** A feed's objects are the feed's: no identity in them says otherwise. */
const NO_OWNERS: ReadonlyMap<string, boolean> = new Map();

export { addCsvRows };
