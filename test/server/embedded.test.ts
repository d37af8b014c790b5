/**
 * `npm start` with no database server: the embedded database in DATA_DIR, a demo workspace and
 * one demo key printed once on the console (stderr), never in the log (stdout).
 */
import { PERMISSIONS } from '../../src/core/permissions.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliProcess, spawnServer } from '../support/process.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'ti-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the embedded database', () => {
  it('starts with a demo key shown once, serves it, and stops cleanly; a restart shows no new key', async () => {
    const first = await spawnServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    const console = first.stderr.join('');
    const [demoKey] = console.match(/sk_live_[0-9A-Za-z]{42}/) ?? [];
    expect(demoKey).toBeDefined();

    const response = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demoKey}` },
      body: JSON.stringify({
        query: '{ viewer { key { name permissions } workspace { plan billingStatus scope { domains } } } }',
      }),
    });
    expect(await response.json()).toEqual({
      data: {
        viewer: {
          key: { name: 'Demo key', permissions: PERMISSIONS.map((p) => p.replace(':', '_').toUpperCase()) },
          workspace: { plan: 'ENTERPRISE', billingStatus: 'ACTIVE', scope: { domains: ['example.com'] } },
        },
      },
    });
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    // The audit log says who made the demo key: the server, at its first start.
    const audit = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${demoKey}` },
      body: JSON.stringify({ query: '{ auditEvents { edges { node { action actor } } } }' }),
    });
    expect(await audit.json()).toEqual({
      data: { auditEvents: { edges: [{ node: { action: 'api_key.created', actor: 'server setup' } }] } },
    });
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stdout.join('')).not.toContain(demoKey!);

    // The banner: every address, the demo workspace, and how to make a key.
    const workspaceId = /Demo workspace {2}([0-9a-f-]{36})/.exec(console)?.[1];
    expect(workspaceId).toBeDefined();
    for (const line of [
      `GraphQL   ${first.url}/graphql`,
      `Console   ${first.url}/console/`,
      `REST API  ${first.url}/api/v1/openapi.json`,
      'Metrics   -',
    ]) {
      expect(console).toContain(line);
    }
    expect(console).toContain(`npm run -s cli -- key create --workspace ${workspaceId} --name "My key"`);

    const second = await spawnServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    expect(second.stderr.join('')).not.toMatch(/sk_live_[0-9A-Za-z]{42}/);
    expect(second.stderr.join('')).toContain(`Demo workspace  ${workspaceId}`);
    const home = await fetch(`${second.url}/`, { headers: { accept: 'text/html' } });
    expect(home.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const page = await home.text();
    for (const link of [
      '<a href="/graphql">GraphQL</a>',
      '<a href="/console/">Console</a>',
      '<a href="/api/v1/openapi.json">REST API</a>',
    ])
      expect(page).toContain(link);
    expect(await (await fetch(`${second.url}/`)).json()).toEqual({
      links: { 'REST API': '/api/v1/openapi.json', GraphQL: '/graphql', Console: '/console/' },
    });
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 90_000);
});

describe('one process per embedded database', () => {
  it('refuses a command while another command holds the data folder, naming it and what to do; takes over a lock whose process is gone', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'ti-exclusive-'));
    const env = { DATABASE_URL: '', DATA_DIR: folder };
    const lock = path.join(folder, 'embedded.lock');
    try {
      // A command running on its own (this test process stands for it): it listens on no socket.
      const since = new Date().toISOString();
      writeFileSync(lock, JSON.stringify({ pid: process.pid, command: 'npm run cli -- leaks import', since }));
      const refused = await cliProcess(env, ['workspace', 'create', '--name', 'Second terminal', '--plan', 'pro']);
      expect(refused.code).not.toBe(0);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(
        `error: The embedded database in ${folder} is in use by process ${process.pid} (npm run cli -- leaks import, since ${since}); ` +
          'it admits one process at a time, and only a running server takes commands beside it. ' +
          'Wait for that process to finish or stop it, or run both against PostgreSQL with DATABASE_URL.\n',
      );
      rmSync(lock);
      const served = await cliProcess(env, ['workspace', 'create', '--name', 'Second terminal', '--plan', 'pro']);
      expect(served.code, served.stderr).toBe(0);
      expect(JSON.parse(served.stdout)).toMatchObject({ name: 'Second terminal', plan: 'pro' });
      expect(existsSync(lock)).toBe(false);

      // A server killed outright leaves its lock and its socket; the next command takes both over.
      const crashed = await spawnServer(env);
      await crashed.stop('SIGKILL');
      expect(existsSync(lock)).toBe(true);
      expect(existsSync(path.join(folder, 'cli.sock'))).toBe(true);
      const after = await cliProcess(env, ['workspace', 'create', '--name', 'After a crash', '--plan', 'free']);
      expect(after.code, after.stderr).toBe(0);
      expect(existsSync(lock)).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  }, 120_000);
});
