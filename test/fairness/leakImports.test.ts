/**
 * Findings 6, 9 and 10 of the second security review (docs/api.md §12, leak imports): a NUL byte hung
 * an import forever; a CSV field or an unclosed quote was buffered whole (and swallowed the next
 * row); a wrong card header was refused only after the first record was buffered; a zip listing
 * one entry twenty times inflated a gigabyte. Each input is built here as the review built it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { copyRow, UnstorableText } from '../../src/db/copyText.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-fair-leaks-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

let files = 0;
function write(content: string | Buffer): string {
  const at = path.join(dir, `input-${++files}`);
  writeFileSync(at, content);
  return at;
}
const leaksImport = (file: string, format: string, source: string) =>
  runCommand(t.database, [
    'leaks',
    'import',
    '--file',
    file,
    '--format',
    format,
    '--source',
    source,
    ...(format === 'cards' ? [] : ['--source-type', 'combolist']),
  ]);
const stored = async (source: string, table = 'credential_leaks') =>
  (
    await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table)} where source_name = ${source}`,
    )
  )[0]!.n;

const NUL_REASON = 'the record holds a NUL byte, which cannot be stored';

describe('finding 6: a NUL byte', () => {
  it('in a combolist password rejects that line alone', async () => {
    const { code, json } = await leaksImport(
      write('a@acme.example:good-one\nb@acme.example:pass\u0000word\nc@acme.example:good-two\n'),
      'combolist',
      'nul-combo',
    );
    expect(code).toBe(0);
    expect(json).toEqual({
      read: 3,
      created: 2,
      duplicates: 0,
      rejected: 1,
      errors: [{ line: 2, reason: NUL_REASON }],
      alerts: 0,
    });
    expect(await stored('nul-combo')).toBe(2);
  });

  it('in a CSV password (at its end) and in a card brand rejects those records alone', async () => {
    const csv = await leaksImport(
      write('email,password\na@acme.example,fine-pw\nb@acme.example,ends-in-nul\u0000\n'),
      'csv',
      'nul-csv',
    );
    expect(csv.json).toMatchObject({ read: 2, created: 1, rejected: 1, errors: [{ line: 3, reason: NUL_REASON }] });
    const cards = await leaksImport(
      write('bin,last4,brand\n411111,4242,visa\n411111,1111,vi\u0000sa\n'),
      'cards',
      'nul-cards',
    );
    expect(cards.json).toMatchObject({ read: 2, created: 1, rejected: 1, errors: [{ line: 3, reason: NUL_REASON }] });
  });

  it('never reaches COPY: the COPY writer refuses it with a reason of its own', () => {
    expect(() => copyRow(['a\u0000b'])).toThrow(UnstorableText);
  });

  it('a COPY that PostgreSQL refuses after its last row fails the load instead of hanging', async () => {
    // A raw NUL, past the writer's guard: what any refusal of the data at CopyDone looks like.
    const load = {
      createStaging: 'CREATE TEMP TABLE refused_staging (a text) ON COMMIT DROP',
      copy: 'COPY refused_staging (a) FROM',
      merge: 'SELECT count(*)::int AS n FROM refused_staging',
      params: [],
    };
    async function* chunks() {
      yield await Promise.resolve('fine\n');
      yield 'not\u0000fine\n';
    }
    const outcome = await Promise.race([
      t.database.stage(load, chunks()).then(
        () => 'stored',
        () => 'refused',
      ),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    expect(outcome).toBe('refused');
    // The connection is usable again: the failed transaction was rolled back.
    expect((await t.database.rows<{ one: number }>(sql`select 1 as one`))[0]).toEqual({ one: 1 });
  });
});

describe('finding 9: CSV records have a size limit', () => {
  it('a field of 5 MB is one rejected record; the rows after it are kept', async () => {
    const file = write(
      `email,password\na@acme.example,pw-before\nb@acme.example,${'x'.repeat(5_000_000)}\nc@acme.example,pw-after\n`,
    );
    const { json } = await leaksImport(file, 'csv', 'long-field');
    expect(json).toEqual({
      read: 3,
      created: 2,
      duplicates: 0,
      rejected: 1,
      errors: [{ line: 3, reason: 'the line is longer than 65,536 characters' }],
      alerts: 0,
    });
  });

  it('an unclosed quote refuses its own line and swallows nothing after it', async () => {
    const { json } = await leaksImport(
      write('email,password\na@acme.example,"never closed\nb@acme.example,kept-pw\n'),
      'csv',
      'unclosed',
    );
    expect(json).toEqual({
      read: 2,
      created: 1,
      duplicates: 0,
      rejected: 1,
      alerts: 0,
      errors: [{ line: 2, reason: 'not valid CSV (a quoted field does not close on its line)' }],
    });
  });

  it('a wrong card header is refused before the record after it is read', async () => {
    const { code, stderr } = await leaksImport(
      write(`number,when\n${'4'.repeat(5_000_000)},2026\n`),
      'cards',
      'bad-header',
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      'error: the CSV header must name pan, or bin and last4 (expiry, brand and leaked_at are optional)\n',
    );
    const overlong = await leaksImport(write(`${'bin,'.repeat(20_000)}last4\n411111,4242\n`), 'cards', 'long-header');
    expect(overlong.stderr).toBe('error: the CSV header line is longer than 65,536 characters\n');
  });
});

describe('finding 10: zips that inflate more than they hold', () => {
  /** A zip whose central directory lists the one deflated entry of `inner` `copies` times (the review's bomb). */
  async function overlappingZip(copies: number): Promise<string> {
    const inner = path.join(dir, `inner-${++files}.zip`);
    const archive = new yazl.ZipFile();
    archive.addBuffer(
      Buffer.from(
        'URL: https://login.acme.example/\nUsername: bomb@acme.example\nPassword: bomb-pw\n\n'.repeat(40_000),
      ),
      'm00/Passwords.txt',
    );
    archive.end();
    await new Promise<void>((resolve, reject) =>
      archive.outputStream.pipe(createWriteStream(inner)).on('close', resolve).on('error', reject),
    );
    const bytes = await readFile(inner);
    const eocd = bytes.length - 22;
    const cdSize = bytes.readUInt32LE(eocd + 12);
    const cdOffset = bytes.readUInt32LE(eocd + 16);
    const entry = bytes.subarray(cdOffset, cdOffset + cdSize);
    const nameAt = 46;
    const copiesOf = Array.from({ length: copies }, (_, i) => {
      const copy = Buffer.from(entry);
      copy.write(`m${String(i).padStart(2, '0')}`, nameAt, 'ascii');
      return copy;
    });
    const end = Buffer.from(bytes.subarray(eocd));
    end.writeUInt16LE(copies, 8);
    end.writeUInt16LE(copies, 10);
    end.writeUInt32LE(cdSize * copies, 12);
    return write(Buffer.concat([bytes.subarray(0, cdOffset), ...copiesOf, end]));
  }

  it('entries that overlap are refused; the first is read once', async () => {
    const { code, json } = await runCommand(t.database, [
      'leaks',
      'import',
      '--file',
      await overlappingZip(20),
      '--format',
      'stealer',
      '--source',
      'bomb',
      '--source-type',
      'stealer_log',
    ]);
    expect(code).toBe(0);
    // 40,000 blocks of the one entry (duplicates of one credential); the 19 others listed as files not read.
    expect(json).toMatchObject({ read: 40_000, created: 1, duplicates: 39_999, rejected: 0 });
    expect(json.errors).toHaveLength(19);
    expect(json.errors[0]).toEqual({
      file: 'm01/Passwords.txt',
      line: 0,
      reason: 'the entry overlaps another entry of the zip (a zip bomb?): not read',
    });
  });

  it('a zip that would inflate past LEAKS_MAX_INFLATED_BYTES is refused before anything is read', async () => {
    const zip = await overlappingZip(1);
    process.env.LEAKS_MAX_INFLATED_BYTES = '1000000';
    try {
      const { code, stderr } = await runCommand(t.database, [
        'leaks',
        'import',
        '--file',
        zip,
        '--format',
        'stealer',
        '--source',
        'too-big',
        '--source-type',
        'stealer_log',
      ]);
      expect(code).toBe(1);
      expect(stderr).toBe(
        "error: the zip's password files inflate to 3,200,000 bytes, more than the 1,000,000 allowed (LEAKS_MAX_INFLATED_BYTES)\n",
      );
      expect(await stored('too-big')).toBe(0);
    } finally {
      delete process.env.LEAKS_MAX_INFLATED_BYTES;
    }
  });
});
