/**
 * `npm run bench:import [-- --rows N]`: how long `import` takes for N rows (default 1,000,000) of
 * CSV against the local PostgreSQL, into a fresh database that is dropped afterwards: once into an
 * empty table (every row new), once again (every row an update).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importIocs } from '../src/iocs/import.js';

const rowsArg = process.argv.find((a) => a.startsWith('--rows='));
const ROWS = rowsArg ? Number(rowsArg.slice('--rows='.length)) : 1_000_000;
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `ti_bench_import_${process.pid}`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-import-bench-'));
const file = path.join(dir, 'iocs.csv');
const out = createWriteStream(file);
out.write('type,value,threat_type,malware_family,confidence,severity,tlp,tags,source,first_seen,last_seen\n');
const types = ['ipv4', 'domain', 'url', 'sha256'] as const;
for (let i = 0; i < ROWS; i++) {
  const type = types[i % types.length]!;
  const value =
    type === 'ipv4'
      ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
      : type === 'domain'
        ? `host-${i}.import.example`
        : type === 'url'
          ? `http://site-${i}.import.example/login`
          : i.toString(16).padStart(64, '0');
  const line = `${type},${value},c2,Emotet,${i % 101},high,amber,import;bench,bench-feed,2026-01-01T00:00:00Z,2026-02-01T00:00:00Z\n`;
  if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}
out.end();
await finished(out);

const admin = postgres(server, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database "${name}"`);
const url = new URL(server);
url.pathname = `/${name}`;
const database = await openDatabase({ databaseUrl: url.toString(), poolSize: 2 });
try {
  await migrateDatabase(database);
  for (const pass of ['new rows', 'updates']) {
    const started = performance.now();
    const report = await importIocs(database.db, file, { format: 'csv', workspaceId: null });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${pass}: ${ROWS} rows in ${seconds.toFixed(1)} s (${Math.round(ROWS / seconds)} rows/s): created ${report.created}, updated ${report.updated}, rejected ${report.rejected}`,
    );
  }
} finally {
  await database.close();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
