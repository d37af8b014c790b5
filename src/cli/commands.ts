/**
 * The admin commands (API.md §8). Each prints one JSON object on stdout and exits 0, or prints
 * an error on stderr and exits non-zero.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { displayPrefix } from '../auth/keyFormat.js';
import { PERMISSIONS } from '../auth/permissions.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { isoTimestamp } from '../db/time.js';
import { ApiError } from '../errors.js';
import { importIocs } from '../iocs/import.js';
import { CLI_ACTOR } from '../keys/audit.js';
import { createApiKey, revokeApiKey } from '../keys/service.js';
import type { ApiKeyShape } from '../keys/repository.js';
import { addScopeEntry, createWorkspace, findWorkspace, updateWorkspace } from '../workspaces/service.js';
import { loadWorkspaceScope } from '../workspaces/scope.js';
import type { WorkspaceScope } from '../auth/principal.js';
import { seed } from '../seed/synthetic.js';
import type { Workspace } from '../db/schema.js';

type Options = Record<string, string | undefined>;
type Command = { options: string[]; run: (database: Database, options: Options, io: CliIo) => Promise<unknown> };

const COMMANDS: Record<string, Command> = {
  'workspace create': {
    options: ['name', 'plan', 'billing'],
    run: async ({ db }, o) =>
      workspaceJson(
        await createWorkspace(db, { name: required(o, 'name'), plan: o.plan ?? 'free', billingStatus: o.billing }),
      ),
  },
  'workspace update': {
    options: ['id', 'plan', 'billing'],
    run: async ({ db }, o) =>
      workspaceJson(await updateWorkspace(db, required(o, 'id'), { plan: o.plan, billingStatus: o.billing })),
  },
  'scope add': {
    options: ['workspace', 'type', 'value'],
    run: async ({ db }, o) => {
      const entry = await addScopeEntry(db, required(o, 'workspace'), required(o, 'type'), required(o, 'value'));
      return {
        id: entry.id,
        workspace_id: entry.workspaceId,
        type: entry.type,
        value: entry.value,
        created_at: isoTimestamp(entry.createdAt),
      };
    },
  },
  'key create': {
    options: ['workspace', 'name', 'permissions', 'expires-in-days'],
    run: async ({ db }, o) => {
      const days = o['expires-in-days'];
      const { apiKey, secret } = await createApiKey(db, {
        workspaceId: required(o, 'workspace'),
        name: required(o, 'name'),
        permissions: o.permissions ? o.permissions.split(',').map((p) => p.trim()) : PERMISSIONS,
        expiresInDays: days === undefined ? undefined : /^\d+$/.test(days) ? Number(days) : NaN,
        grantor: null,
        actor: CLI_ACTOR,
      });
      return {
        id: apiKey.id,
        prefix: displayPrefix(apiKey.prefix),
        key: secret,
        permissions: apiKey.permissions,
        expires_at: apiKey.expiresAt && isoTimestamp(apiKey.expiresAt),
      };
    },
  },
  'key revoke': {
    options: ['id'],
    run: async ({ db }, o) => keyJson(await revokeApiKey(db, { id: required(o, 'id'), actor: CLI_ACTOR })),
  },
  seed: {
    options: ['iocs', 'leaks', 'cards', 'workspace'],
    run: async (database, o) => {
      const count = (name: string, fallback?: number) => {
        const value = o[name];
        if (value === undefined) {
          if (fallback === undefined) throw new UsageError(`--${name} is required`);
          return fallback;
        }
        if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
        return Number(value);
      };
      const leaks = count('leaks');
      let workspace: { id: string; scope: WorkspaceScope } | undefined;
      if (o.workspace !== undefined) {
        const found = await findWorkspace(database.db, o.workspace);
        if (!found) throw new UsageError('no workspace has this id');
        workspace = { id: found.id, scope: await loadWorkspaceScope(database.db, found.id) };
      }
      const started = performance.now();
      const counts = await seed(database, {
        iocs: count('iocs'),
        credentialLeaks: leaks,
        cardLeaks: count('cards', Math.round(leaks / 5)),
        workspace,
      });
      return { ...counts, seconds: Math.round((performance.now() - started) / 100) / 10 };
    },
  },
  import: {
    options: ['file', 'format', 'workspace'],
    run: async ({ db }, o, io) => {
      const file = required(o, 'file');
      const format = o.format ?? (/\.json$/i.test(file) ? 'stix' : 'csv');
      if (format !== 'stix' && format !== 'csv') throw new UsageError('--format must be stix or csv');
      let workspaceId: string | null = null;
      if (o.workspace !== undefined) {
        const found = await findWorkspace(db, o.workspace);
        if (!found) throw new UsageError('no workspace has this id');
        workspaceId = found.id;
      }
      if (!existsSync(file)) throw new UsageError(`cannot read ${file}`);
      const progress = io.progress?.(format === 'csv' ? 'bytes' : 'objects');
      const started = performance.now();
      try {
        const report = await importIocs(db, file, { format, workspaceId, ...(progress ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}) });
        return { ...report, seconds: Math.round((performance.now() - started) / 100) / 10 };
      } finally {
        progress?.stop();
      }
    },
  },
  migrate: {
    options: [],
    run: async (database) => ({ applied: await migrateDatabase(database) }),
  },
};

class UsageError extends Error {}

function required(options: Options, name: string): string {
  const value = options[name];
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function workspaceJson(w: Workspace) {
  return { id: w.id, name: w.name, plan: w.plan, billing_status: w.billingStatus };
}

function keyJson(k: ApiKeyShape) {
  const time = (t: string | null) => t && isoTimestamp(t);
  return {
    id: k.id,
    workspace_id: k.workspaceId,
    prefix: displayPrefix(k.prefix),
    name: k.name,
    permissions: k.permissions,
    created_at: time(k.createdAt),
    expires_at: time(k.expiresAt),
    revoked_at: time(k.revokedAt),
    last_used_at: time(k.lastUsedAt),
    rotated_from_id: k.rotatedFromId,
  };
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(
    ([name, c]) => `  ${name} ${c.options.map((o) => `--${o} <value>`).join(' ')}`,
  );
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}`;
}

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
  /** Opens the database the command works on; by default the one the environment names. */
  openDatabase?: () => Promise<{ database: Database; close: boolean }>;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  progress(unit) {
    // On a terminal only: piped or redirected output gets the JSON result alone.
    if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
    const bar = new SingleBar({ format: `{bar} {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`, stream: process.stderr }, Presets.shades_classic);
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
  },
};

async function openConfiguredDatabase() {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  return { database, close: true };
}

/** Runs one command and returns the process exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0] ?? ''].find((n) => n in COMMANDS);
  const command = name ? COMMANDS[name] : undefined;
  if (!name || !command) {
    io.stderr(`${usage()}\n`);
    return 2;
  }
  let opened: { database: Database; close: boolean } | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(command.options.map((o) => [o, { type: 'string' as const }])),
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== name.split(' ').length) throw new UsageError(`unexpected argument ${positionals.at(-1)}`);
    opened = await (io.openDatabase ?? openConfiguredDatabase)();
    if (name !== 'migrate') await migrateDatabase(opened.database);
    const result = await command.run(opened.database, values, io);
    io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    io.stderr(`error: ${describe(error)}\n`);
    return 1;
  } finally {
    if (opened?.close) await opened.database.close();
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError || error instanceof UsageError) return error.message;
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return error.message;
  return error instanceof Error ? error.message : String(error);
}
