/**
 * `npm run cli -- <command>`: runs the compiled command line (dist/cli/main.js), which starts in a
 * fraction of a second. When there is no build yet, or src/ changed since the last one, it compiles
 * the server's TypeScript first (once, a few seconds), then runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist/cli/main.js');

/** The newest modification time of the files the build reads. */
function newestSource() {
  let newest = Math.max(
    statSync(path.join(root, 'tsconfig.json')).mtimeMs,
    statSync(path.join(root, 'tsconfig.build.json')).mtimeMs,
  );
  /** @param {string} dir */
  const walk = (dir) => {
    for (const item of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, item.name);
      if (item.isDirectory()) walk(full);
      else newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  walk(path.join(root, 'src'));
  return newest;
}

if (!existsSync(entry) || statSync(entry).mtimeMs < newestSource()) {
  process.stderr.write('Compiling the command line (no build yet, or src/ changed since the last one)…\n');
  const tsc = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
}
await import(entry);
