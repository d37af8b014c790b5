/**
 * The running server's side of the command line's hand-over (src/cli/handover.ts): a socket in
 * the data folder, owner-only, where each connection brings one command, runs it on the server's
 * own database, and gets its output, progress and exit code back as it goes.
 *
 * A command runs to its end once handed over, like a request whose client went away: an import
 * stopped halfway would be rolled back anyway, and the server logs how each one ended.
 */
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import type { Logger } from '../core/logger.js';
import type { Database } from '../db/client.js';
import { commandName, runCli } from './commands.js';
import { commandSocketPath, type CommandMessage, type HandedCommand } from './handover.js';
import type { CliIo } from './terminal.js';

/** The one line a connection sends: far more than any command line. */
const MAX_COMMAND_BYTES = 64 * 1024;
/** How long a connection may take to send it. */
const COMMAND_WAIT_MS = 10_000;

export interface CommandServer {
  /** Stops taking commands and waits for the ones running, up to `graceMs`. */
  close(graceMs: number): Promise<void>;
}

export async function serveCommands(
  dataDir: string,
  database: Database,
  logger: Logger,
): Promise<CommandServer | null> {
  const socketPath = commandSocketPath(dataDir);
  // This process holds the data folder's lock: a socket already there was left by one that crashed.
  rmSync(socketPath, { force: true });
  const running = new Set<Promise<unknown>>();
  const server = createServer((socket) => {
    // A caller that goes away mid-command (Ctrl-C) makes writes fail: the command runs on, unheard.
    socket.on('error', () => {});
    const run = readCommand(socket)
      .then((command) => (command ? runHanded(command, socket, database, logger) : undefined))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'command line command failed outside the command');
        socket.destroy();
      });
    running.add(run);
    void run.finally(() => running.delete(run));
  });
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
  } catch (error) {
    // A data folder whose path is too long for a socket (about 100 bytes), or one not writable:
    // the server runs; a command beside it is refused with the lock's message.
    logger.warn({ err: error, socket: socketPath }, 'command line socket unavailable');
    return null;
  } finally {
    process.umask(umask);
  }
  chmodSync(socketPath, 0o600);
  return {
    async close(graceMs) {
      server.close();
      const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([Promise.allSettled([...running]), grace]);
      rmSync(socketPath, { force: true });
    },
  };
}

/** The connection's first line, as a command; or null (after saying why) when it is none. */
function readCommand(socket: Socket): Promise<HandedCommand | null> {
  return new Promise((resolve) => {
    let received = '';
    const timer = setTimeout(() => refuse('no command within 10 seconds'), COMMAND_WAIT_MS);
    const refuse = (reason: string) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      send(socket, { stderr: `error: ${reason}\n` });
      send(socket, { exit: 2 });
      socket.end();
      resolve(null);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const end = received.indexOf('\n');
      if (end === -1) {
        if (received.length > MAX_COMMAND_BYTES) refuse('the command is too long');
        return;
      }
      clearTimeout(timer);
      socket.removeAllListeners('data');
      const command = parseCommand(received.slice(0, end));
      if (command) resolve(command);
      else refuse('not a command: expected one line of {"argv": [strings], "cwd": "/absolute/folder"}');
    });
    socket.once('close', () => resolve(null));
  });
}

function parseCommand(line: string): HandedCommand | null {
  try {
    const value = JSON.parse(line) as Partial<HandedCommand>;
    const { argv, cwd } = value;
    if (!Array.isArray(argv) || argv.length > 100 || !argv.every((a) => typeof a === 'string')) return null;
    if (typeof cwd !== 'string' || !cwd.startsWith('/')) return null;
    return { argv, cwd };
  } catch {
    return null;
  }
}

async function runHanded(command: HandedCommand, socket: Socket, database: Database, logger: Logger): Promise<void> {
  const started = performance.now();
  let callerLeft = false;
  socket.once('close', () => (callerLeft = true));
  const io: CliIo = {
    stdout: (text) => send(socket, { stdout: text }),
    stderr: (text) => send(socket, { stderr: text }),
    progress(unit) {
      // At most a few updates a second cross the socket, however often the import reports.
      let last = 0;
      return {
        update(done, total) {
          const now = performance.now();
          if (now - last < 200 && done < total) return;
          last = now;
          send(socket, { progress: { unit, done, total } });
        },
        stop: () => send(socket, { progress: 'stop' }),
      };
    },
    openDatabase: () => Promise.resolve({ database, close: false }),
    cwd: command.cwd,
  };
  const exit = await runCli(command.argv, io);
  const callerWaited = !callerLeft;
  send(socket, { exit });
  socket.end();
  // The command's name only: its options may name files, and its output may hold a new key.
  logger.info(
    {
      command: commandName(command.argv),
      exit,
      ms: Math.round(performance.now() - started),
      caller_waited: callerWaited,
    },
    'command line command run',
  );
}

function send(socket: Socket, message: CommandMessage): void {
  if (!socket.destroyed && socket.writable) socket.write(`${JSON.stringify(message)}\n`);
}
