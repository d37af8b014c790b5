/**
 * `npm run bench:leaks [-- --lines=N] [-- --embedded-lines=N]`: `leaks import` of a combolist of N
 * lines (default 1,000,000) against the local PostgreSQL (or DATABASE_URL's server), side by side
 * in one run with the reference docs/api.md §9 names: a plain `COPY` of the same rows, already in their
 * stored form, into a staging table, then one `INSERT … ON CONFLICT` into the same tables (the
 * leaks, and the count of leaks per password hash that the range search reads). Each measurement runs in a process of its own (so that its peak RSS is its own), into a
 * fresh database, in the order reference, product, watched, watched, product, reference ("watched":
 * the product with 10,000 watchlist entries present, docs/api.md §10). Then the product once more over
 * the stored rows (every line a duplicate), and on the embedded database with fewer lines.
 */
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { argument, freshDatabase, inChild, watchEntries } from './support.js';
import { bulkUuidv7 as uuidv7 } from '../src/core/ids.js';
import { openDatabase } from '../src/db/client.js';
import { copyRow } from '../src/db/copyText.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { combolistRecord } from '../src/dataleaks/formats.js';
import { importLeaks } from '../src/dataleaks/import.js';
import { Rejected } from '../src/dataleaks/records.js';

interface Measurement {
  seconds: number;
  created: number;
  duplicates: number;
  alerts: number;
  rssMb: number;
}

// ---------------------------------------------------------------------------------------------
// One measurement, in a child process: `--child=product|reference --file=F --url=U`

async function child(kind: string, file: string, url: string | undefined): Promise<Measurement> {
  let rss = 0;
  const sample = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 50);
  const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
  try {
    await migrateDatabase(database);
    if (kind === 'product-watched') await watch(url!);
    if (kind === 'product' || kind === 'product-watched') {
      const started = performance.now();
      const report = await importLeaks(database, file, {
        format: 'combolist',
        source: 'bench-combolist',
        sourceType: 'combolist',
        leakedAt: null,
        severity: 'medium',
      });
      const seconds = (performance.now() - started) / 1000;
      return {
        seconds,
        created: report.created,
        duplicates: report.duplicates,
        alerts: report.alerts,
        rssMb: Math.max(rss, process.memoryUsage().rss) / 1e6,
      };
    }
    // The reference: the same rows in their stored form, made before the clock starts.
    const rows: string[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue;
      const c = combolistRecord(line);
      if (c instanceof Rejected) continue;
      rows.push(
        copyRow([
          uuidv7(),
          c.email,
          c.domain,
          c.domainKey,
          c.username,
          c.site,
          c.siteKey,
          c.passwordMasked,
          c.passwordSha1,
          c.passwordNtlm,
          null,
        ]),
      );
    }
    const sql = postgres(url!, { max: 1, onnotice: () => {} });
    const started = performance.now();
    const created = await sql.begin(async (tx) => {
      await tx.unsafe(`CREATE TEMP TABLE staging (id uuid, email text, domain text, domain_key text, username text, site text, site_key text,
        password_masked text, password_sha1 bytea, password_ntlm bytea, leaked_at timestamptz) ON COMMIT DROP`);
      const stream = await tx.unsafe('COPY staging FROM STDIN').writable();
      for (let i = 0; i < rows.length; i += 5000)
        if (!stream.write(rows.slice(i, i + 5000).join(''))) await once(stream, 'drain');
      stream.end();
      await finished(stream);
      // The same tables as the product keeps: the leaks, and the count of leaks per password hash
      // (SHA-1, and NTLM for the range search's NTLM mode).
      const [result] = await tx.unsafe(`WITH created AS (
          INSERT INTO credential_leaks (id, email, domain, domain_key, username, site, site_key, password_masked, password_sha1, source_name, source_type, leaked_at, severity)
          SELECT id, email, domain, domain_key, username, site, site_key, password_masked, password_sha1, 'bench-combolist', 'combolist', leaked_at, 'medium' FROM staging
          ON CONFLICT DO NOTHING
          RETURNING id, password_sha1
        ), counted AS (
          INSERT INTO password_counts (sha1, count) SELECT password_sha1, count(*) FROM created GROUP BY password_sha1
          ON CONFLICT (sha1) DO UPDATE SET count = password_counts.count + excluded.count
        ), counted_ntlm AS (
          INSERT INTO password_ntlm_counts (ntlm, count)
          SELECT s.password_ntlm, count(*) FROM created c JOIN staging s ON s.id = c.id GROUP BY s.password_ntlm
          ON CONFLICT (ntlm) DO UPDATE SET count = password_ntlm_counts.count + excluded.count
        )
        SELECT count(*)::int AS created FROM created`);
      return result!.created as number;
    });
    const seconds = (performance.now() - started) / 1000;
    await sql.end();
    return {
      seconds,
      created,
      duplicates: rows.length - created,
      alerts: 0,
      rssMb: Math.max(rss, process.memoryUsage().rss) / 1e6,
    };
  } finally {
    clearInterval(sample);
    await database.close();
  }
}

/**
 * 10,000 watchlist entries over 10 enterprise workspaces: domains and emails of the kind the
 * combolist holds (a few match, most do not), set before the clock starts.
 */
function watch(url: string): Promise<void> {
  return watchEntries(url, (n) => {
    return n % 2 === 0
      ? { type: 'domain', value: `d${n * 7}.example` }
      : { type: 'email', value: `first.last${n * 997}@gmail.test` };
  });
}

const childKind = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
if (childKind) {
  const file = process.argv.find((a) => a.startsWith('--file='))!.slice('--file='.length);
  const url = process.argv.find((a) => a.startsWith('--url='))?.slice('--url='.length);
  process.stdout.write(JSON.stringify(await child(childKind, file, url)));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The run

const LINES = argument('lines', 1_000_000);
const EMBEDDED_LINES = argument('embedded-lines', 100_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const log = (text: string) => process.stderr.write(`${text}\n`);

/** A combolist as they come: mostly emails at many domains, some user names, 2% repeated lines, CRLF. */
async function writeCombolist(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  const domains = ['gmail.test', 'yahoo.test', 'acme.example', 'mail.acme.example', 'corp.example', 'shop.example'];
  for (let i = 0; i < lines; i++) {
    const n = i % 50 === 49 ? i - 7 : i; // a line seen before
    const login =
      n % 10 === 0
        ? `user_${n}`
        : `first.last${n}@${n % 7 === 0 ? `d${n % 5000}.example` : domains[n % domains.length]}`;
    const password = n % 5 === 0 ? `Summer${2000 + (n % 30)}!` : `pw-${(n * 2654435761) % 4294967296}:${n % 97}`;
    if (!out.write(`${login}:${password}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

async function measure(
  kind: 'product' | 'product-watched' | 'reference',
  file: string,
  url: string | undefined,
): Promise<Measurement> {
  return inChild<Measurement>(path.join(here, 'leaks.ts'), [
    `--child=${kind}`,
    `--file=${file}`,
    ...(url ? [`--url=${url}`] : []),
  ]);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-leaks-bench-'));
try {
  const file = path.join(dir, 'combolist.txt');
  log(`writing ${LINES} combolist lines …`);
  await writeCombolist(file, LINES);
  const results: { name: string; m: Measurement; lines: number }[] = [];
  for (const kind of ['reference', 'product', 'product-watched', 'product-watched', 'product', 'reference'] as const) {
    const target = await freshDatabase('ti_bench_leaks');
    try {
      log(`${kind} …`);
      const name = kind === 'product-watched' ? 'product, 10,000 watchlist entries' : kind;
      results.push({ name, m: await measure(kind, file, target.url), lines: LINES });
      if (kind === 'product' && !results.some((r) => r.name === 'product, every line a duplicate')) {
        log('product again over the stored rows …');
        results.push({
          name: 'product, every line a duplicate',
          m: await measure('product', file, target.url),
          lines: LINES,
        });
      }
    } finally {
      await target.drop();
    }
  }
  if (EMBEDDED_LINES > 0) {
    const small = path.join(dir, 'combolist-small.txt');
    await writeCombolist(small, EMBEDDED_LINES);
    log('product on the embedded database …');
    results.push({
      name: 'product, embedded database',
      m: await measure('product', small, undefined),
      lines: EMBEDDED_LINES,
    });
  }

  const rate = (r: { m: Measurement; lines: number }) => r.lines / r.m.seconds;
  const mean = (name: string) => {
    const runs = results.filter((r) => r.name === name);
    return runs.reduce((sum, r) => sum + rate(r), 0) / runs.length;
  };
  const reference = mean('reference');
  const product = mean('product');
  const watched = mean('product, 10,000 watchlist entries');
  const lines = [
    `leaks import of a ${LINES.toLocaleString('en')}-line combolist against PostgreSQL, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| run | lines | seconds | lines/s | created | duplicates | alerts | peak RSS MB | × reference |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.lines.toLocaleString('en')} | ${r.m.seconds.toFixed(1)} | ${Math.round(rate(r)).toLocaleString('en')} | ${r.m.created.toLocaleString('en')} | ${r.m.duplicates.toLocaleString('en')} | ${r.m.alerts.toLocaleString('en')} | ${r.m.rssMb.toFixed(0)} | ${(rate(r) / reference).toFixed(2)} |`,
    ),
    '',
    '| target | measured | met |',
    '| --- | ---: | --- |',
    `| product ≥ 0.7 × reference (mean of two runs each) | ${(product / reference).toFixed(2)} × | ${product / reference >= 0.7 ? 'yes' : 'no'} |`,
    `| ${LINES.toLocaleString('en')} lines in under 30 s | ${(LINES / product).toFixed(1)} s | ${LINES / product < 30 ? 'yes' : 'no'} |`,
    `| with 10,000 watchlist entries ≤ 1.3 × the time without | ${(product / watched).toFixed(2)} × | ${product / watched <= 1.3 ? 'yes' : 'no'} |`,
  ];
  console.log(lines.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
