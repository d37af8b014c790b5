/**
 * The admin commands (docs/api.md §8). Each prints one JSON object on stdout and exits 0, or prints
 * an error on stderr and exits non-zero.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { displayPrefix } from '../auth/keyFormat.js';
import { PERMISSIONS } from '../core/permissions.js';
import { loadConfig } from '../edge/config.js';
import { openDatabase, type Database } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { isoTimestamp } from '../db/time.js';
import { ApiError } from '../core/errors.js';
import { importIocs } from '../iocs/import.js';
import { CLI_ACTOR } from '../keys/audit.js';
import { createApiKey, revokeApiKey } from '../keys/service.js';
import { keyStatus } from '../auth/keyState.js';
import { listApiKeys, type ApiKeyShape } from '../keys/repository.js';
import { exportIocs } from '../iocs/export.js';
import { parseExclusionEntry } from '../iocs/exclusionEntries.js';
import {
  addSharedEntries,
  listSharedLists,
  readListText,
  removeSharedEntries,
  syncBuiltinLists,
} from '../iocs/sharedExclusions.js';
import {
  FEED_FORMATS,
  IOC_TYPES,
  LEAK_SOURCE_TYPES,
  SCOPE_TYPES,
  SEVERITIES,
  type IocType,
  type LeakSourceType,
  type Severity,
} from '../core/vocabulary.js';
import { LEAK_FORMATS, type LeakFormat } from '../dataleaks/formats.js';
import { importLeaks } from '../dataleaks/import.js';
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { normalizeText } from '../core/normalize.js';
import { BILLING_STATUSES, PLANS } from '../core/plans.js';
import {
  addScopeEntry,
  createWorkspace,
  findWorkspace,
  listWorkspaces,
  updateWorkspace,
} from '../workspaces/service.js';
import { loadWorkspaceScope } from '../auth/scope.js';
import { recheckDomains, txtLookup } from '../workspaces/domains.js';
import type { WorkspaceScope } from '../auth/principal.js';
import { seed } from '../seed/synthetic.js';
import { createFeed, deleteFeed, feedJson, findFeedByName, listFeeds, parseHeaderLine } from '../feeds/feeds.js';
import { claimFeed, runClaimed, type FeedSettings } from '../feeds/worker.js';
import { loadSecretBox } from '../webhooks/secrets.js';
import { terminalIo, type CliIo } from './terminal.js';
import type { Workspace } from '../db/schema.js';

type Options = Record<string, string | undefined>;
/** An option's help: what it is, and the values it takes when they are few. */
type OptionHelp = {
  help: string;
  values?: readonly string[];
  required?: boolean;
  /** A file or folder name, read relative to the caller's folder (`CliIo.cwd`). */
  path?: true;
  /** Given any number of times; the values reach the command one per line. */
  multiple?: true;
};
type Command = {
  summary: string;
  /** A word after the command's own (`feed run <name>`), given to `run` as the option of that name. */
  argument?: { name: string; help: string };
  options: Record<string, OptionHelp>;
  run: (database: Database, options: Options, io: CliIo) => Promise<unknown>;
};

const WORKSPACE_OPTION: OptionHelp = { help: 'the workspace id (see workspace list)', required: true };

const COMMANDS: Record<string, Command> = {
  'workspace create': {
    summary: 'Creates a workspace.',
    options: {
      name: { help: 'its name', required: true },
      plan: { help: 'its plan (default free)', values: PLANS },
      billing: { help: 'its billing status (default active)', values: BILLING_STATUSES },
    },
    run: async ({ db }, o) =>
      workspaceJson(
        await createWorkspace(db, { name: required(o, 'name'), plan: o.plan ?? 'free', billingStatus: o.billing }),
      ),
  },
  'workspace list': {
    summary: 'Lists every workspace, oldest first.',
    options: {},
    run: async ({ db }) => ({ workspaces: (await listWorkspaces(db)).map(workspaceJson) }),
  },
  'workspace update': {
    summary: "Changes a workspace's plan or billing status.",
    options: {
      id: { help: 'the workspace id', required: true },
      plan: { help: 'the new plan', values: PLANS },
      billing: { help: 'the new billing status', values: BILLING_STATUSES },
    },
    run: async ({ db }, o) =>
      workspaceJson(await updateWorkspace(db, required(o, 'id'), { plan: o.plan, billingStatus: o.billing })),
  },
  'scope add': {
    summary: "Adds a domain, email address or card BIN to a workspace's scope.",
    options: {
      workspace: WORKSPACE_OPTION,
      type: { help: 'what the value is', values: SCOPE_TYPES, required: true },
      value: { help: 'the domain, email address or BIN (6 to 8 digits)', required: true },
    },
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
  'scope recheck': {
    summary:
      'Checks every verified domain’s DNS record now (the server does it every 24 hours); three misses in a row lapse it.',
    options: { workspace: { help: 'only this workspace’s domains (see workspace list)' } },
    run: async ({ db }, o) => {
      let workspaceId: string | null = null;
      if (o.workspace !== undefined) {
        const found = await existingWorkspace(db, o.workspace);
        workspaceId = found.id;
      }
      return recheckDomains(db, txtLookup(loadConfig().dnsServers), { workspaceId, now: true });
    },
  },
  'exclusions list': {
    summary: 'Lists the shared feed’s exclusion lists (built in, then the operators’) with their entry counts.',
    options: {},
    run: async ({ db }) => ({ lists: await listSharedLists(db) }),
  },
  'exclusions add': {
    summary:
      'Adds a value, a CIDR range (with /) or a domain suffix (starting with .) to an operator’s list of the shared feed (made when missing); the shared IOCs it covers are revoked.',
    options: {
      list: { help: 'the list’s name', required: true },
      value: { help: 'the entry', required: true },
    },
    run: async ({ db }, o) => addSharedEntries(db, required(o, 'list'), [exclusionEntry(required(o, 'value'))]),
  },
  'exclusions remove': {
    summary: 'Removes an entry from an operator’s list of the shared feed.',
    options: {
      list: { help: 'the list’s name', required: true },
      value: { help: 'the entry', required: true },
    },
    run: async ({ db }, o) => removeSharedEntries(db, required(o, 'list'), [exclusionEntry(required(o, 'value'))]),
  },
  'exclusions import': {
    summary:
      'Adds every entry of a file (one a line, # comments) to an operator’s list of the shared feed; the shared IOCs they cover are revoked. A bad line refuses the whole file.',
    options: {
      list: { help: 'the list’s name', required: true },
      file: { help: 'the file', required: true, path: true },
    },
    run: async ({ db }, o) => {
      const { entries, errors } = readListText(await readFile(required(o, 'file'), 'utf8'));
      if (errors.length > 0) throw new UsageError(`line ${errors[0]!.line}: ${errors[0]!.reason}`);
      return addSharedEntries(db, required(o, 'list'), entries);
    },
  },
  'feed add': {
    summary:
      'Adds a feed pulled on a schedule into the shared feed, or into a workspace’s own IOCs with --workspace; its first pull is due at once.',
    options: {
      name: {
        help: 'its name, unique among the shared feed’s feeds (or the workspace’s); the rows’ source',
        required: true,
      },
      url: { help: 'where it is read (for taxii, the collection’s URL; for misp, the feed’s folder)', required: true },
      format: { help: 'what the URL serves', values: FEED_FORMATS, required: true },
      every: { help: 'how often it is pulled, 15m to 7d (default 1h)' },
      workspace: { help: 'into this workspace’s own IOCs (see workspace list)' },
      header: { help: 'a request header, "Name: value" (credentials: stored sealed, never shown)', multiple: true },
    },
    run: async ({ db }, o) => {
      const headers = Object.fromEntries((o.header?.split('\n') ?? []).map(parseHeaderLine));
      const row = await createFeed(
        db,
        o.workspace ?? null,
        { name: required(o, 'name'), url: required(o, 'url'), format: required(o, 'format'), every: o.every, headers },
        { ...feedSettings(), trusted: true },
      );
      return feedJson(row);
    },
  },
  'feed list': {
    summary: 'Lists the shared feed’s feeds (or a workspace’s, with --workspace) and how their last pull went.',
    options: { workspace: { help: 'the workspace’s feeds (see workspace list)' } },
    run: async ({ db }, o) => ({ feeds: (await listFeeds(db, o.workspace ?? null)).map(feedJson) }),
  },
  'feed run': {
    summary:
      'Pulls a feed now, in this process, and prints it with the pull’s counts; exits non-zero when the pull fails.',
    argument: { name: 'name', help: 'the feed’s name' },
    options: { workspace: { help: 'a feed of this workspace (see workspace list)' } },
    run: async ({ db }, o) => {
      const feed = await namedFeed(db, o);
      const lease = await claimFeed(db, feed.id);
      if (!lease) throw new UsageError(`feed ${JSON.stringify(feed.name)} is being pulled by a server process now`);
      const { result, feed: after } = await runClaimed(db, lease, feedSettings());
      const json = feedJson(after ?? feed);
      if (result.error !== null) throw new CommandFailed(json, `the pull failed: ${result.error}`);
      return json;
    },
  },
  'feed remove': {
    summary: 'Removes a feed (the IOCs it brought stay).',
    argument: { name: 'name', help: 'the feed’s name' },
    options: { workspace: { help: 'a feed of this workspace (see workspace list)' } },
    run: async ({ db }, o) => {
      const feed = await namedFeed(db, o);
      await deleteFeed(db, feed.workspaceId, feed.id);
      return { removed: feedJson(feed) };
    },
  },
  'key create': {
    summary: 'Creates an API key and prints it, this once.',
    options: {
      workspace: WORKSPACE_OPTION,
      name: { help: 'a name that says where the key is used', required: true },
      permissions: { help: 'comma-separated (default: all of them)', values: PERMISSIONS },
      'expires-in-days': { help: '1 to 3650 (default: no expiry)' },
    },
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
  'key list': {
    summary: "Lists a workspace's keys, newest first, with their state (never a secret).",
    options: { workspace: WORKSPACE_OPTION },
    run: async ({ db }, o) => {
      const workspace = await existingWorkspace(db, required(o, 'workspace'));
      return {
        keys: (await listApiKeys(db, workspace.id)).map((key) => ({ ...keyJson(key), status: keyStatus(key) })),
      };
    },
  },
  'key revoke': {
    summary: 'Revokes a key at once, on every server.',
    options: { id: { help: 'the key id (see key list)', required: true } },
    run: async ({ db }, o) => keyJson(await revokeApiKey(db, { id: required(o, 'id'), actor: CLI_ACTOR })),
  },
  seed: {
    summary: 'Fills the tables with synthetic data, for demos and benchmarks.',
    options: {
      iocs: { help: 'how many IOCs', required: true },
      leaks: { help: 'how many credential leaks', required: true },
      cards: { help: 'how many card leaks (default: a fifth of --leaks)' },
      workspace: { help: "spread leaks over this workspace's scope" },
    },
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
        const found = await existingWorkspace(database.db, o.workspace);
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
    summary: "Imports IOCs into the shared feed, or with --workspace into that workspace's own.",
    options: {
      file: { help: 'the CSV or STIX 2.1 file', required: true, path: true },
      format: { help: 'default: stix for .json files, else csv', values: ['stix', 'csv'] },
      workspace: { help: "import into this workspace's own IOCs (see workspace list)" },
    },
    run: async ({ db }, o, io) => {
      const file = required(o, 'file');
      const format = o.format ?? (/\.json$/i.test(file) ? 'stix' : 'csv');
      if (format !== 'stix' && format !== 'csv') throw new UsageError('--format must be stix or csv');
      let workspaceId: string | null = null;
      if (o.workspace !== undefined) {
        const found = await existingWorkspace(db, o.workspace);
        workspaceId = found.id;
      }
      checkReadable(file);
      const progress = io.progress?.(format === 'csv' ? 'bytes' : 'objects');
      const started = performance.now();
      try {
        const report = await importIocs(db, file, {
          format,
          workspaceId,
          ...(progress ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}),
        });
        return { ...report, seconds: Math.round((performance.now() - started) / 100) / 10 };
      } finally {
        progress?.stop();
      }
    },
  },
  'leaks import': {
    summary:
      'Imports leaked credentials or cards from a combolist, ULP file, stealer logs (folder or .zip), credential CSV or card CSV.',
    options: {
      file: { help: 'the file (for stealer logs: a folder or a .zip)', required: true, path: true },
      format: { help: 'what the file holds', values: LEAK_FORMATS, required: true },
      source: { help: 'the name of the leak or breach, as searches will show it', required: true },
      'source-type': { help: 'required except for cards', values: LEAK_SOURCE_TYPES },
      'leaked-at': { help: `when the data leaked, ISO 8601 (e.g. ${DATE_EXAMPLE}); a CSV's leaked_at column wins` },
      severity: { help: 'of the credential leaks (default medium)', values: SEVERITIES },
    },
    run: async (database, o, io) => {
      const file = required(o, 'file');
      const format = required(o, 'format') as LeakFormat;
      const source = normalizeText(required(o, 'source'), 200);
      if (source === null) throw new UsageError('--source must be at most 200 characters of text');
      const sourceType = (o['source-type'] ?? null) as LeakSourceType | null;
      if (format !== 'cards' && sourceType === null)
        throw new UsageError(`--source-type is required for the ${format} format`);
      let leakedAt: string | null = null;
      if (o['leaked-at'] !== undefined) {
        leakedAt = parseDateInput(o['leaked-at']);
        if (leakedAt === null) throw new UsageError(`--leaked-at must be a real ISO 8601 date, e.g. ${DATE_EXAMPLE}`);
      }
      checkReadable(file, { folder: format === 'stealer' });
      const progress = io.progress?.('bytes');
      try {
        return await importLeaks(database, file, {
          format,
          source,
          sourceType,
          leakedAt,
          severity: (o.severity ?? 'medium') as Severity,
          maxInflatedBytes: loadConfig().leaksMaxInflatedBytes,
          ...(progress ? { onProgress: (done: number, total: number) => progress.update(done, total) } : {}),
        });
      } finally {
        progress?.stop();
      }
    },
  },
  export: {
    summary:
      "Exports IOCs to a file: the shared feed, or with --workspace that workspace's view (its own marked as such).",
    options: {
      file: { help: 'the file to write', required: true, path: true },
      format: { help: 'default: stix for .json files, else csv', values: ['stix', 'csv'] },
      workspace: { help: "the feed and this workspace's own IOCs (see workspace list)" },
      type: { help: 'only IOCs of this type', values: IOC_TYPES },
    },
    run: async ({ db }, o) => {
      const file = required(o, 'file');
      const format = (o.format ?? (/\.json$/i.test(file) ? 'stix' : 'csv')) as 'stix' | 'csv';
      let workspace: { id: string; name: string } | null = null;
      if (o.workspace !== undefined) {
        const found = await existingWorkspace(db, o.workspace);
        workspace = { id: found.id, name: found.name };
      }
      const started = performance.now();
      const { iocs } = await exportIocs(db, file, {
        format,
        workspace,
        filters: { type: (o.type as IocType | undefined) ?? null },
      });
      return { file, format, iocs, seconds: Math.round((performance.now() - started) / 100) / 10 };
    },
  },
  migrate: {
    summary: 'Applies the database migrations not yet applied (the server does it at start too).',
    options: {},
    run: async (database) => ({ applied: await migrateDatabase(database) }),
  },
};

class UsageError extends Error {}

/** A command that ran and failed: its result is printed all the same, then the error, and the exit is non-zero. */
class CommandFailed extends Error {
  constructor(
    readonly output: unknown,
    message: string,
  ) {
    super(message);
  }
}

async function namedFeed(db: Database['db'], o: Options) {
  const name = required(o, 'name');
  const feed = await findFeedByName(db, o.workspace ?? null, name);
  if (!feed)
    throw new UsageError(
      `no feed named ${JSON.stringify(name)} ${o.workspace ? 'in that workspace' : 'in the shared feed (a workspace’s: --workspace)'}`,
    );
  return feed;
}

/** The URL policy and the secrets' key of this installation, as the server has them. */
function feedSettings(): FeedSettings {
  const config = loadConfig();
  return {
    policy: { allowHttp: config.webhooks.allowHttp, allowPrivate: config.webhooks.allowPrivate },
    secrets: loadSecretBox(config.webhooks.secretKey, config.dataDir),
  };
}

/** An exclusion entry as given on the command line, or a UsageError that says why not. */
function exclusionEntry(value: string) {
  const entry = parseExclusionEntry(value);
  if (typeof entry === 'string') throw new UsageError(`--value: ${entry}`);
  return entry;
}

/** The workspace `id` names, or a UsageError that says where to find one. */
async function existingWorkspace(db: Database['db'], id: string): Promise<Workspace> {
  const found = await findWorkspace(db, id);
  if (!found) throw new UsageError('no workspace has this id (see workspace list)');
  return found;
}

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

/** A file (or, where `folder` says so, a folder) the command is about to read, or a UsageError that says why it cannot. */
function checkReadable(file: string, allow: { folder?: boolean } = {}): void {
  try {
    accessSync(file, constants.R_OK);
    if (!allow.folder && statSync(file).isDirectory())
      throw new UsageError(`cannot read ${file}: it is a folder, not a file`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UsageError(`cannot read ${file}: ${reason}`);
  }
}

function synopsis(name: string, command: Command): string {
  const options = Object.entries(command.options).map(([option, help]) => {
    const value = help.values ? help.values.join('|') : 'value';
    return help.required ? `--${option} <${value}>` : `[--${option} <${value}>]`;
  });
  return [name, ...(command.argument ? [`<${command.argument.name}>`] : []), ...options].join(' ');
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(17)} ${c.summary}`);
  return [
    'usage: npm run -s cli -- <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'Each prints one JSON object on stdout and exits 0, or an error on stderr and exits non-zero.',
    '`npm run -s cli -- <command> --help` shows its options.',
  ].join('\n');
}

function commandHelp(name: string, command: Command): string {
  const options = Object.entries(command.options).map(([option, help]) => {
    const values = help.values ? ` One of: ${help.values.join(', ')}.` : '';
    return `  --${option.padEnd(16)} ${help.help}${help.required ? ' (required)' : ''}${help.multiple ? ' (may be given again)' : ''}.${values}`;
  });
  if (command.argument)
    options.unshift(
      `  <${command.argument.name}>${' '.repeat(Math.max(1, 17 - command.argument.name.length))}${command.argument.help}.`,
    );
  return [
    `usage: npm run -s cli -- ${synopsis(name, command)}`,
    '',
    command.summary,
    ...(options.length ? ['', 'options:', ...options] : []),
  ].join('\n');
}

async function openConfiguredDatabase() {
  const config = loadConfig();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  return { database, close: true };
}

/** Runs one command and returns the process exit code. */
/** The command `argv` names (`leaks import`), or undefined. */
export function commandName(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return [words.slice(0, 2).join(' '), words[0] ?? ''].find((n) => n in COMMANDS);
}

export async function runCli(argv: string[], io: CliIo = terminalIo): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = commandName(argv);
  const command = name ? COMMANDS[name] : undefined;
  const wantsHelp = argv.includes('--help') || argv.includes('-h') || words[0] === 'help';
  if (wantsHelp) {
    io.stdout(`${name && command ? commandHelp(name, command) : usage()}\n`);
    return 0;
  }
  if (!name || !command) {
    io.stderr(
      words.length === 0 ? `${usage()}\n` : `error: unknown command "${words.slice(0, 2).join(' ')}".\n\n${usage()}\n`,
    );
    return 2;
  }
  let opened: { database: Database; close: boolean } | undefined;
  try {
    const { values: parsed, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(command.options).map(([o, help]) => [
          o,
          { type: 'string' as const, multiple: help.multiple === true },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
    const values: Options = Object.fromEntries(
      Object.entries(parsed).map(([option, value]) => [option, Array.isArray(value) ? value.join('\n') : value]),
    );
    const words = name.split(' ').length;
    if (command.argument && positionals.length === words)
      throw new UsageError(`the ${command.argument.name} is required: ${synopsis(name, command)}`);
    if (positionals.length > words + (command.argument ? 1 : 0))
      throw new UsageError(`unexpected argument ${positionals.at(-1)}`);
    if (command.argument) values[command.argument.name] = positionals[words];
    for (const [option, help] of Object.entries(command.options)) {
      const value = values[option];
      if (
        value !== undefined &&
        help.values &&
        !(option === 'permissions' ? value.split(',').map((p) => p.trim()) : [value]).every((v) =>
          help.values!.includes(v),
        )
      ) {
        throw new UsageError(
          `--${option} must be ${option === 'permissions' ? 'a comma-separated list of' : 'one of'} ${help.values.join(', ')}; got ${value}`,
        );
      }
    }
    for (const [option, help] of Object.entries(command.options)) {
      const value = values[option];
      if (help.path && value) values[option] = path.resolve(io.cwd ?? process.cwd(), value);
    }
    opened = await (io.openDatabase ?? openConfiguredDatabase)();
    if (opened.close && name !== 'migrate') {
      await migrateDatabase(opened.database);
      await syncBuiltinLists(opened.database.db);
    }
    const result = await command.run(opened.database, values, io);
    io.stdout(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof CommandFailed) io.stdout(`${JSON.stringify(error.output)}\n`);
    io.stderr(`error: ${describe(error)}\n`);
    return 1;
  } finally {
    if (opened?.close) await opened.database.close();
  }
}

function describe(error: unknown): string {
  if (error instanceof ApiError || error instanceof UsageError || error instanceof CommandFailed) return error.message;
  if (error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
    return `${error.message.replace(/\. To specify a positional argument.*$/s, '.')} See --help for the options.`;
  }
  return error instanceof Error ? error.message : String(error);
}
