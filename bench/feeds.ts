/**
 * `npm run bench:feeds [-- --rows=N --gigabytes=G]`: feeds in and out (docs/api.md §14), in one run.
 *
 * - A pull of N URLhaus rows (default 1,000,000) from a local HTTP server, against `import` of the
 *   same rows as this product's CSV file, each into a fresh database in a process of its own, in the
 *   order import, pull, pull, import (target: pull ≥ 0.8 × import).
 * - Memory: the peak RSS of a pull of a G GB document (default 1) against one of 128 MB, and one of
 *   16 MB for the record: the document is a URLhaus dump of 2,000 URLs over and over, generated as
 *   it is sent, so that the pull's reading, not the database, is what is measured (target: flat).
 *   The 128 MB pull (8 s) is the baseline: long enough for the garbage collector's heap to reach
 *   the size it then cycles within (a 16 MB pull ends in a second, before its first full cycle).
 * - The block list of 150,000 URLs (the default limit) from a server process on the pulled database
 *   (vacuumed and checkpointed first, as a table settles after a load), after three reads that warm the process: 20 reads each of a version not read before (another
 *   filter, the same values), then the same list polled 40 times as firewalls do; p50 and p99 of
 *   each, the server's RSS (target: p99 < 0.5 s).
 * - The MISP manifest of the imported database, whose rows are spread over 100 sources and 100
 *   days: 10,000 events (target: < 1 s).
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createFeed } from '../src/feeds/feeds.js';
import { mispManifest } from '../src/feeds/mispFeed.js';
import { pullFeed } from '../src/feeds/pull.js';
import { STRICT_POLICY } from '../src/http/urlPolicy.js';
import { importIocs } from '../src/iocs/import.js';
import { SecretBox } from '../src/webhooks/secrets.js';
import { createWorkspace } from '../src/workspaces/service.js';
import { makeKeys, rssMb, startServer } from './servers.js';
import { argument, freshDatabase, inChild } from './support.js';

interface Measurement {
  seconds: number;
  read: number;
  created: number;
  rssMb: number;
  /** The MISP manifest's timings (import runs), in ms, and its events. */
  manifestMs?: number[];
  events?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (text: string) => process.stderr.write(`${text}\n`);
const DAY_MS = 86_400_000;
const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

// ---------------------------------------------------------------------------------------------
// One measurement, in a child process: `--child=import|pull --url=U (--file=F | --feed=URL)`

async function child(
  kind: string,
  url: string,
  file: string | undefined,
  feed: string | undefined,
): Promise<Measurement> {
  let rss = 0;
  const sample = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 20);
  const database = await openDatabase({ databaseUrl: url, poolSize: 2 });
  try {
    await migrateDatabase(database);
    const started = performance.now();
    if (kind === 'import') {
      const report = await importIocs(database.db, file!, { format: 'csv', workspaceId: null });
      const seconds = (performance.now() - started) / 1000;
      const workspace = await createWorkspace(database.db, { name: 'bench misp', plan: 'enterprise' });
      const manifestMs: number[] = [];
      let events = 0;
      for (let i = 0; i < 5; i++) {
        const at = performance.now();
        events = Object.keys(await mispManifest(database.db, workspace, 'shared')).length;
        manifestMs.push(performance.now() - at);
      }
      return { seconds, read: report.read, created: report.created, rssMb: rss / 1e6, manifestMs, events };
    }
    const row = await createFeed(
      database.db,
      null,
      { name: 'URLhaus', url: feed!, format: 'urlhaus' },
      { policy: STRICT_POLICY, secrets: SecretBox.ephemeral(), trusted: true },
    );
    const result = await pullFeed(database.db, row, { policy: STRICT_POLICY, headers: {}, maxRecords: Infinity });
    if (result.error) throw new Error(result.error);
    return {
      seconds: (performance.now() - started) / 1000,
      read: result.counts.read,
      created: result.counts.created,
      rssMb: Math.max(rss, process.memoryUsage().rss) / 1e6,
    };
  } finally {
    clearInterval(sample);
    await database.close();
  }
}

const childKind = process.argv.find((a) => a.startsWith('--child='))?.slice('--child='.length);
if (childKind) {
  const value = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  process.stdout.write(JSON.stringify(await child(childKind, value('url')!, value('file'), value('feed'))));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The run

const ROWS = argument('rows', 1_000_000);
const GIGABYTES = argument('gigabytes', 1);

/** The same rows twice: a URLhaus dump, and this product's CSV (spread over 100 sources and 100 days). */
async function writeFiles(urlhaus: string, product: string, rows: number): Promise<void> {
  const now = Date.now();
  const a = createWriteStream(urlhaus);
  const b = createWriteStream(product);
  a.write(
    '################################################################\n# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #\n################################################################\n#\n# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n',
  );
  b.write('type,value,threat_type,tags,source,first_seen,last_seen\n');
  for (let i = 0; i < rows; i++) {
    const url = `http://host-${i}.urlhaus.example/bins/${i.toString(36)}.sh`;
    const added = now - (Math.floor(i / 100) % 100) * DAY_MS - 3_600_000;
    const seen = now - 60_000;
    const lineA = `"${3_000_000 + i}","${utc(added)}","${url}","online","${utc(seen)}","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/${3_000_000 + i}/","reporter${i % 50}"\n`;
    const lineB = `url,${url},malware_download,elf;mirai,src-${i % 100},${new Date(added).toISOString()},${new Date(seen).toISOString()}\n`;
    if (!a.write(lineA)) await once(a, 'drain');
    if (!b.write(lineB)) await once(b, 'drain');
  }
  a.end();
  b.end();
  await Promise.all([finished(a), finished(b)]);
}

/** Serves the URLhaus file, and `/generated/<bytes>`: a dump of 2,000 URLs repeated, made as it is sent. */
async function origin(file: string): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const generated = /^\/generated\/(\d+)$/.exec(req.url ?? '');
    if (!generated) {
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': String(statSync(file).size) });
      createReadStream(file).pipe(res);
      return;
    }
    const total = Number(generated[1]);
    res.writeHead(200, { 'content-type': 'text/csv' });
    let sent = 0;
    let n = 0;
    const write = () => {
      while (sent < total) {
        const chunk = Array.from({ length: 1000 }, () => {
          const i = n++ % 2000;
          return `"${i}","2026-12-01 10:00:00","http://repeat-${i}.urlhaus.example/x","online","2026-12-01 10:00:00","malware_download","${'tag,'.repeat(60)}elf","https://urlhaus.abuse.ch/url/${i}/","r"\n`;
        }).join('');
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', write);
      }
      res.end();
    };
    write();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

async function measure(kind: 'import' | 'pull', args: string[], keep = false) {
  const target = await freshDatabase('ti_bench_feeds');
  const m = await inChild<Measurement>(path.join(here, 'feeds.ts'), [
    `--child=${kind}`,
    `--url=${target.url}`,
    ...args,
  ]);
  if (!keep) await target.drop();
  return { m, target };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-feeds-bench-'));
let served: { url: string; close(): void } | undefined;
try {
  const urlhaus = path.join(dir, 'urlhaus.csv');
  const product = path.join(dir, 'iocs.csv');
  log(`writing ${ROWS} rows as URLhaus and as CSV …`);
  await writeFiles(urlhaus, product, ROWS);
  served = await origin(urlhaus);

  const runs: { kind: string; m: Measurement }[] = [];
  let kept: { url: string; drop: () => Promise<void> } | undefined;
  const order = ['import', 'pull', 'pull', 'import'] as const;
  for (const [i, kind] of order.entries()) {
    log(`${kind} …`);
    const keep = kind === 'pull' && i === 2;
    const { m, target } = await measure(
      kind,
      kind === 'import' ? [`--file=${product}`] : [`--feed=${served.url}/urlhaus.csv`],
      keep,
    );
    runs.push({ kind, m });
    if (keep) kept = target;
  }
  const mean = (kind: string) => {
    const times = runs.filter((r) => r.kind === kind).map((r) => r.m.seconds);
    return times.reduce((a, b) => a + b, 0) / times.length;
  };

  log('memory: a 16 MB, a 128 MB and a 1 GB document …');
  const small = await measure('pull', [`--feed=${served.url}/generated/${16 * 1024 * 1024}`]);
  const baseline = await measure('pull', [`--feed=${served.url}/generated/${128 * 1024 * 1024}`]);
  const large = await measure('pull', [`--feed=${served.url}/generated/${Math.round(GIGABYTES * 1024 ** 3)}`]);

  log('block list of 150,000 URLs from a server process …');
  const database = await openDatabase({ databaseUrl: kept!.url, poolSize: 2 });
  // The pulls before wrote gigabytes: their checkpoint is theirs to pay, not the block lists', and
  // the pulled table is read as autovacuum leaves a table a while after a load (visibility map and
  // hint bits set), not while that vacuum runs beside the reads.
  // The feed the rows came from stays due (the bench pulled it directly, not through a schedule):
  // the server's puller would read its million rows again beside the block lists.
  await database.db.execute(sql`delete from feeds`);
  await database.db.execute(sql`vacuum (analyze) iocs`);
  await database.db.execute(sql`checkpoint`);
  const workspace = await createWorkspace(database.db, { name: 'bench blocklists', plan: 'enterprise' });
  const [key] = await makeKeys(database, workspace.id, 1, 'bench blocklists');
  await database.close();
  const server = await startServer('product', path.join('src', 'main.ts'), {
    DATABASE_URL: kept!.url,
    LOG_LEVEL: 'warn',
  });
  const times: number[] = [];
  const fresh: number[] = [];
  let lines = 0;
  let rssBefore = 0;
  let rssPeak = 0;
  const read = async (query: string) => {
    const started = performance.now();
    const answer = await fetch(`${server.url}/api/v1/blocklists/url.txt${query}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const text = await answer.text();
    const elapsed = performance.now() - started;
    lines = text.split('\n').length - 1;
    rssPeak = Math.max(rssPeak, rssMb(server.pids()));
    return elapsed;
  };
  try {
    // A server just started compiles its code and prepares its statements on the first requests.
    for (let i = 0; i < 3; i++) await read('?min_confidence=99');
    rssBefore = rssMb(server.pids());
    // Each a version never read before (another filter, the same 150,000 values): read from the database.
    for (let i = 0; i < 20; i++) fresh.push(await read(`?min_confidence=${i}`));
    // The same list polled again and again, as firewalls do: its version unchanged (its first read
    // is one more new version, not counted).
    await read('');
    for (let i = 0; i < 40; i++) times.push(await read(''));
  } finally {
    await server.stop();
    await kept!.drop();
  }
  fresh.sort((a, b) => a - b);
  times.sort((a, b) => a - b);

  const [importS, pullS] = [mean('import'), mean('pull')];
  const manifest = runs.find((r) => r.m.manifestMs)!.m;
  const manifestSorted = [...manifest.manifestMs!].sort((a, b) => a - b);
  console.log(`\n| feeds, ${ROWS.toLocaleString('en')} rows | seconds (mean of 2) | rows/s | × import | max RSS MB |`);
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [kind, label] of [
    ['import', '`import` of the rows as CSV (reference)'],
    ['pull', 'URLhaus feed pull of the same rows over HTTP'],
  ] as const) {
    const seconds = mean(kind);
    const rss = Math.max(...runs.filter((r) => r.kind === kind).map((r) => r.m.rssMb));
    console.log(
      `| ${label} | ${seconds.toFixed(1)} | ${Math.round(ROWS / seconds).toLocaleString('en')} | ${(importS / seconds).toFixed(2)} | ${rss.toFixed(0)} |`,
    );
  }
  console.log(`\n| measure | value |\n| --- | ---: |`);
  console.log(
    `| pull of 16 MB: peak RSS | ${small.m.rssMb.toFixed(0)} MB (${small.m.read.toLocaleString('en')} records) |`,
  );
  console.log(
    `| pull of 128 MB: peak RSS | ${baseline.m.rssMb.toFixed(0)} MB (${baseline.m.read.toLocaleString('en')} records, ${baseline.m.seconds.toFixed(0)} s) |`,
  );
  console.log(
    `| pull of ${GIGABYTES} GB: peak RSS | ${large.m.rssMb.toFixed(0)} MB (${large.m.read.toLocaleString('en')} records, ${large.m.seconds.toFixed(0)} s) |`,
  );
  console.log(
    `| block list of ${lines.toLocaleString('en')} URLs, each read a new version: p50 / p99 of 20 | ${percentile(fresh, 50).toFixed(0)} / ${percentile(fresh, 99).toFixed(0)} ms |`,
  );
  console.log(
    `| the same list polled again, its version unchanged: p50 / p99 of 40 | ${percentile(times, 50).toFixed(0)} / ${percentile(times, 99).toFixed(0)} ms |`,
  );
  console.log(`| server RSS before / peak while serving it | ${rssBefore.toFixed(0)} / ${rssPeak.toFixed(0)} MB |`);
  console.log(
    `| MISP manifest of ${manifest.events!.toLocaleString('en')} events: median / max of 5 | ${percentile(manifestSorted, 50).toFixed(0)} / ${manifestSorted.at(-1)!.toFixed(0)} ms |`,
  );
  console.log(`\n| target | measured | met |\n| --- | ---: | --- |`);
  const ratio = importS / pullS;
  console.log(`| pull ≥ 0.8 × import | ${ratio.toFixed(2)} | ${ratio >= 0.8 ? 'yes' : 'no'} |`);
  const flat = large.m.rssMb / baseline.m.rssMb;
  console.log(
    `| memory flat: peak RSS of ${GIGABYTES} GB ÷ 128 MB ≤ 1.2 | ${flat.toFixed(2)} | ${flat <= 1.2 ? 'yes' : 'no'} |`,
  );
  const p99 = percentile(times, 99);
  console.log(
    `| block list of 150,000 polled, p99 < 500 ms | ${p99.toFixed(0)} ms | ${p99 < 500 && lines === 150_000 ? 'yes' : 'no'} |`,
  );
  const freshP99 = percentile(fresh, 99);
  console.log(
    `| block list of 150,000 at a new version, p99 < 500 ms | ${freshP99.toFixed(0)} ms | ${freshP99 < 500 ? 'yes' : 'no'} |`,
  );
  const worst = manifestSorted.at(-1)!;
  console.log(
    `| MISP manifest of 10,000 events < 1 s | ${worst.toFixed(0)} ms | ${worst < 1000 && manifest.events === 10_000 ? 'yes' : 'no'} |`,
  );
} finally {
  served?.close();
  rmSync(dir, { recursive: true, force: true });
}
