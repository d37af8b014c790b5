/**
 * The five leak formats of docs/api.md §9, each read as a stream of records: one at a time, whatever
 * the input's size. Text is decoded as UTF-8 (an invalid byte becomes U+FFFD), CRLF or LF, blank
 * lines skipped. A record that cannot be read comes out as `Rejected`, with where it was, and the
 * reading goes on.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { csvFields } from './csvLine.js';
import { cardOf, credentialOf, Rejected, type Card, type Credential } from './records.js';

/**
 * What a zip of stealer logs may inflate to in all, by default (`LEAKS_MAX_INFLATED_BYTES`, docs/api.md
 * §12): far above any real dump (the largest seen are a few GiB), far below what a bomb reaches.
 */
export const DEFAULT_MAX_INFLATED_BYTES = 20 * 1024 ** 3;

export const LEAK_FORMATS = ['combolist', 'ulp', 'stealer', 'csv', 'cards'] as const;
export type LeakFormat = (typeof LEAK_FORMATS)[number];

/** Where a record was: the line, and for stealer logs the file inside the folder or zip. */
export interface Where {
  file?: string;
  line: number;
}

export interface Item<T> {
  where: Where;
  record: T | Rejected;
  /** The record's own leak date (CSV's `leaked_at`), when it has one. */
  leakedAt?: string | null;
}

/** Told how many bytes of how many have been read. */
export type OnProgress = (done: number, total: number) => void;

// ---------------------------------------------------------------------------------------------
// Lines

/** A line longer than this is refused (and memory stays bounded whatever a file holds). */
export const MAX_LINE_CHARS = 65_536;

export type Line = { text: string; line: number } | { tooLong: true; line: number };

/**
 * The non-blank lines of a byte stream with their line numbers (counting every line), in
 * batches, one per chunk read: a file of millions of lines costs a few thousand turns of the
 * event loop, not millions. CRLF or LF; a byte-order mark at the start is dropped.
 */
export async function* lineBatches(input: Readable): AsyncGenerator<Line[]> {
  input.setEncoding('utf8');
  let carry = '';
  let line = 0;
  let skipping = false;
  let first = true;
  const push = (batch: Line[], raw: string) => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (skipping || text.length > MAX_LINE_CHARS) {
      skipping = false;
      batch.push({ tooLong: true, line });
    } else if (text.trim() !== '') batch.push({ text, line });
  };
  for await (const chunk of input as AsyncIterable<string>) {
    let text = carry + chunk;
    if (first) {
      first = false;
      if (text.startsWith('\uFEFF')) text = text.slice(1);
    }
    const batch: Line[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
      push(batch, skipping ? '' : text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
    if (carry.length > MAX_LINE_CHARS) {
      skipping = true;
      carry = '';
    }
    if (batch.length > 0) yield batch;
  }
  const batch: Line[] = [];
  if (carry !== '' || skipping) push(batch, carry);
  if (batch.length > 0) yield batch;
}

const TOO_LONG = `the line is longer than ${MAX_LINE_CHARS.toLocaleString('en')} characters`;

/** A file's stream, reporting its progress in bytes. */
function fileStream(file: string, onRead?: (bytes: number) => void): Readable {
  const input = createReadStream(file);
  if (onRead) input.on('data', (chunk) => onRead(chunk.length));
  return input;
}

// ---------------------------------------------------------------------------------------------
// combolist and ulp

/** `login:password`, or `;` / `|` as the separator when the line has no `:`. */
export function combolistRecord(text: string): Credential | Rejected {
  const separator = COMBOLIST_SEPARATORS.find((s) => text.includes(s));
  if (separator === undefined) return new Rejected('no separator (:, ; or |) between login and password');
  const at = text.indexOf(separator);
  const credential = credentialOf(text.slice(0, at), text.slice(at + 1), null);
  // A line holding two separators (`user@x.example;pass:word`) splits at the first in this order,
  // which may not be where its writer meant: say where it was split (never what the login was,
  // which may then hold the password).
  if (credential instanceof Rejected && credential.reason.startsWith('the login')) {
    const later = COMBOLIST_SEPARATORS.slice(COMBOLIST_SEPARATORS.indexOf(separator) + 1);
    return new Rejected(
      `${credential.reason} (the line was split at its first "${separator}"${later.length ? `, which is tried before ${later.map((s) => `"${s}"`).join(' and ')}` : ''})`,
    );
  }
  return credential;
}

/** Between login and password, tried in this order. */
const COMBOLIST_SEPARATORS = [':', ';', '|'] as const;

/**
 * `URL:login:password`: the URL may have a scheme, a port and a path (`https://host:8443/p:…`).
 * A number after the host is read as a port only when a login and a password still follow it.
 */
export function ulpRecord(text: string): Credential | Rejected {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  let hostEnd = scheme ? scheme[0].length : 0;
  if (text[hostEnd] === '[') hostEnd = Math.max(hostEnd, text.indexOf(']', hostEnd) + 1);
  while (hostEnd < text.length && text[hostEnd] !== '/' && text[hostEnd] !== ':') hostEnd++;
  const port = /^:\d{1,5}(?=[/:])/.exec(text.slice(hostEnd, hostEnd + 7));
  for (const end of port ? [hostEnd + port[0].length, hostEnd] : [hostEnd]) {
    let urlEnd = end;
    if (text[urlEnd] === '/') while (urlEnd < text.length && text[urlEnd] !== ':') urlEnd++;
    if (text[urlEnd] !== ':') continue;
    const rest = text.slice(urlEnd + 1);
    const sep = rest.indexOf(':');
    if (sep < 0) continue;
    return credentialOf(rest.slice(0, sep), rest.slice(sep + 1), text.slice(0, urlEnd));
  }
  return new Rejected('not URL:login:password');
}

async function* lineRecords(
  file: string,
  read: (text: string) => Credential | Rejected,
  onProgress?: OnProgress,
): AsyncGenerator<Item<Credential>[]> {
  const { size } = await stat(file);
  let done = 0;
  for await (const lines of lineBatches(fileStream(file, (bytes) => onProgress?.((done += bytes), size)))) {
    yield lines.map((line) => ({
      where: { line: line.line },
      record: 'text' in line ? read(line.text) : new Rejected(TOO_LONG),
    }));
  }
}

// ---------------------------------------------------------------------------------------------
// stealer logs

/** The credential files of a stealer log, at any depth of a machine's folder. */
export const PASSWORD_FILE = /^(all )?passwords\.txt$/i;

const FIELD_OF_KEY: Record<string, 'url' | 'login' | 'password'> = {
  url: 'url',
  host: 'url',
  hostname: 'url',
  username: 'login',
  login: 'login',
  user: 'login',
  password: 'password',
  pass: 'password',
};
/** A line of `=`, `-`, `_` or `*` between two blocks. */
const SEPARATOR = /^\s*[=\-_*]{3,}\s*$/;

/**
 * Blocks of `URL:` (or `Host:`), `Username:` (or `Login:`, `USER:`) and `Password:` (or `PASS:`)
 * lines; other lines (`Soft:`, `Browser:`, `Application:`…) are passed over. A block ends at a new
 * `URL:`, a separator line, a blank line or the end of the file; its line is its first field's.
 */
async function* stealerFileRecords(input: Readable, file: string): AsyncGenerator<Item<Credential>[]> {
  /** The block being read: its fields so far, where it starts, and its last line. */
  let block: { line: number; last: number; url?: string; login?: string; password?: string } | null = null;
  const finish = (batch: Item<Credential>[]) => {
    if (!block) return;
    const { line, url, login, password } = block;
    block = null;
    const record =
      url === undefined
        ? new Rejected('a credential block without URL: or Host:')
        : login === undefined
          ? new Rejected('no login')
          : credentialOf(login, password ?? '', url);
    batch.push({ where: { file, line }, record });
  };
  for await (const lines of lineBatches(input)) {
    const batch: Item<Credential>[] = [];
    for (const line of lines) {
      // lineBatches leaves blank lines out: a gap in the numbers is one, and ends the block.
      if (block && line.line > block.last + 1) finish(batch);
      if (!('text' in line)) {
        batch.push({ where: { file, line: line.line }, record: new Rejected(TOO_LONG) });
        continue;
      }
      const { text } = line;
      if (SEPARATOR.test(text)) {
        finish(batch);
        continue;
      }
      if (block) block.last = line.line;
      const colon = text.indexOf(':');
      const field = colon > 0 ? FIELD_OF_KEY[text.slice(0, colon).trim().toLowerCase()] : undefined;
      if (!field) continue;
      if (field === 'url' || block?.[field] !== undefined) finish(batch);
      block ??= { line: line.line, last: line.line };
      block[field] = text.slice(colon + 1).replace(/^[ \t]+/, '');
    }
    if (batch.length > 0) yield batch;
  }
  const batch: Item<Credential>[] = [];
  finish(batch);
  if (batch.length > 0) yield batch;
}

/** The password files under a folder, sorted, with their sizes; symbolic links are not followed. */
async function passwordFilesIn(folder: string): Promise<{ file: string; size: number }[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && PASSWORD_FILE.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  return Promise.all(files.map(async (file) => ({ file, size: (await stat(file)).size })));
}

async function* stealerFolderRecords(folder: string, onProgress?: OnProgress): AsyncGenerator<Item<Credential>[]> {
  const files = await passwordFilesIn(folder);
  const total = files.reduce((sum, f) => sum + f.size, 0);
  let done = 0;
  for (const { file } of files) {
    const name = path.relative(folder, file).split(path.sep).join('/');
    yield* stealerFileRecords(
      fileStream(file, (bytes) => onProgress?.((done += bytes), total)),
      name,
    );
  }
}

/** The entries of a zip, one at a time, with a way to read each (yauzl, lazily). */
async function* zipEntries(file: string): AsyncGenerator<{ entry: yauzl.Entry; open: () => Promise<Readable> }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false }, (error, opened) =>
      error ? reject(error) : resolve(opened),
    ),
  );
  try {
    while (true) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        const onEntry = (found: yauzl.Entry) => done(found);
        const onEnd = () => done(null);
        const onError = (error: Error) => {
          zip.off('entry', onEntry).off('end', onEnd);
          reject(error);
        };
        const done = (value: yauzl.Entry | null) => {
          zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
          resolve(value);
        };
        zip.once('entry', onEntry).once('end', onEnd).once('error', onError);
        zip.readEntry();
      });
      if (!entry) return;
      yield {
        entry,
        open: () =>
          new Promise<Readable>((resolve, reject) =>
            zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
          ),
      };
    }
  } finally {
    zip.close();
  }
}

/**
 * The password files of a zip to read, from its central directory alone: entries whose data
 * overlaps another's are refused (a zip bomb lists one compressed entry many times over, so that a
 * few kilobytes inflate to gigabytes), and the total the rest inflate to must stay within
 * `maxInflated`. yauzl checks each entry's real size against the size declared here as it inflates.
 */
async function zipPlan(
  file: string,
  maxInflated: number,
): Promise<{ read: Set<string>; overlapping: string[]; total: number }> {
  const files: { name: string; start: number; end: number; size: number }[] = [];
  for await (const { entry } of zipEntries(file)) {
    if (entry.fileName.endsWith('/') || !PASSWORD_FILE.test(path.posix.basename(entry.fileName))) continue;
    // A local header is 30 bytes at least: the entry's data cannot start before that.
    files.push({
      name: entry.fileName,
      start: entry.relativeOffsetOfLocalHeader,
      end: entry.relativeOffsetOfLocalHeader + 30 + entry.compressedSize,
      size: entry.uncompressedSize,
    });
  }
  files.sort((a, b) => a.start - b.start);
  const read = new Set<string>();
  const overlapping: string[] = [];
  let total = 0;
  let reach = 0;
  for (const entry of files) {
    if (entry.start < reach) {
      overlapping.push(entry.name);
      continue;
    }
    reach = entry.end;
    read.add(entry.name);
    total += entry.size;
  }
  if (total > maxInflated) {
    throw new Error(
      `the zip's password files inflate to ${total.toLocaleString('en')} bytes, more than the ${maxInflated.toLocaleString('en')} allowed (LEAKS_MAX_INFLATED_BYTES)`,
    );
  }
  return { read, overlapping, total };
}

async function* stealerZipRecords(
  file: string,
  maxInflated: number,
  onProgress?: OnProgress,
): AsyncGenerator<Item<Credential>[]> {
  // The central directory first: what to read, and the sizes for the progress bar.
  const { read, overlapping, total } = await zipPlan(file, maxInflated);
  if (overlapping.length > 0) {
    yield overlapping.map((name) => ({
      where: { file: name, line: 0 },
      record: new Rejected('the entry overlaps another entry of the zip (a zip bomb?): not read'),
    }));
  }
  let done = 0;
  for await (const { entry, open } of zipEntries(file)) {
    if (!read.has(entry.fileName)) continue;
    let input: Readable;
    try {
      input = await open();
    } catch (error) {
      // An encrypted or damaged entry: said once, for the file as a whole (line 0), and the rest is read.
      yield [
        {
          where: { file: entry.fileName, line: 0 },
          record: new Rejected(`the file cannot be read from the zip: ${(error as Error).message}`),
        },
      ];
      continue;
    }
    input.on('data', (chunk: Buffer) => onProgress?.((done += chunk.length), total));
    yield* stealerFileRecords(input, entry.fileName);
  }
}

async function* stealerRecords(
  input: string,
  maxInflated: number,
  onProgress?: OnProgress,
): AsyncGenerator<Item<Credential>[]> {
  if ((await stat(input)).isDirectory()) yield* stealerFolderRecords(input, onProgress);
  else yield* stealerZipRecords(input, maxInflated, onProgress);
}

// ---------------------------------------------------------------------------------------------
// csv and cards

type CsvRecord = Record<string, string | undefined>;

/**
 * Rows of a CSV file by their lower-cased header names, with their line; malformed rows rejected.
 * One record per line, read by the bounded line reader (src/dataleaks/csvLine.ts says why); the
 * header is checked as soon as its line is read, before anything else of the file.
 */
async function* csvRows(
  file: string,
  checkHeader: (columns: string[]) => string | null,
  onProgress?: OnProgress,
): AsyncGenerator<{ row: CsvRecord; line: number } | Item<never>> {
  const { size } = await stat(file);
  let done = 0;
  let columns: string[] | null = null;
  for await (const lines of lineBatches(fileStream(file, (bytes) => onProgress?.((done += bytes), size)))) {
    for (const line of lines) {
      if (!('text' in line)) {
        if (!columns)
          throw new Error(`the CSV header line is longer than ${MAX_LINE_CHARS.toLocaleString('en')} characters`);
        yield { where: { line: line.line }, record: new Rejected(TOO_LONG) };
        continue;
      }
      const fields = csvFields(line.text);
      if (!columns) {
        columns = (fields ?? []).map((name) => name.trim().toLowerCase());
        const problem = checkHeader(columns);
        if (problem) throw new Error(problem);
        continue;
      }
      if (!fields) {
        yield {
          where: { line: line.line },
          record: new Rejected('not valid CSV (a quoted field does not close on its line)'),
        };
        continue;
      }
      const row: CsvRecord = {};
      for (let i = 0; i < columns.length; i++) row[columns[i]!] = fields[i];
      yield { row, line: line.line };
    }
  }
}

function leakedAtOf(value: string | undefined): string | null | Rejected {
  if (value === undefined || value.trim() === '') return null;
  return parseDateInput(value.trim()) ?? new Rejected(`leaked_at must be a real ISO 8601 date, e.g. ${DATE_EXAMPLE}`);
}

async function* credentialCsvRecords(file: string, onProgress?: OnProgress): AsyncGenerator<Item<Credential>[]> {
  const header = (columns: string[]) =>
    (columns.includes('email') || columns.includes('username')) && columns.includes('password')
      ? null
      : 'the CSV header must name email or username, and password (url and leaked_at are optional)';
  for await (const item of csvRows(file, header, onProgress)) {
    if ('record' in item) {
      yield [item];
      continue;
    }
    const { row, line } = item;
    const email = row.email?.trim() ?? '';
    if (email !== '' && !email.includes('@')) {
      yield [{ where: { line }, record: new Rejected('the email is not a valid email address') }];
      continue;
    }
    const leakedAt = leakedAtOf(row.leaked_at);
    if (leakedAt instanceof Rejected) {
      yield [{ where: { line }, record: leakedAt }];
      continue;
    }
    const url = row.url?.trim() ? row.url : null;
    yield [{ where: { line }, record: credentialOf(email || (row.username ?? ''), row.password ?? '', url), leakedAt }];
  }
}

async function* cardCsvRecords(file: string, onProgress?: OnProgress): AsyncGenerator<Item<Card>[]> {
  const header = (columns: string[]) =>
    columns.includes('pan') || (columns.includes('bin') && columns.includes('last4'))
      ? null
      : 'the CSV header must name pan, or bin and last4 (expiry, brand and leaked_at are optional)';
  for await (const item of csvRows(file, header, onProgress)) {
    if ('record' in item) {
      yield [item];
      continue;
    }
    const { row, line } = item;
    const leakedAt = leakedAtOf(row.leaked_at);
    if (leakedAt instanceof Rejected) {
      yield [{ where: { line }, record: leakedAt }];
      continue;
    }
    yield [{ where: { line }, record: cardOf(row), leakedAt }];
  }
}

// ---------------------------------------------------------------------------------------------

/** The records of a credential format, in batches. */
export function credentialRecords(
  format: Exclude<LeakFormat, 'cards'>,
  input: string,
  onProgress?: OnProgress,
  maxInflated = DEFAULT_MAX_INFLATED_BYTES,
): AsyncGenerator<Item<Credential>[]> {
  switch (format) {
    case 'combolist':
      return lineRecords(input, combolistRecord, onProgress);
    case 'ulp':
      return lineRecords(input, ulpRecord, onProgress);
    case 'stealer':
      return stealerRecords(input, maxInflated, onProgress);
    case 'csv':
      return credentialCsvRecords(input, onProgress);
  }
}

/** The records of a card CSV, in batches. */
export function cardRecords(input: string, onProgress?: OnProgress): AsyncGenerator<Item<Card>[]> {
  return cardCsvRecords(input, onProgress);
}
