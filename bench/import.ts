/**
 * `npm run bench:import [-- --rows=N]`: `import` of N CSV rows of IOCs (default 1,000,000) into the
 * shared feed, side by side in one run with its reference: a plain `COPY` of the same file into a
 * staging table, then one `INSERT … ON CONFLICT` into the same migrated `iocs` table, with all its
 * indexes and triggers (so that the gap is the product's own path: parsing, checking, batching,
 * matching). Each measurement runs in a process of its own, into a fresh database, in the order
 * reference, product, watched, own, own, watched, product, reference ("watched": the product with
 * 10,000 watchlist entries of other workspaces present, keywords among them; "own": into a
 * workspace's own IOCs). Then the product once more
 * over the stored rows (every row an update). `npm run bench` runs it at the end of its table.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { sql as query } from 'drizzle-orm';
import postgres from 'postgres';
import { argument, freshDatabase, inChild, watchEntries } from './support.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importIocs } from '../src/iocs/import.js';

interface Measurement {
  seconds: number;
  created: number;
  updated: number;
  rssMb: number;
}

const COLUMNS = 'type,value,threat_type,malware_family,confidence,severity,tlp,tags,source,first_seen,last_seen';

// ---------------------------------------------------------------------------------------------
// One measurement, in a child process: `--child=product|product-watched|reference --file=F --url=U`

async function child(kind: string, file: string, url: string, again: boolean): Promise<Measurement> {
  let rss = 0;
  const sample = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 50);
  const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
  try {
    await migrateDatabase(database);
    if (kind === 'product-watched') await watch(url);
    if (kind !== 'reference') {
      // `product-own`: into a workspace's own IOCs, as `import --workspace` does.
      const workspaceId =
        kind === 'product-own'
          ? (
              await database.rows<{ id: string }>(
                query`insert into workspaces (name) values ('bench own') returning id`,
              )
            )[0]!.id
          : null;
      if (again) await importIocs(database.db, file, { format: 'csv', workspaceId });
      const started = performance.now();
      const report = await importIocs(database.db, file, { format: 'csv', workspaceId });
      const seconds = (performance.now() - started) / 1000;
      return {
        seconds,
        created: report.created,
        updated: report.updated,
        rssMb: Math.max(rss, process.memoryUsage().rss) / 1e6,
      };
    }
    // The reference: the file as it is (its values are already canonical), copied and inserted.
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const started = performance.now();
    const created = await sql.begin(async (tx) => {
      await tx.unsafe(`CREATE TEMP TABLE staging (type text, value text, threat_type text, malware_family text,
        confidence text, severity text, tlp text, tags text, source text, first_seen text, last_seen text) ON COMMIT DROP`);
      const stream = await tx.unsafe(`COPY staging (${COLUMNS}) FROM STDIN (FORMAT csv, HEADER true)`).writable();
      await pipeline(createReadStream(file), stream);
      const [result] = await tx.unsafe(`WITH created AS (
          INSERT INTO iocs (type, value, threat_type, malware_family, confidence, severity, tlp, tags, source, first_seen, last_seen)
          SELECT type::ioc_type, value, threat_type, malware_family, confidence::smallint, severity::severity, tlp::tlp,
                 string_to_array(tags, ';'), source, first_seen::timestamptz, last_seen::timestamptz
          FROM staging
          ON CONFLICT ON CONSTRAINT iocs_identity DO UPDATE SET last_seen = greatest(iocs.last_seen, excluded.last_seen), updated_at = now()
          RETURNING 1
        )
        SELECT count(*)::int AS created FROM created`);
      return result!.created as number;
    });
    const seconds = (performance.now() - started) / 1000;
    await sql.end();
    return { seconds, created, updated: 0, rssMb: Math.max(rss, process.memoryUsage().rss) / 1e6 };
  } finally {
    clearInterval(sample);
    await database.close();
  }
}

/**
 * 10,000 watchlist entries over 10 workspaces, set before the clock starts: domains (a few under
 * the file's hosts, most not), emails, and keywords (`http` style runs that URLs hold, most not).
 */
function watch(url: string): Promise<void> {
  return watchEntries(url, (n) => {
    if (n % 3 === 0) return { type: 'domain', value: `host-${n * 97}.import.example` };
    if (n % 3 === 1) return { type: 'email', value: `first.last${n}@corp.example` };
    return { type: 'keyword', value: `brand${n}` };
  });
}

const childKind = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
if (childKind) {
  const file = process.argv.find((a) => a.startsWith('--file='))!.slice('--file='.length);
  const url = process.argv.find((a) => a.startsWith('--url='))!.slice('--url='.length);
  process.stdout.write(JSON.stringify(await child(childKind, file, url, process.argv.includes('--again'))));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The run

const ROWS = argument('rows', 1_000_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const log = (text: string) => process.stderr.write(`${text}\n`);

/** IOCs as a feed exports them: four types, canonical values, every column given. */
async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(`${COLUMNS}\n`);
  const types = ['ipv4', 'domain', 'url', 'sha256'] as const;
  for (let i = 0; i < rows; i++) {
    const type = types[i % types.length]!;
    const value =
      type === 'ipv4'
        ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
        : type === 'domain'
          ? `host-${i}.import.example`
          : type === 'url'
            ? `http://site-${i}.import.example/login`
            : i.toString(16).padStart(64, '0');
    const line = `${type},${value},c2,Emotet,${i % 101},high,amber,import;bench,bench-feed,2026-01-01T00:00:00.000Z,2026-02-01T00:00:00.000Z\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

async function measure(
  kind: 'product' | 'product-watched' | 'product-own' | 'reference',
  file: string,
  again = false,
): Promise<Measurement> {
  const target = await freshDatabase('ti_bench_import');
  try {
    return await inChild<Measurement>(path.join(here, 'import.ts'), [
      `--child=${kind}`,
      `--file=${file}`,
      `--url=${target.url}`,
      ...(again ? ['--again'] : []),
    ]);
  } finally {
    await target.drop();
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-import-bench-'));
try {
  const file = path.join(dir, 'iocs.csv');
  log(`writing ${ROWS} CSV rows …`);
  await writeCsv(file, ROWS);
  const results: { name: string; m: Measurement }[] = [];
  for (const kind of [
    'reference',
    'product',
    'product-watched',
    'product-own',
    'product-own',
    'product-watched',
    'product',
    'reference',
  ] as const) {
    log(`${kind} …`);
    results.push({ name: kind, m: await measure(kind, file) });
  }
  log('product over the stored rows …');
  const updates = await measure('product', file, true);

  const median = (name: string) => {
    const runs = results.filter((r) => r.name === name).map((r) => r.m.seconds);
    return runs.reduce((a, b) => a + b, 0) / runs.length;
  };
  const [reference, product, watched] = [median('reference'), median('product'), median('product-watched')];
  console.log(
    `\n| IOC import of ${ROWS.toLocaleString('en')} CSV rows | seconds (mean of 2) | rows/s | × reference | max RSS MB |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, label] of [
    ['reference', 'reference: COPY + INSERT … ON CONFLICT'],
    ['product', 'product (`import`)'],
    ['product-watched', 'product, 10,000 watchlist entries'],
    ['product-own', 'product, into a workspace’s own IOCs'],
  ] as const) {
    const seconds = median(name);
    const rss = Math.max(...results.filter((r) => r.name === name).map((r) => r.m.rssMb));
    console.log(
      `| ${label} | ${seconds.toFixed(1)} | ${Math.round(ROWS / seconds).toLocaleString('en')} | ${(reference / seconds).toFixed(2)} | ${rss.toFixed(0)} |`,
    );
  }
  console.log(
    `| product, every row an update | ${updates.seconds.toFixed(1)} | ${Math.round(ROWS / updates.seconds).toLocaleString('en')} | ${(reference / updates.seconds).toFixed(2)} | ${updates.rssMb.toFixed(0)} |`,
  );
  console.log(`\n| target | measured | met |\n| --- | ---: | --- |`);
  console.log(
    `| import ≥ 0.8 × reference | ${(reference / product).toFixed(2)} | ${reference / product >= 0.8 ? 'yes' : 'no'} |`,
  );
  console.log(
    `| watched ≤ 1.3 × unwatched | ${(watched / product).toFixed(2)} | ${watched / product <= 1.3 ? 'yes' : 'no'} |`,
  );
  const created = results.filter((r) => r.name !== 'reference').every((r) => r.m.created === ROWS);
  console.log(`| every row stored by each run | ${created ? 'yes' : 'no'} | ${created ? 'yes' : 'no'} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
