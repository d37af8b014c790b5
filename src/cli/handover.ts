/**
 * The command line beside a running server. The embedded database admits one process (its data
 * folder's lock, src/db/dataDirLock.ts), so while the server runs, a command cannot open it; the
 * server listens on a socket in that folder instead (src/cli/commandServer.ts), and the command
 * line hands it the command and shows what comes back: output, errors, progress and exit code,
 * as if the command had run here.
 *
 * The socket is the folder owner's alone (mode 0600): whoever may connect could as well open the
 * data folder. This module is what the command line loads before it knows whether a server is
 * there, so it stays small: no database, no command table.
 *
 * One line of JSON each way per message:
 *   command line → server   { "argv": [...], "cwd": "/where/it/ran" }        (once)
 *   server → command line   { "stdout": "…" } | { "stderr": "…" }
 *                           | { "progress": { "unit", "done", "total" } } | { "progress": "stop" }
 *                           | { "exit": 0 }                                   (last)
 */
import { createConnection } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CliIo, Progress } from './terminal.js';

export const SOCKET_NAME = 'cli.sock';

export function commandSocketPath(dataDir: string): string {
  return path.join(dataDir, SOCKET_NAME);
}

export interface HandedCommand {
  argv: string[];
  cwd: string;
}

export type CommandMessage =
  | { stdout: string }
  | { stderr: string }
  | { progress: { unit: string; done: number; total: number } | 'stop' }
  | { exit: number };

/**
 * Hands the command to the server listening at `socket` and returns its exit code, or null when
 * no server listens there (no socket, or one a stopped server left): then the caller runs the
 * command itself.
 */
export function handOver(
  socket: string,
  command: HandedCommand,
  io: Required<Pick<CliIo, 'stdout' | 'stderr' | 'progress'>>,
): Promise<number | null> {
  return new Promise((resolve) => {
    const connection = createConnection(socket);
    let connected = false;
    let exit: number | null = null;
    let bar: Progress | undefined;
    connection.once('connect', () => {
      connected = true;
      connection.write(`${JSON.stringify(command)}\n`);
      const lines = createInterface({ input: connection, crlfDelay: Infinity });
      // The connection's own error handler below says what went wrong.
      lines.on('error', () => {});
      lines.on('line', (line) => {
        const message = JSON.parse(line) as CommandMessage;
        if ('stdout' in message) io.stdout(message.stdout);
        else if ('stderr' in message) io.stderr(message.stderr);
        else if ('exit' in message) exit = message.exit;
        else if (message.progress === 'stop') {
          bar?.stop();
          bar = undefined;
        } else {
          bar ??= io.progress(message.progress.unit);
          bar.update(message.progress.done, message.progress.total);
        }
      });
    });
    connection.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected) return resolve(null);
      io.stderr(`error: lost the running server while it ran the command (${error.code ?? error.message})\n`);
    });
    connection.once('close', () => {
      bar?.stop();
      if (!connected) return resolve(null);
      if (exit === null) io.stderr('error: the running server stopped before the command finished\n');
      resolve(exit ?? 1);
    });
  });
}
