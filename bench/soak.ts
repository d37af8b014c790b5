/**
 * `npm run bench:soak [-- --minutes=10]`: the server under the keyed IOC listing (S1), the lookup
 * of 100 values (S4) and the listing with one request in ten carrying a wrong secret (S5), all at
 * once for that long, its memory sampled every 10 s. Prints the curve a minute at a time and the
 * slope of its resident memory after the first minute: a leak shows as a slope, a heap that is
 * merely large as a level. Uses the seeded `ti_bench` database of `npm run bench` (seeding it on
 * first use); `--quick` runs a throwaway database with a little data.
 */
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';
import { and, eq, like, sql } from 'drizzle-orm';
import { generateApiKey, formatApiKey } from '../src/auth/keyFormat.js';
import { openDatabase } from '../src/db/client.js';
import { apiKeys } from '../src/db/schema.js';
import { argument } from './support.js';
import { benchDatabaseUrl, log, makeKeys, prepareData, root, rssMb, startServer, type Server } from './servers.js';

const quick = process.argv.includes('--quick');
const MINUTES = argument('minutes', quick ? 1 : 10);
const SAMPLE_MS = 10_000;
const DATA = quick
  ? { iocs: 3_000, credentialLeaks: 3_000, cardLeaks: 600 }
  : { iocs: 1_000_000, credentialLeaks: 1_000_000, cardLeaks: 200_000 };

interface Sample {
  at: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  answered: Record<string, number>;
}

async function heap(metricsUrl: string): Promise<{ used: number; total: number }> {
  const text = await fetch(metricsUrl).then((r) => r.text());
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1e6;
  return { used: read('nodejs_heap_size_used_bytes'), total: read('nodejs_heap_size_total_bytes') };
}

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const num = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0);
  const den = xs.reduce((s, x) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main() {
  const target = await benchDatabaseUrl(quick);
  const database = await openDatabase({ databaseUrl: target.url, poolSize: 2 });
  let server: Server | undefined;
  try {
    const workspace = await prepareData(database, DATA);
    await database.db
      .delete(apiKeys)
      .where(and(eq(apiKeys.workspaceId, workspace.id), like(apiKeys.name, 'bench soak%')));
    const [key] = await makeKeys(database, workspace.id, 1, 'bench soak');
    // The key's own prefix with another secret, well formed: refused with 401, or 429 once the
    // failed-guess limit is reached.
    const guess = formatApiKey(
      generateApiKey()
        .key.replace(/^sk_live_.{12}/, key!.slice(0, 20))
        .slice(8, 44),
    );
    const lookupValues = (
      await database.rows<{ value: string }>(
        sql`select value from iocs where workspace_id is null order by id limit 50`,
      )
    ).map((r) => r.value);
    while (lookupValues.length < 100) lookupValues.push(`unknown-${lookupValues.length}.example.org`);

    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
    const metricsPort = 40_000 + Math.floor(Math.random() * 10_000);
    server = await startServer('product', 'dist/main.js', {
      DATABASE_URL: target.url,
      LOG_LEVEL: 'info',
      RATE_LIMIT_ENTERPRISE: '1000000000',
      METRICS_PORT: String(metricsPort),
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;

    const auth = { authorization: `Bearer ${key}` };
    const IOCS = '/api/v1/iocs?type=ipv4&limit=10';
    const answered: Record<string, number> = { S1: 0, S4: 0, S5: 0, wrong: 0 };
    const expect = (name: string, good: (status: number) => boolean) => (status: number) => {
      if (good(status)) answered[name]!++;
      else answered.wrong!++;
    };
    const seconds = MINUTES * 60;
    const loads = [
      autocannon({
        url: server.url,
        connections: 20,
        duration: seconds,
        requests: [{ path: IOCS, headers: auth, onResponse: expect('S1', (s) => s === 200) }],
      }),
      autocannon({
        url: server.url,
        connections: 10,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/api/v1/iocs/lookup',
            headers: { ...auth, 'content-type': 'application/json' },
            body: JSON.stringify({ values: lookupValues }),
            onResponse: expect('S4', (s) => s === 200),
          },
        ],
      }),
      autocannon({
        url: server.url,
        connections: 20,
        duration: seconds,
        requests: [
          ...Array.from({ length: 9 }, () => ({
            path: IOCS,
            headers: auth,
            onResponse: expect('S5', (s) => s === 200),
          })),
          {
            path: IOCS,
            headers: { authorization: `Bearer ${guess}` },
            onResponse: expect('S5', (s) => s === 401 || s === 429),
          },
        ],
      }),
    ];
    const samples: Sample[] = [];
    const started = performance.now();
    const take = async () => {
      const { used, total } = await heap(metricsUrl);
      samples.push({
        at: (performance.now() - started) / 1000,
        rssMb: rssMb(server!.pids()),
        heapUsedMb: used,
        heapTotalMb: total,
        answered: { ...answered },
      });
    };
    await take();
    const sampler = setInterval(() => void take(), SAMPLE_MS);
    log(`soak: S1 + S4 + S5 for ${MINUTES} min, sampled every ${SAMPLE_MS / 1000} s …`);
    await Promise.all(loads);
    clearInterval(sampler);
    await take();
    report(samples);
  } finally {
    await server?.stop();
    await database.db
      .delete(apiKeys)
      .where(like(apiKeys.name, 'bench soak%'))
      .catch(() => {});
    await database.close();
    await target.drop?.();
  }
}

function report(samples: Sample[]) {
  const lines = [
    '| minute | RSS MB (max) | RSS MB (end) | heap used MB (end) | heap total MB (end) | S1 req/s | S4 req/s | S5 req/s | wrong answers |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  // The last sample, taken as the load ends, belongs to the last minute.
  const minuteOf = (s: Sample) => Math.min(MINUTES, Math.max(1, Math.ceil(s.at / 60)));
  let before = samples[0]!;
  for (let minute = 1; minute <= MINUTES; minute++) {
    const inside = samples.filter((s) => s !== samples[0] && minuteOf(s) === minute);
    if (inside.length === 0) continue;
    const end = inside.at(-1)!;
    const rate = (name: string) => ((end.answered[name]! - before.answered[name]!) / (end.at - before.at)).toFixed(0);
    lines.push(
      `| ${minute} | ${Math.max(...inside.map((s) => s.rssMb)).toFixed(0)} | ${end.rssMb.toFixed(0)} | ${end.heapUsedMb.toFixed(0)} | ${end.heapTotalMb.toFixed(0)} | ${rate('S1')} | ${rate('S4')} | ${rate('S5')} | ${end.answered.wrong! - before.answered.wrong!} |`,
    );
    before = end;
  }
  const settled = samples.filter((s) => s.at >= 60);
  const perMinute =
    settled.length > 2
      ? slope(
          settled.map((s) => s.at / 60),
          settled.map((s) => s.rssMb),
        )
      : NaN;
  const peak = Math.max(...samples.map((s) => s.rssMb));
  lines.push(
    '',
    settled.length > 2
      ? `RSS after the first minute: slope ${perMinute.toFixed(2)} MB per minute (least squares over ${settled.length} samples); peak ${peak.toFixed(0)} MB.`
      : `Peak RSS ${peak.toFixed(0)} MB (too short a run for a slope: two minutes at least).`,
  );
  console.log(lines.join('\n'));
  if (samples.at(-1)!.answered.wrong! > 0) process.exitCode = 1;
}

await main();
