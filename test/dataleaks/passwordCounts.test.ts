/**
 * The password counts behind the range search (src/dataleaks/passwordCounts.ts): an import appends
 * its counts to the pending tables, a fold moves them into the count tables, and the range search
 * answers the sum of both, the same before a fold and after it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { openDatabase } from '../../src/db/client.js';
import { importLeaks } from '../../src/dataleaks/import.js';
import { FOLD_LOCKS, foldPasswordCounts, passwordCountFoldJob } from '../../src/dataleaks/passwordCounts.js';
import { passwordNtlm } from '../../src/dataleaks/records.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';

let t: TestApp;
let key: string;
let dir: string;
const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
const ntlm = (password: string) => passwordNtlm(password).toString('hex').toUpperCase();

beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-password-counts-'));
  key = (await t.createKey((await t.createWorkspace({ scope: { domains: ['acme.example'] } })).id)).key;
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

let files = 0;
/** `leaks import` of a combolist of `lines`, under `source`. */
async function importLines(lines: string[], source: string, foldRows?: number) {
  const file = path.join(dir, `${++files}.txt`);
  writeFileSync(file, lines.join('\n'));
  return importLeaks(t.database, file, {
    format: 'combolist',
    source,
    sourceType: 'combolist',
    leakedAt: null,
    severity: 'medium',
    ...(foldRows ? { foldRows } : {}),
  });
}

/** How many leaks each table says hold `password`: folded, and pending. */
async function stored(password: string) {
  const [row] = await t.database.rows<{
    folded: number | null;
    pending: number | null;
    ntlm_pending: number | null;
  }>(sql`
    select (select count from password_counts where sha1 = decode(${sha1(password)}, 'hex')) as folded,
           (select sum(count)::int from password_counts_pending where sha1 = decode(${sha1(password)}, 'hex')) as pending,
           (select sum(count)::int from password_ntlm_counts_pending where ntlm = decode(${ntlm(password)}, 'hex')) as ntlm_pending`);
  return row!;
}

async function range(hash: string, mode: 'sha1' | 'ntlm' = 'sha1', etag?: string) {
  const answer = await t.fetch(`/api/v1/passwords/range/${hash.slice(0, 5)}${mode === 'ntlm' ? '?mode=ntlm' : ''}`, {
    headers: { authorization: `Bearer ${key}`, ...(etag ? { 'if-none-match': etag } : {}) },
  });
  const text = await answer.text();
  const count = text
    .split('\r\n')
    .find((line) => line.startsWith(`${hash.slice(5)}:`))
    ?.split(':')[1];
  return { status: answer.status, etag: answer.headers.get('etag')!, count: count === undefined ? 0 : Number(count) };
}

describe('the password counts', () => {
  it('are pending after an import, exact in the range search, and moved by a fold without changing its answer or tag', async () => {
    const password = 'fold-me-1';
    const report = await importLines(
      ['a@acme.example', 'b@acme.example', 'c@gmail.test'].map((login) => `${login}:${password}`),
      'combolist-a',
    );
    expect(report.created).toBe(3);
    expect(await stored(password)).toEqual({ folded: null, pending: 3, ntlm_pending: 3 });
    const before = await range(sha1(password));
    expect(before).toMatchObject({ status: 200, count: 3 });
    const beforeNtlm = await range(ntlm(password), 'ntlm');
    expect(beforeNtlm).toMatchObject({ status: 200, count: 3 });

    expect(await foldPasswordCounts(t.database)).toBeGreaterThanOrEqual(2);
    expect(await stored(password)).toEqual({ folded: 3, pending: null, ntlm_pending: null });
    // The same counts, so the same tag: a cache keeps what it holds.
    expect(await range(sha1(password), 'sha1', before.etag)).toMatchObject({ status: 304 });
    expect(await range(ntlm(password), 'ntlm', beforeNtlm.etag)).toMatchObject({ status: 304 });

    // Two more leaks with that password: two pending, added to the three folded.
    await importLines(
      ['d@acme.example', 'e@acme.example'].map((login) => `${login}:${password}`),
      'combolist-b',
    );
    expect(await stored(password)).toEqual({ folded: 3, pending: 2, ntlm_pending: 2 });
    const after = await range(sha1(password));
    expect(after).toMatchObject({ status: 200, count: 5 });
    expect(after.etag).not.toBe(before.etag);
    expect(await range(ntlm(password), 'ntlm')).toMatchObject({ count: 5 });
    await foldPasswordCounts(t.database);
    expect(await stored(password)).toEqual({ folded: 5, pending: null, ntlm_pending: null });
    expect(await range(sha1(password), 'sha1', after.etag)).toMatchObject({ status: 304 });
  });

  it('count a re-import nowhere: its leaks exist already', async () => {
    const password = 'fold-me-2';
    const lines = ['f@acme.example', 'g@acme.example'].map((login) => `${login}:${password}`);
    await importLines(lines, 'combolist-c');
    await foldPasswordCounts(t.database);
    const again = await importLines(lines, 'combolist-c');
    expect(again).toMatchObject({ created: 0, duplicates: 2 });
    expect(await stored(password)).toEqual({ folded: 2, pending: null, ntlm_pending: null });
    expect((await range(sha1(password))).count).toBe(2);
  });

  it('are folded by the import itself once it has added `foldRows` leaks', async () => {
    const password = 'fold-me-3';
    const lines = Array.from({ length: 30 }, (_, i) => `user${i}@acme.example:${password}`);
    await importLines(lines, 'combolist-d', 10);
    expect(await stored(password)).toEqual({ folded: 30, pending: null, ntlm_pending: null });
    expect((await range(sha1(password))).count).toBe(30);
  });

  it('are folded by an import that finds earlier imports left enough pending', async () => {
    const first = Array.from({ length: 3 }, (_, i) => `early${i}@acme.example:fold-me-7-${i}`);
    await importLines(first, 'combolist-h', 5);
    // Three pending rows (three passwords), fewer than five: left for later.
    expect(await stored('fold-me-7-0')).toEqual({ folded: null, pending: 1, ntlm_pending: 1 });
    const second = Array.from({ length: 3 }, (_, i) => `late${i}@acme.example:fold-me-8-${i}`);
    await importLines(second, 'combolist-h', 5);
    // Three found pending and three added: the second import folds them all.
    expect(await stored('fold-me-7-0')).toEqual({ folded: 1, pending: null, ntlm_pending: null });
    expect(await stored('fold-me-8-2')).toEqual({ folded: 1, pending: null, ntlm_pending: null });
  });

  it("are folded by a server process's job, a tick after an import", async () => {
    const password = 'fold-me-4';
    await importLines(
      ['h@acme.example', 'i@acme.example'].map((login) => `${login}:${password}`),
      'combolist-e',
    );
    expect((await stored(password)).pending).toBe(2);
    const job = passwordCountFoldJob(t.database, createLogger('silent'), { firstMs: 10, everyMs: 10 });
    job.start();
    try {
      await expect.poll(async () => (await stored(password)).folded, { timeout: 10_000 }).toBe(2);
    } finally {
      await job.stop();
    }
    expect(await stored(password)).toEqual({ folded: 2, pending: null, ntlm_pending: null });
  });
});

describe.skipIf(!serverUrl)('on a pool of two connections, as `leaks import` opens', () => {
  it('fold while the next batch is being copied, and finish', async () => {
    const database = await openDatabase({ databaseUrl: t.url!, poolSize: 2 });
    try {
      const file = path.join(dir, 'two-batches.txt');
      // 150,000 lines: two batches; the fold after the first runs while the second holds a connection.
      writeFileSync(file, Array.from({ length: 150_000 }, (_, i) => `pool${i}@acme.example:fold-me-6`).join('\n'));
      const report = await importLeaks(database, file, {
        format: 'combolist',
        source: 'combolist-g',
        sourceType: 'combolist',
        leakedAt: null,
        severity: 'medium',
        foldRows: 60_000,
      });
      expect(report.created).toBe(150_000);
      // The first batch's counts folded by the import, the second's pending.
      expect(await stored('fold-me-6')).toEqual({ folded: 100_000, pending: 50_000, ntlm_pending: 50_000 });
      expect((await range(sha1('fold-me-6'))).count).toBe(150_000);
    } finally {
      await database.close();
    }
  }, 60_000);
});

describe.skipIf(!serverUrl)('two folds at once', () => {
  it('leave a mode to the fold that holds it, and nothing is counted twice or lost', async () => {
    const password = 'fold-me-5';
    await importLines(
      ['j@acme.example', 'k@acme.example', 'l@acme.example'].map((l) => `${l}:${password}`),
      'combolist-f',
    );
    // Another process folding SHA-1 counts: its lock, held on a connection of its own.
    const other = postgres(t.url!, { max: 1, onnotice: () => {} });
    try {
      await other`select pg_advisory_lock(${FOLD_LOCKS.sha1})`;
      expect(await foldPasswordCounts(t.database)).toBeGreaterThanOrEqual(1);
      // The NTLM counts moved; the SHA-1 counts were left for the other fold, and still count.
      expect(await stored(password)).toEqual({ folded: null, pending: 3, ntlm_pending: null });
      expect((await range(sha1(password))).count).toBe(3);
      expect((await range(ntlm(password), 'ntlm')).count).toBe(3);
      await other`select pg_advisory_unlock(${FOLD_LOCKS.sha1})`;
    } finally {
      await other.end();
    }
    await foldPasswordCounts(t.database);
    expect(await stored(password)).toEqual({ folded: 3, pending: null, ntlm_pending: null });
    expect((await range(sha1(password))).count).toBe(3);
  });
});
