/**
 * `npm run bench:scale [-- --rows=N --small=M --more=K --requests=R]`: the leak tables at scale
 * (docs/scaling.md), in one run.
 *
 * - Two databases: one of N credential leaks (default 20,000,000) and one of M (default 1,000,000),
 *   loaded by the seeder (`npm run seed`'s bulk load: COPY, indexes built after), with its
 *   distribution: two fifths of the leaks over the scope's domains and their subdomains (here three,
 *   so three very large domains), a third over eight large mail providers, the rest a long tail of
 *   made-up domains; a third carry the website they were typed into; a fifth of the passwords are
 *   common ones. The load's time and the database's size (table and indexes) are reported.
 * - Import: `leaks import` of a combolist of K lines (default 1,000,000) into the large table,
 *   against the same file into an empty one (target: ≥ 0.8 × the empty table's rate).
 * - Search through a server process on each database, R requests of each kind one after another
 *   (default 300): by domain (the scope's large domains and a sample of long-tail domains added to
 *   the scope), by email, by site, and the range search; p50 and p99 at N against M (target: p99 at
 *   N ≤ 1.5 × p99 at M).
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { sql } from 'drizzle-orm';
import { loadWorkspaceScope } from '../src/auth/scope.js';
import { openDatabase, type Database } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importLeaks } from '../src/dataleaks/import.js';
import { foldPasswordCounts } from '../src/dataleaks/passwordCounts.js';
import { seed } from '../src/seed/synthetic.js';
import { addScopeEntry, createWorkspace } from '../src/workspaces/service.js';
import { makeKeys, startServer } from './servers.js';
import { argument, freshDatabase } from './support.js';

const ROWS = argument('rows', 20_000_000);
const SMALL = argument('small', 1_000_000);
const MORE = argument('more', 1_000_000);
const REQUESTS = argument('requests', 300);
const SCOPE = ['acme-corp.example', 'globex.example', 'initech.example'];

const log = (text: string) => process.stderr.write(`${text}\n`);
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(0)} MB`;

interface Loaded {
  url: string;
  drop: () => Promise<void>;
  workspaceId: string;
  loadSeconds: number;
  sizes: { database: number; table: number; indexes: number };
}

/** A database of `rows` credential leaks made by the seeder, with a workspace whose scope the searches use. */
async function loaded(rows: number): Promise<Loaded> {
  const target = await freshDatabase('ti_bench_scale');
  const database = await openDatabase({ databaseUrl: target.url, poolSize: 2 });
  try {
    await migrateDatabase(database);
    const workspace = await createWorkspace(database.db, { name: 'bench scale', plan: 'enterprise' });
    for (const domain of SCOPE) await addScopeEntry(database.db, workspace.id, 'domain', domain);
    const started = performance.now();
    await seed(database, {
      iocs: 0,
      credentialLeaks: rows,
      cardLeaks: 0,
      workspace: { id: workspace.id, scope: await loadWorkspaceScope(database.db, workspace.id) },
    });
    const loadSeconds = (performance.now() - started) / 1000;
    const [sizes] = await database.rows<{ database: string; table: string; indexes: string }>(sql`
      select pg_database_size(current_database())::text as database,
             pg_table_size('credential_leaks')::text as table,
             pg_indexes_size('credential_leaks')::text as indexes`);
    return {
      ...target,
      workspaceId: workspace.id,
      loadSeconds,
      sizes: { database: Number(sizes!.database), table: Number(sizes!.table), indexes: Number(sizes!.indexes) },
    };
  } finally {
    await database.close();
  }
}

/** A combolist of `lines` lines over the same kinds of domains: the import measured. */
async function writeCombolist(file: string, lines: number): Promise<void> {
  const out = createWriteStream(file);
  const domains = [...SCOPE, 'gmail.com', 'yahoo.com', 'outlook.com'];
  for (let i = 0; i < lines; i++) {
    const domain = i % 3 === 0 ? `tail${i % 50_000}.example.net` : domains[i % domains.length]!;
    if (!out.write(`scale.user${i}@${domain}:pass-${(i * 7919) % 1_000_003}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
}

/**
 * Lines a second of `leaks import`, and of the import with the fold of the password counts it
 * added, which a server runs within a minute after it (src/dataleaks/passwordCounts.ts).
 */
async function importInto(url: string, file: string): Promise<{ rate: number; withFold: number; foldSeconds: number }> {
  const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
  try {
    const started = performance.now();
    const report = await importLeaks(database, file, {
      format: 'combolist',
      source: 'bench-scale',
      sourceType: 'combolist',
      leakedAt: null,
      severity: 'medium',
    });
    const seconds = (performance.now() - started) / 1000;
    const folding = performance.now();
    await foldPasswordCounts(database);
    const foldSeconds = (performance.now() - folding) / 1000;
    log(
      `  ${report.created.toLocaleString('en')} created in ${seconds.toFixed(1)} s, folded in ${foldSeconds.toFixed(1)} s`,
    );
    return { rate: MORE / seconds, withFold: MORE / (seconds + foldSeconds), foldSeconds };
  } finally {
    await database.close();
  }
}

interface SearchKind {
  name: string;
  paths: string[];
}

/** What the searches ask for, drawn from what the database holds. */
async function searches(database: Database, workspaceId: string): Promise<SearchKind[]> {
  // Long-tail domains, added to the scope so that they can be searched.
  const tail = await database.rows<{ domain: string }>(sql`
    select domain from credential_leaks tablesample system (0.1)
    where domain ~ '^[a-z]+[0-9]+\\.[a-z]+$'
    group by domain limit 60`);
  for (const { domain } of tail) await addScopeEntry(database.db, workspaceId, 'domain', domain);
  const emails = await database.rows<{ email: string }>(sql`
    select email from credential_leaks tablesample system (0.2)
    where email is not null and domain = any(${sql.param(SCOPE)}::text[]) limit 200`);
  const sites = await database.rows<{ site: string }>(sql`
    select distinct site from credential_leaks tablesample system (0.5)
    where site is not null and (${sql.join(
      SCOPE.map((d) => sql`site = ${d} or site like ${`%.${d}`}`),
      sql` or `,
    )}) limit 100`);
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  const domains = [...SCOPE, ...tail.map((row) => row.domain)];
  const range = Array.from({ length: REQUESTS }, (_, i) => ((i * 104_729) % 0x100000).toString(16).padStart(5, '0'));
  return [
    {
      name: 'by domain (first page of 50)',
      paths: Array.from({ length: REQUESTS }, (_, i) => `/api/v1/dataleaks/domain?domain=${pick(domains, i)}&limit=50`),
    },
    {
      name: 'by email',
      paths: Array.from(
        { length: REQUESTS },
        (_, i) => `/api/v1/dataleaks/email?email=${encodeURIComponent(pick(emails, i).email)}&limit=50`,
      ),
    },
    {
      name: 'by site (first page of 50)',
      paths: Array.from(
        { length: REQUESTS },
        (_, i) => `/api/v1/dataleaks/site?domain=${pick(sites, i).site}&limit=50`,
      ),
    },
    { name: 'range search', paths: range.map((prefix) => `/api/v1/passwords/range/${prefix}`) },
  ];
}

/** p50 and p99 of each kind of search through a server process on the database. */
async function measureSearches(target: Loaded): Promise<Map<string, { p50: number; p99: number; errors: number }>> {
  const database = await openDatabase({ databaseUrl: target.url, poolSize: 2 });
  const kinds = await searches(database, target.workspaceId);
  const [key] = await makeKeys(database, target.workspaceId, 1, 'bench scale');
  await database.rows(sql`analyze`);
  await database.close();
  const server = await startServer('product', path.join('src', 'main.ts'), {
    DATABASE_URL: target.url,
    LOG_LEVEL: 'warn',
  });
  const results = new Map<string, { p50: number; p99: number; errors: number }>();
  try {
    const headers = { authorization: `Bearer ${key}` };
    // Warm the process and the statements.
    for (const kind of kinds)
      for (const p of kind.paths.slice(0, 20)) await (await fetch(`${server.url}${p}`, { headers })).text();
    for (const kind of kinds) {
      const times: number[] = [];
      let errors = 0;
      for (const p of kind.paths) {
        const started = performance.now();
        const answer = await fetch(`${server.url}${p}`, { headers });
        await answer.text();
        times.push(performance.now() - started);
        if (answer.status !== 200) errors++;
      }
      times.sort((a, b) => a - b);
      results.set(kind.name, { p50: percentile(times, 50), p99: percentile(times, 99), errors });
    }
  } finally {
    await server.stop();
  }
  return results;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-scale-bench-'));
const made: Loaded[] = [];
try {
  log(`loading ${SMALL.toLocaleString('en')} leaks …`);
  const small = await loaded(SMALL);
  made.push(small);
  log(`  ${small.loadSeconds.toFixed(0)} s, ${mb(small.sizes.database)}`);
  log(`loading ${ROWS.toLocaleString('en')} leaks …`);
  const large = await loaded(ROWS);
  made.push(large);
  log(`  ${large.loadSeconds.toFixed(0)} s, ${mb(large.sizes.database)}`);

  log('searches at both sizes …');
  const atSmall = await measureSearches(small);
  const atLarge = await measureSearches(large);

  log(`importing ${MORE.toLocaleString('en')} more, into an empty table and into the large one …`);
  const file = path.join(dir, 'more.txt');
  await writeCombolist(file, MORE);
  const empty = await freshDatabase('ti_bench_scale_empty');
  let emptyImport: Awaited<ReturnType<typeof importInto>>;
  try {
    const database = await openDatabase({ databaseUrl: empty.url, poolSize: 2 });
    await migrateDatabase(database);
    await database.close();
    emptyImport = await importInto(empty.url, file);
  } finally {
    await empty.drop();
  }
  const largeImport = await importInto(large.url, file);

  console.log(`\n| leak tables | ${SMALL.toLocaleString('en')} leaks | ${ROWS.toLocaleString('en')} leaks |`);
  console.log('| --- | ---: | ---: |');
  console.log(
    `| load (seeder: COPY, indexes after) | ${small.loadSeconds.toFixed(0)} s | ${large.loadSeconds.toFixed(0)} s |`,
  );
  console.log(`| database size | ${mb(small.sizes.database)} | ${mb(large.sizes.database)} |`);
  console.log(
    `| credential_leaks: table / indexes | ${mb(small.sizes.table)} / ${mb(small.sizes.indexes)} | ${mb(large.sizes.table)} / ${mb(large.sizes.indexes)} |`,
  );
  console.log(
    `| bytes a row: table / indexes | ${(small.sizes.table / SMALL).toFixed(0)} / ${(small.sizes.indexes / SMALL).toFixed(0)} | ${(large.sizes.table / ROWS).toFixed(0)} / ${(large.sizes.indexes / ROWS).toFixed(0)} |`,
  );
  console.log(
    `\n| search, ${REQUESTS} requests each | p50 / p99 at ${SMALL.toLocaleString('en')} (ms) | p50 / p99 at ${ROWS.toLocaleString('en')} (ms) | p99 ratio | errors |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const ratios: number[] = [];
  for (const [name, s] of atSmall) {
    const l = atLarge.get(name)!;
    ratios.push(l.p99 / s.p99);
    console.log(
      `| ${name} | ${s.p50.toFixed(1)} / ${s.p99.toFixed(1)} | ${l.p50.toFixed(1)} / ${l.p99.toFixed(1)} | ${(l.p99 / s.p99).toFixed(2)} | ${s.errors + l.errors} |`,
    );
  }
  const importRatio = largeImport.rate / emptyImport.rate;
  const withFoldRatio = largeImport.withFold / emptyImport.withFold;
  console.log(
    `\n| import of ${MORE.toLocaleString('en')} lines | lines/s | the fold after it (s) | lines/s, fold included |\n| --- | ---: | ---: | ---: |`,
  );
  for (const [name, m] of [
    ['into an empty table', emptyImport],
    [`into ${ROWS.toLocaleString('en')} leaks`, largeImport],
  ] as const)
    console.log(
      `| ${name} | ${Math.round(m.rate).toLocaleString('en')} | ${m.foldSeconds.toFixed(1)} | ${Math.round(m.withFold).toLocaleString('en')} |`,
    );
  console.log(`\n| target | measured | met |\n| --- | ---: | --- |`);
  console.log(
    `| import at ${ROWS.toLocaleString('en')} ≥ 0.8 × into an empty table | ${importRatio.toFixed(2)} (fold included: ${withFoldRatio.toFixed(2)}) | ${importRatio >= 0.8 ? 'yes' : 'no'} |`,
  );
  const worst = Math.max(...ratios);
  console.log(
    `| every search's p99 at ${ROWS.toLocaleString('en')} ≤ 1.5 × at ${SMALL.toLocaleString('en')} | ${worst.toFixed(2)} (worst) | ${worst <= 1.5 ? 'yes' : 'no'} |`,
  );
} finally {
  for (const target of made) await target.drop();
  rmSync(dir, { recursive: true, force: true });
}
