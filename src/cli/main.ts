/**
 * `npm run cli -- <command>`: the admin command line (docs/cli.md). Beside a server running on the
 * embedded database, the command is handed to that server (src/cli/handover.ts); otherwise it
 * runs here. The command table and the database are loaded only for a run here, so that a
 * hand-over starts in a fraction of a second.
 */
import { loadConfig, type Config } from '../edge/config.js';
import { commandSocketPath, handOver } from './handover.js';
import { terminalIo } from './terminal.js';

const argv = process.argv.slice(2);
// Relative file names are the caller's: `npm run` moves into the project's folder and names the
// one it was called from in INIT_CWD.
const cwd = process.env.INIT_CWD ?? process.cwd();

let config: Config | undefined;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`error: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
if (config) {
  const handed = config.databaseUrl
    ? null
    : await handOver(commandSocketPath(config.dataDir), { argv, cwd }, terminalIo);
  if (handed !== null) process.exitCode = handed;
  else {
    const { runCli } = await import('./commands.js');
    process.exitCode = await runCli(argv, { ...terminalIo, cwd });
  }
}
