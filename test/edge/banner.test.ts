import { describe, expect, it } from 'vitest';
import { startBanner, type BannerFacts } from '../../src/edge/banner.js';

const facts: BannerFacts = {
  url: 'http://127.0.0.1:4000',
  production: true,
  metricsUrl: undefined,
  database: 'PostgreSQL',
  embedded: false,
  demoWorkspaceId: null,
  demoKey: null,
};

describe('the start banner', () => {
  it('on a database with no workspace, gives the first steps in their order: a workspace, then its key', () => {
    const banner = startBanner({ ...facts, noWorkspaceYet: true });
    const create = banner.indexOf('npm run -s cli -- workspace create --name "My team" --plan enterprise');
    const key = banner.indexOf('npm run -s cli -- key create --workspace <the id it printed> --name "Admin"');
    expect(create).toBeGreaterThan(0);
    expect(key).toBeGreaterThan(create);
    // Nothing that cannot work yet: the console needs a key, a key needs a workspace.
    expect(banner).not.toContain('Create key in the console');
    expect(banner).not.toContain('<workspace id>');
  });

  it('once workspaces exist, says how to make a key and where to find the workspaces', () => {
    const banner = startBanner(facts);
    expect(banner).toContain('A new key: Create key in the console, or from the command line:');
    expect(banner).toContain('npm run -s cli -- key create --workspace <workspace id> --name "My key"');
    expect(banner).not.toContain('No workspace yet');
  });

  it('on the embedded database, says a command runs beside the server (it is handed over), not that the server must stop', () => {
    const banner = startBanner({ ...facts, embedded: true, demoWorkspaceId: 'w-1' });
    expect(banner).toContain(
      'or from the command line (in another terminal: this server runs the commands handed to it):',
    );
    expect(banner).not.toMatch(/stopped|admits one process/);
  });

  it('says the console is for any key, not only admin keys', () => {
    expect(startBanner(facts)).toMatch(/Console +http:\/\/127\.0\.0\.1:4000\/console\/ +sign in with an API key/);
  });
});
