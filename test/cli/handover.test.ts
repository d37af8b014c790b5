/**
 * The command line beside a server running on the embedded database: each command is handed to
 * the server over the data folder's socket and answers as if it ran alone (output, errors, exit
 * code, progress). A leak import handed over raises its alerts while the server runs, and their
 * webhooks reach a receiver at once, not after a restart.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliProcess, spawnServer, type ServerProcess } from '../support/process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { until } from '../support/timing.js';

/** Every line the socket answers a raw connection that sends `payload`, parsed. */
async function rawExchange(socket: string, payload: string | Buffer): Promise<unknown[]> {
  const connection = createConnection(socket);
  await once(connection, 'connect');
  connection.write(payload);
  let received = '';
  connection.setEncoding('utf8');
  connection.on('data', (chunk: string) => (received += chunk));
  await once(connection, 'close');
  return received
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

describe('the command line beside a running embedded server', () => {
  const parent = mkdtempSync(path.join(tmpdir(), 'ti-handover-'));
  const dataDir = path.join(parent, 'data');
  /** Where the person runs the command from: file names are relative to it, not to the server. */
  const caller = mkdtempSync(path.join(tmpdir(), 'ti-caller-'));
  const env = { DATABASE_URL: '', DATA_DIR: dataDir };
  let server: ServerProcess;
  let key: string;
  let workspaceId: string;
  let receiver: Receiver;
  const cli = (...argv: string[]) => cliProcess(env, argv, caller);
  const api = (route: string, body?: unknown) =>
    fetch(`${server.url}${route}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await spawnServer({ ...env, WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' });
    const banner = server.stderr.join('');
    key = /sk_live_[0-9A-Za-z]{42}/.exec(banner)![0];
    workspaceId = /Demo workspace {2}([0-9a-f-]{36})/.exec(banner)![1]!;
  }, 60_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    receiver.close();
    rmSync(parent, { recursive: true, force: true });
    rmSync(caller, { recursive: true, force: true });
  });

  it('listens on a socket in the data folder that only its owner may use, in a folder only its owner may enter', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const socket = statSync(path.join(dataDir, 'cli.sock'));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
  });

  it('runs a leak import handed over, from the caller’s folder, and its alerts reach the webhook while the server runs', async () => {
    const scope = await cli('scope', 'add', '--workspace', workspaceId, '--type', 'domain', '--value', 'acme.example');
    expect(scope.code, scope.stderr).toBe(0);
    expect(JSON.parse(scope.stdout)).toMatchObject({
      workspace_id: workspaceId,
      type: 'domain',
      value: 'acme.example',
    });
    expect(
      (await api('/api/v1/watchlists', { name: 'Acme', entries: [{ type: 'domain', value: 'acme.example' }] })).status,
    ).toBe(201);
    expect((await api('/api/v1/webhooks', { url: receiver.url })).status).toBe(201);

    const lines = Array.from({ length: 30 }, (_, i) => `https://sso.acme.example/login:user${i}@acme.example:pw-${i}`);
    writeFileSync(path.join(caller, 'dump.txt'), `${lines.join('\n')}\nnot a line of this format\n`);
    const started = Date.now();
    const imported = await cli(
      'leaks',
      'import',
      '--file',
      'dump.txt',
      '--format',
      'ulp',
      '--source',
      'Acme dump',
      '--source-type',
      'stealer_log',
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ read: 31, created: 30, rejected: 1, alerts: 30 });
    // Live: delivered by the running server, no restart.
    await until(
      () =>
        Promise.resolve(
          receiver.received.filter((r) => (JSON.parse(r.body) as { type: string }).type === 'alert.created').length,
        ),
      (count) => count === 30,
      20_000,
      100,
    );
    expect(Math.min(...receiver.received.map((r) => r.at))).toBeGreaterThanOrEqual(started);
    // The search sees what the command imported.
    const found = (await (await api('/api/v1/dataleaks/domain?domain=acme.example&limit=100')).json()) as {
      data: unknown[];
    };
    expect(found.data).toHaveLength(30);
  }, 60_000);

  it('answers errors and usage as a command run alone would: same message on stderr, same exit code', async () => {
    const missing = await cli(
      'leaks',
      'import',
      '--file',
      'nowhere.txt',
      '--format',
      'ulp',
      '--source',
      'x',
      '--source-type',
      'stealer_log',
    );
    expect(missing).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot read ${path.join(caller, 'nowhere.txt')}: no such file\n`,
    });
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command "frobnicate"\.\n\nusage: npm run -s cli -- <command>/);
    const help = await cli('key', 'create', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run -s cli -- key create --workspace <value>/);
    const created = await cli('key', 'create', '--workspace', workspaceId, '--name', 'From the second terminal');
    expect(created.code, created.stderr).toBe(0);
    const newKey = (JSON.parse(created.stdout) as { key: string }).key;
    expect((await fetch(`${server.url}/api/v1/iocs`, { headers: { authorization: `Bearer ${newKey}` } })).status).toBe(
      200,
    );
    // The server logs which command ran and how it ended, never its options or its output.
    await until(
      () => Promise.resolve(server.stdout.join('')),
      (log) => log.includes('"command":"key create"'),
      5_000,
      50,
    );
    const log = server.stdout.join('');
    expect(log).toMatch(/"command":"leaks import","exit":0,/);
    expect(log).not.toContain(newKey);
    expect(log).not.toContain('dump.txt');
    expect(log).not.toContain('From the second terminal');
  }, 60_000);

  it('sends progress as the command goes, then the result and the exit code', async () => {
    writeFileSync(
      path.join(caller, 'progress.txt'),
      Array.from({ length: 200 }, (_, i) => `https://p.acme.example/:p${i}@acme.example:x${i}`).join('\n'),
    );
    const messages = await rawExchange(
      path.join(dataDir, 'cli.sock'),
      `${JSON.stringify({
        argv: [
          'leaks',
          'import',
          '--file',
          'progress.txt',
          '--format',
          'ulp',
          '--source',
          'p',
          '--source-type',
          'stealer_log',
        ],
        cwd: caller,
      })}\n`,
    );
    expect(messages[0]).toMatchObject({
      progress: { unit: 'bytes', done: expect.any(Number), total: expect.any(Number) },
    });
    expect(messages).toContainEqual({ progress: 'stop' });
    expect(messages.at(-2)).toMatchObject({ stdout: expect.stringContaining('"created":200') });
    expect(messages.at(-1)).toEqual({ exit: 0 });
  });

  it('runs a command to its end when its caller goes away at once, and keeps serving', async () => {
    writeFileSync(
      path.join(caller, 'left.txt'),
      Array.from({ length: 300 }, (_, i) => `https://l.acme.example/:left${i}@acme.example:x${i}`).join('\n'),
    );
    const connection = createConnection(path.join(dataDir, 'cli.sock'));
    await once(connection, 'connect');
    connection.write(
      `${JSON.stringify({
        argv: [
          'leaks',
          'import',
          '--file',
          'left.txt',
          '--format',
          'ulp',
          '--source',
          'left',
          '--source-type',
          'stealer_log',
        ],
        cwd: caller,
      })}\n`,
    );
    connection.destroy();
    await until(
      () => Promise.resolve(server.stdout.join('')),
      (log) => /"command":"leaks import","exit":0,"ms":\d+,"caller_waited":false/.test(log),
      10_000,
      50,
    );
    const listed = await cli('workspace', 'list');
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('refuses what is not a command: bad JSON, a relative folder, a line too long', async () => {
    const socket = path.join(dataDir, 'cli.sock');
    const refusal = {
      stderr: 'error: not a command: expected one line of {"argv": [strings], "cwd": "/absolute/folder"}\n',
    };
    expect(await rawExchange(socket, 'hello\n')).toEqual([refusal, { exit: 2 }]);
    expect(await rawExchange(socket, `${JSON.stringify({ argv: ['workspace', 'list'], cwd: 'relative' })}\n`)).toEqual([
      refusal,
      { exit: 2 },
    ]);
    expect(await rawExchange(socket, `${JSON.stringify({ argv: [1, 2], cwd: '/' })}\n`)).toEqual([
      refusal,
      { exit: 2 },
    ]);
    expect(await rawExchange(socket, Buffer.alloc(70 * 1024, 'a'))).toEqual([
      { stderr: 'error: the command is too long\n' },
      { exit: 2 },
    ]);
    // And the server still serves.
    const listed = await cli('workspace', 'list');
    expect(listed.code, listed.stderr).toBe(0);
  });

  it('removes its socket when it stops; the next command then runs alone', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(() => statSync(path.join(dataDir, 'cli.sock'))).toThrow();
    const alone = await cli('workspace', 'list');
    expect(alone.code, alone.stderr).toBe(0);
    expect(JSON.parse(alone.stdout)).toMatchObject({ workspaces: [{ id: workspaceId }] });
  }, 60_000);
});
