/**
 * What a command writes to: its output, its errors and its progress. A command run in this
 * process writes to the terminal; one handed to the running server (src/cli/handover.ts) writes
 * down the socket, and the command line on the other end shows it here the same way.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { Database } from '../db/client.js';

/** A progress bar: `update(done, total)` as work goes on, `stop()` at the end. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A progress bar, when there is a terminal to show it on. */
  progress?(unit: string): Progress;
  /**
   * Opens the database the command works on; by default the one the environment names. A
   * database opened elsewhere (`close: false`: the running server's, a test's) is already migrated.
   */
  openDatabase?: () => Promise<{ database: Database; close: boolean }>;
  /** The folder relative file names are read from: the caller's, which is not the server's. */
  cwd?: string;
}

/** A progress bar on stderr, on a terminal only: piped or redirected output gets the JSON result alone. */
export function terminalProgress(unit: string): Progress {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new SingleBar(
    { format: `{bar} {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
    stop: () => bar.stop(),
  };
}

export const terminalIo = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
  progress: terminalProgress,
} satisfies CliIo;
