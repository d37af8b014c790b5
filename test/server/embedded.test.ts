/**
 * `npm start` with no database server: the embedded database in DATA_DIR, a demo workspace and
 * one demo key printed once on the console (stderr), never in the log (stdout).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from '../support/process.js';

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
      body: JSON.stringify({ query: '{ viewer { key { name permissions } workspace { plan billingStatus scope { domains } } } }' }),
    });
    expect(await response.json()).toEqual({
      data: {
        viewer: {
          key: { name: 'Demo key', permissions: ['IOCS_READ', 'WATCHLISTS_READ', 'WATCHLISTS_WRITE', 'DATALEAKS_READ', 'KEYS_READ', 'KEYS_WRITE'] },
          workspace: { plan: 'ENTERPRISE', billingStatus: 'ACTIVE', scope: { domains: ['example.com'] } },
        },
      },
    });
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.stdout.join('')).not.toContain(demoKey!);

    const second = await spawnServer({ DATABASE_URL: '', DATA_DIR: dataDir });
    expect(second.stderr.join('')).not.toMatch(/sk_live_/);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
