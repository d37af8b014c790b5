/** Runs an admin command in-process against a test's database: its exit code, output and JSON. */
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
