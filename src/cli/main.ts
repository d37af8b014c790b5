/**
 * The admin command line (API.md §8): `npm run cli -- <command>`. Each command prints one JSON
 * object on stdout and exits 0, or prints an error on stderr and exits non-zero.
 */
import { parseArgs } from 'node:util';
import { displayPrefix } from '../auth/keyFormat.js';
import { PERMISSIONS } from '../auth/permissions.js';
import { loadConfig } from '../config.js';
import { openDatabase, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { isoTimestamp } from '../db/time.js';
import { ApiError } from '../errors.js';
import { CLI_ACTOR } from '../keys/audit.js';
import { createApiKey, revokeApiKey } from '../keys/service.js';
import type { ApiKeyShape } from '../keys/types.js';
import { addScopeEntry, createWorkspace, updateWorkspace } from '../workspaces/service.js';
import type { Workspace } from '../db/schema.js';

type Options = Record<string, string | undefined>;
type Command = { options: string[]; run: (database: Database, options: Options) => Promise<unknown> };

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

export async function runCli(argv: string[]): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0] ?? ''].find((n) => n in COMMANDS);
  const command = name ? COMMANDS[name] : undefined;
  if (!name || !command) {
    process.stderr.write(`${usage()}\n`);
    return 2;
  }
  let database: Database | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(command.options.map((o) => [o, { type: 'string' as const }])),
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== name.split(' ').length) throw new UsageError(`unexpected argument ${positionals.at(-1)}`);
    const config = loadConfig();
    database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    if (name !== 'migrate') await migrateDatabase(database);
    const result = await command.run(database, values as Options);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`error: ${describe(error)}\n`);
    return 1;
  } finally {
    await database?.close();
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError || error instanceof UsageError) return error.message;
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) return error.message;
  return error instanceof Error ? error.message : String(error);
}

process.exitCode = await runCli(process.argv.slice(2));
