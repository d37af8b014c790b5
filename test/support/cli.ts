/** Runs an admin command in-process against a test's database: its exit code, output and JSON. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../src/cli/commands.js';
import type { Database } from '../../src/db/client.js';

export async function runCommand(database: Database, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    openDatabase: () => Promise.resolve({ database, close: false }),
  });
  return { code, stdout, stderr, json: code === 0 && stdout.startsWith('{') ? JSON.parse(stdout) : undefined };
}

let imported = 0;

/**
 * `leaks import` of these lines as a ULP file (stealer logs), from a file of its own in `dir` and
 * under a source name of its own, as the alert and webhook tests raise alerts.
 */
export function importUlp(database: Database, dir: string, lines: readonly string[]) {
  const n = ++imported;
  const file = path.join(dir, `ulp-${n}.txt`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return runCommand(database, [
    'leaks',
    'import',
    '--file',
    file,
    '--format',
    'ulp',
    '--source',
    `s${n}`,
    '--source-type',
    'stealer_log',
  ]);
}
