/**
 * `npm run bench:cli`: how long one admin command takes from the shell's point of view (process
 * start to exit), for `workspace list`, against the one-second target: the compiled command line
 * against PostgreSQL and beside a running server on the embedded database (handed over its
 * socket), and, for comparison, the same through tsx (the old `npm run cli`) and alone on the
 * embedded database (which opens the database itself). Builds first (`npm run build`'s server part).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { argument, freshDatabase } from './support.js';
import { log, root, startServer } from './servers.js';

const ROUNDS = argument('rounds', 10);

function runOnce(args: string[], env: Record<string, string>): number {
  const started = performance.now();
  execFileSync(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: 'pipe' });
  return performance.now() - started;
}

function measure(name: string, args: string[], env: Record<string, string>, rounds: number) {
  runOnce(args, env); // the file cache warm, as for a person's second command
  const times = Array.from({ length: rounds }, () => runOnce(args, env)).sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const p90 = times[Math.min(times.length - 1, Math.floor(times.length * 0.9))]!;
  return { name, rounds, median, p90 };
}

execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
const compiled = [path.join(root, 'dist/cli/main.js'), 'workspace', 'list'];
const throughTsx = ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'workspace', 'list'];
const rows = [];

const database = await freshDatabase('ti_bench_cli');
const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'ti-bench-cli-')), 'data');
try {
  log('PostgreSQL');
  rows.push(measure('compiled, PostgreSQL', compiled, { DATABASE_URL: database.url }, ROUNDS));
  rows.push(measure('tsx, PostgreSQL', throughTsx, { DATABASE_URL: database.url }, Math.ceil(ROUNDS / 3)));
  log('embedded, alone');
  rows.push(measure('compiled, embedded, alone', compiled, { DATABASE_URL: '', DATA_DIR: dataDir }, 3));
  log('embedded, beside a running server');
  const server = await startServer('server', 'dist/main.js', { DATABASE_URL: '', DATA_DIR: dataDir });
  try {
    rows.push(
      measure('compiled, beside the embedded server', compiled, { DATABASE_URL: '', DATA_DIR: dataDir }, ROUNDS),
    );
    rows.push(
      measure(
        'tsx, beside the embedded server',
        throughTsx,
        { DATABASE_URL: '', DATA_DIR: dataDir },
        Math.ceil(ROUNDS / 3),
      ),
    );
  } finally {
    await server.stop();
  }
} finally {
  await database.drop();
  rmSync(path.dirname(dataDir), { recursive: true, force: true });
}

console.log('\n| command line, `workspace list` | runs | median ms | p90 ms | ÷ 1 s target |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of rows)
  console.log(
    `| ${row.name} | ${row.rounds} | ${Math.round(row.median)} | ${Math.round(row.p90)} | ${(row.median / 1000).toFixed(2)} |`,
  );
