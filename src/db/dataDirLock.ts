/**
 * The embedded database is one process's (issue: the first hour): PGlite keeps no lock of its own,
 * and two processes on one data folder each believe they wrote what the other then loses. The
 * folder's `embedded.lock` names its holder (pid, command, since); a second process is refused
 * with that name and what to do, and a lock whose process is gone (a crash) is taken over.
 *
 * A process id rather than a lock refreshed on a timer (proper-lockfile's way): PGlite runs its
 * statements on this process's thread, so a long import can hold the event loop longer than any
 * refresh interval, and a timer-based lock would then be taken while its holder is still alive.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LockHolder {
  pid: number;
  command: string;
  since: string;
}

export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}); ` +
        'it admits one process at a time, and only a running server takes commands beside it. ' +
        'Wait for that process to finish or stop it, or run both against PostgreSQL with DATABASE_URL.',
    );
    this.name = 'DataDirInUseError';
  }
}

/** Takes the folder's lock for this process, or throws DataDirInUseError. Returns its release. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'embedded.lock');
  const holder: LockHolder = { pid: process.pid, command: commandLine(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(holder), { flag: 'wx' });
      return () => {
        try {
          if (readHolder(file)?.pid === process.pid) unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readHolder(file);
      if (current && current.pid !== process.pid && isAlive(current.pid)) throw new DataDirInUseError(dataDir, current);
      // Its process is gone (or the file is unreadable): a crash left it; take it over.
      try {
        unlinkSync(file);
      } catch {
        // Another process took it over first; try again.
      }
    }
  }
  const current = readHolder(file);
  throw current ? new DataDirInUseError(dataDir, current) : new Error(`could not lock ${file}`);
}

function readHolder(file: string): LockHolder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number'
      ? { pid: holder.pid, command: String(holder.command), since: String(holder.since) }
      : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What the holder is, in words a person recognises: `npm start`, `cli key create`. */
function commandLine(): string {
  const npmScript = process.env.npm_lifecycle_event;
  const args = process.argv
    .slice(2)
    .filter((arg) => !arg.startsWith('-'))
    .slice(0, 2)
    .join(' ');
  if (npmScript === 'start' || npmScript === 'start:dev') return `npm run ${npmScript}`;
  if (npmScript === 'cli') return `npm run cli -- ${args}`.trim();
  return `${path.basename(process.argv[1] ?? 'node')}${args ? ` ${args}` : ''}`;
}
