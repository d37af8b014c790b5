/** The admin command line (docs/api.md §8): one JSON object on stdout and exit 0, or an error and non-zero. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseApiKey } from '../../src/auth/keyFormat.js';
import { PERMISSIONS } from '../../src/core/permissions.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { serverUrl } from '../support/database.js';
import { repoRoot } from '../support/process.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const cli = (...argv: string[]) => runCommand(t.database, argv);

describe('workspace', () => {
  it('create prints the workspace', async () => {
    const { code, json, stdout } = await cli('workspace', 'create', '--name', 'Acme SOC', '--plan', 'pro');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Acme SOC',
      plan: 'pro',
      billing_status: 'active',
    });
  });

  it('update changes the plan and billing', async () => {
    const { json: created } = await cli('workspace', 'create', '--name', 'Beta', '--plan', 'free');
    const { code, json } = await cli(
      'workspace',
      'update',
      '--id',
      created.id,
      '--plan',
      'enterprise',
      '--billing',
      'past_due',
    );
    expect(code).toBe(0);
    expect(json).toEqual({ id: created.id, name: 'Beta', plan: 'enterprise', billing_status: 'past_due' });
  });

  it.each([
    [['workspace', 'create', '--name', 'X', '--plan', 'gold'], /plan/],
    [['workspace', 'create', '--name', 'X', '--billing', 'late'], /billing/],
    [['workspace', 'create', '--plan', 'pro'], /--name is required/],
    [['workspace', 'update', '--id', '00000000-0000-4000-8000-000000000000', '--plan', 'pro'], /No workspace/],
    [['workspace', 'update', '--id', 'nope'], /id/],
    [['workspace', 'create', '--name', 'X', '--colour', 'red'], /colour/],
  ])('refuses %j', async (argv, message) => {
    const { code, stdout, stderr } = await cli(...argv);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});

describe('scope add', () => {
  it('normalises and prints the entry', async () => {
    const { json: w } = await cli('workspace', 'create', '--name', 'Scoped');
    const domain = await cli('scope', 'add', '--workspace', w.id, '--type', 'domain', '--value', ' Bücher.Example. ');
    expect(domain.json).toMatchObject({ workspace_id: w.id, type: 'domain', value: 'xn--bcher-kva.example' });
    const bin = await cli('scope', 'add', '--workspace', w.id, '--type', 'bin', '--value', '4111 11');
    expect(bin.json).toMatchObject({ type: 'bin', value: '411111' });
    const email = await cli('scope', 'add', '--workspace', w.id, '--type', 'email', '--value', 'SOC@Example.COM');
    expect(email.json).toMatchObject({ type: 'email', value: 'soc@example.com' });
  });

  it.each([
    ['domain', 'not a domain'],
    ['domain', '10.0.0.1'],
    ['bin', '4111'],
    ['bin', '411111111'],
    ['email', 'nobody'],
    ['ip', '10.0.0.1'],
  ])('refuses a malformed %s %j', async (type, value) => {
    const { json: w } = await cli('workspace', 'create', '--name', 'Scoped');
    const { code, stderr } = await cli('scope', 'add', '--workspace', w.id, '--type', type, '--value', value);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      type === 'ip' ? /^error: --type must be one of domain, email, bin; got ip\n$/ : /^error: Invalid parameter/,
    );
  });

  it('refuses an unknown workspace', async () => {
    const { code, stderr } = await cli(
      'scope',
      'add',
      '--workspace',
      '00000000-0000-4000-8000-000000000000',
      '--type',
      'domain',
      '--value',
      'example.com',
    );
    expect(code).toBe(1);
    expect(stderr).toMatch(/No workspace/);
  });
});

describe('key', () => {
  it('create prints the key once, with all permissions when none are named, and it works', async () => {
    const { json: w } = await cli('workspace', 'create', '--name', 'Keyed', '--plan', 'pro');
    const { code, json } = await cli('key', 'create', '--workspace', w.id, '--name', 'SIEM');
    expect(code).toBe(0);
    expect(json).toEqual({
      id: expect.any(String),
      prefix: json.key.slice(0, 20),
      key: expect.stringMatching(/^sk_live_[0-9A-Za-z]{42}$/),
      permissions: [...PERMISSIONS],
      expires_at: null,
    });
    expect(parseApiKey(json.key)).not.toBeNull();
    expect((await t.graphql(json.key, '{ viewer { key { name } } }')).body).toEqual({
      data: { viewer: { key: { name: 'SIEM' } } },
    });
  });

  it('create takes permissions and an expiry', async () => {
    const { json: w } = await cli('workspace', 'create', '--name', 'Keyed');
    const { json } = await cli(
      'key',
      'create',
      '--workspace',
      w.id,
      '--name',
      'ro',
      '--permissions',
      'iocs:read,dataleaks:read',
      '--expires-in-days',
      '30',
    );
    expect(json.permissions).toEqual(['iocs:read', 'dataleaks:read']);
    const days = (Date.parse(json.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
  });

  it.each([
    [
      ['--permissions', 'iocs:read,root'],
      /--permissions must be a comma-separated list of iocs:read, .*; got iocs:read,root/,
    ],
    [['--expires-in-days', '0'], /expiresInDays/],
    [['--expires-in-days', 'soon'], /expiresInDays/],
  ])('create refuses %j', async (extra, message) => {
    const { json: w } = await cli('workspace', 'create', '--name', 'Keyed');
    const { code, stderr } = await cli('key', 'create', '--workspace', w.id, '--name', 'k', ...extra);
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it('create refuses an unknown workspace, and past the plan limit', async () => {
    expect(
      (await cli('key', 'create', '--workspace', '00000000-0000-4000-8000-000000000000', '--name', 'k')).code,
    ).toBe(1);
    const { json: w } = await cli('workspace', 'create', '--name', 'Small', '--plan', 'free');
    for (let i = 0; i < 3; i++)
      expect((await cli('key', 'create', '--workspace', w.id, '--name', `k${i}`)).code).toBe(0);
    const fourth = await cli('key', 'create', '--workspace', w.id, '--name', 'k3');
    expect(fourth.code).toBe(1);
    expect(fourth.stderr).toMatch(/free plan allows 3 active API keys/);
  });

  it('revoke prints the key without its secret, and the key is refused', async () => {
    const { json: w } = await cli('workspace', 'create', '--name', 'Keyed');
    const { json: created } = await cli('key', 'create', '--workspace', w.id, '--name', 'old');
    const { code, json, stdout } = await cli('key', 'revoke', '--id', created.id);
    expect(code).toBe(0);
    expect(json).toMatchObject({ id: created.id, prefix: created.prefix, name: 'old', revoked_at: expect.any(String) });
    expect(stdout).not.toContain(created.key);
    expect(Object.keys(json)).not.toContain('secret_hash');
    expect((await t.graphql(created.key, '{ viewer { key { name } } }')).status).toBe(401);
  });
});

describe.skipIf(!serverUrl)('npm run cli, as a process', () => {
  it('applies migrations and reports them, then creates a workspace', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: t.url };
    const migrate = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'migrate'], {
      cwd: repoRoot,
      env,
    });
    expect(JSON.parse(migrate.stdout)).toEqual({ applied: [] });
    const created = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'workspace', 'create', '--name', 'Proc'],
      { cwd: repoRoot, env },
    );
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'Proc', plan: 'free' });
    await expect(
      run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'bogus'], { cwd: repoRoot, env }),
    ).rejects.toMatchObject({ code: 2 });
  });
});

describe('finding one’s way (issue: the first hour)', () => {
  it('--help lists every command, and a command’s --help its options with their allowed values; both exit 0', async () => {
    const general = await cli('--help');
    expect(general.code).toBe(0);
    for (const name of [
      'workspace create',
      'workspace list',
      'key create',
      'key list',
      'key revoke',
      'import',
      'seed',
      'migrate',
    ]) {
      expect(general.stdout).toContain(`  ${name} `);
    }
    const keyCreate = await cli('key', 'create', '--help');
    expect(keyCreate.code).toBe(0);
    expect(keyCreate.stdout).toMatch(
      /^usage: npm run -s cli -- key create --workspace <value> --name <value> \[--permissions <iocs:read\|/,
    );
    expect(keyCreate.stdout).toContain(`One of: ${PERMISSIONS.join(', ')}.`);
    const workspaceCreate = await cli('workspace', 'create', '-h');
    expect(workspaceCreate.stdout).toContain('One of: free, pro, enterprise.');
  });

  it('names an unknown command, then shows the commands (exit 2)', async () => {
    const unknown = await cli('workspace', 'delete', '--id', 'x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown command "workspace delete"\.\n\nusage: /);
  });

  it('says why a file cannot be read', async () => {
    const missing = await cli('import', '--file', '/nonexistent/feed.csv');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: cannot read /nonexistent/feed.csv: no such file\n');
    const folder = await cli('import', '--file', repoRoot);
    expect(folder.stderr).toBe(`error: cannot read ${repoRoot}: it is a folder, not a file\n`);
  });

  it('names the allowed values of a wrong one', async () => {
    const wrong = await cli(
      'key',
      'create',
      '--workspace',
      '00000000-0000-4000-8000-000000000000',
      '--name',
      'x',
      '--permissions',
      'iocs:read,iocs:delete',
    );
    expect(wrong.stderr).toBe(
      `error: --permissions must be a comma-separated list of ${PERMISSIONS.join(', ')}; got iocs:read,iocs:delete\n`,
    );
  });

  it('workspace list and key list --workspace find a lost demo workspace and its keys (never a secret)', async () => {
    const { json: workspace } = await cli('workspace', 'create', '--name', 'Listed', '--plan', 'pro');
    const { json: created } = await cli('key', 'create', '--workspace', workspace.id, '--name', 'SIEM');
    const listed = await cli('workspace', 'list');
    expect(listed.code).toBe(0);
    expect(listed.json.workspaces).toContainEqual({
      id: workspace.id,
      name: 'Listed',
      plan: 'pro',
      billing_status: 'active',
    });
    const keys = await cli('key', 'list', '--workspace', workspace.id);
    expect(keys.code).toBe(0);
    expect(keys.json.keys).toEqual([
      expect.objectContaining({
        id: created.id,
        prefix: created.prefix,
        name: 'SIEM',
        status: 'active',
        revoked_at: null,
      }),
    ]);
    expect(keys.stdout).not.toContain(created.key);
    const none = await cli('key', 'list', '--workspace', '00000000-0000-4000-8000-000000000000');
    expect(none.stderr).toBe('error: no workspace has this id (see workspace list)\n');
  });
});

describe('export', () => {
  it('writes the shared feed, or a workspace’s view with its own marked, as CSV or STIX; import takes it back apart', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { insertIocs } = await import('../support/fixtures.js');
    const { json: workspace } = await cli('workspace', 'create', '--name', 'Exporter', '--plan', 'pro');
    await insertIocs(t.database.db, [
      { type: 'domain', value: 'feed-export.example' },
      { type: 'domain', value: 'own-export.example', workspaceId: workspace.id },
    ]);
    const dir = mkdtempSync(path.join(tmpdir(), 'cli-export-'));
    try {
      const feed = await cli('export', '--file', path.join(dir, 'feed.csv'), '--type', 'domain');
      expect(feed.code, feed.stderr).toBe(0);
      expect(feed.json).toMatchObject({ format: 'csv', iocs: expect.any(Number) });
      const feedCsv = readFileSync(path.join(dir, 'feed.csv'), 'utf8');
      expect(feedCsv).toContain('feed-export.example');
      expect(feedCsv).not.toContain('own-export.example');

      const view = await cli(
        'export',
        '--file',
        path.join(dir, 'view.json'),
        '--workspace',
        workspace.id,
        '--type',
        'domain',
      );
      expect(view.json).toMatchObject({ format: 'stix' });
      const bundle = JSON.parse(readFileSync(path.join(dir, 'view.json'), 'utf8')) as {
        objects: Array<Record<string, string>>;
      };
      const own = bundle.objects.find((o) => o.name === 'own-export.example')!;
      const identity = bundle.objects.find((o) => o.id === own.created_by_ref)!;
      expect(identity).toMatchObject({ type: 'identity', name: 'Exporter', x_workspace_id: workspace.id });

      const back = await cli('import', '--file', path.join(dir, 'view.json'));
      expect(back.json.errors).toContainEqual({
        object: own.id,
        reason: "a workspace's own IOC (shared false): import it into its workspace with --workspace <id>",
      });
      const wrong = await cli('export', '--file', path.join(dir, 'x.csv'), '--type', 'ip');
      expect(wrong.stderr).toBe(
        'error: --type must be one of ipv4, ipv6, domain, url, email, md5, sha1, sha256; got ip\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
