/**
 * Domains proven by DNS (section 15), against a DNS server the test runs on loopback: claim,
 * verify (the domain and its subdomains enter the scope at once), the re-check that lapses a
 * domain whose record is gone three times in a row (audit event, `scope` alert, webhook), and each
 * way a caller could abuse it: no permission, another workspace's claim, bad and huge input.
 */
import { request as httpRequest } from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recheckDomains, txtLookup } from '../../src/workspaces/domains.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { startTestDns, type TestDns } from '../support/dns.js';
import { until } from '../support/timing.js';

describe('domain verification by DNS TXT', () => {
  let t: TestApp;
  let dns: TestDns;
  let a: { id: string; key: string };
  let b: { id: string; key: string };
  let readOnly: string;

  const call = (key: string | null, method: string, path: string, body?: unknown) =>
    t
      .fetch(path, {
        method,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), 'content-type': 'application/json' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      })
      .then(async (response) => ({
        status: response.status,
        body: response.status === 204 ? null : await response.json(),
      }));
  const scopeChanged = (workspaceId: string) => t.verifier.invalidate(`workspace:${workspaceId}`);
  const search = (key: string, domain: string) =>
    t.fetch(`/api/v1/dataleaks/domain?domain=${domain}`, { headers: { authorization: `Bearer ${key}` } });
  const audit = (workspaceId: string) =>
    t.database.rows<{ action: string; details: Record<string, unknown> }>(
      sql`select action, details from audit_events where workspace_id = ${workspaceId} and action like 'scope.%' order by created_at, id`,
    );

  beforeAll(async () => {
    dns = await startTestDns();
    t = await createTestApp({ app: { dnsServers: [dns.server] } });
    const wa = await t.createWorkspace({
      scope: { domains: ['operator.example'], emails: ['ciso@elsewhere.example'] },
    });
    const wb = await t.createWorkspace();
    a = { id: wa.id, key: (await t.createKey(wa.id)).key };
    b = { id: wb.id, key: (await t.createKey(wb.id)).key };
    readOnly = (await t.createKey(wa.id, { permissions: ['dataleaks:read', 'watchlists:read'] })).key;
  });
  afterAll(async () => {
    await t.close();
    await dns.close();
  });

  it('claims a domain and answers the TXT record to publish; a second claim answers the same record', async () => {
    const claimed = await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'Acme.Example' });
    expect(claimed.status).toBe(201);
    expect(claimed.body).toEqual({
      data: {
        domain: 'acme.example',
        status: 'pending',
        record: {
          type: 'TXT',
          name: '_threatintel-challenge.acme.example',
          value: expect.stringMatching(/^threatintel-verification=[0-9a-f]{32}$/),
        },
      },
    });
    const again = await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'acme.example' });
    expect(again).toEqual({ status: 200, body: claimed.body });
    // Another workspace may claim it too, with a token of its own.
    const other = await call(b.key, 'POST', '/api/v1/scope/domains', { domain: 'acme.example' });
    expect(other.status).toBe(201);
    expect(other.body.data.record.value).not.toBe(claimed.body.data.record.value);
  });

  it('answers 409 verification_failed quoting what stands at the name, and leaves the domain out of scope', async () => {
    const none = await call(a.key, 'POST', '/api/v1/scope/domains/acme.example/verify');
    expect(none.status).toBe(409);
    const { value } = (await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'acme.example' })).body.data.record;
    expect(none.body.error).toEqual({
      code: 'verification_failed',
      message: `No TXT record at _threatintel-challenge.acme.example holds ${value}: found no TXT record there.`,
      request_id: expect.stringMatching(/^req_/),
    });
    dns.setTxt('_threatintel-challenge.acme.example', ['v=spf1 -all', 'threatintel-verification=wrong']);
    const wrong = await call(a.key, 'POST', '/api/v1/scope/domains/acme.example/verify');
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.message).toBe(
      `No TXT record at _threatintel-challenge.acme.example holds ${value}: found "v=spf1 -all", "threatintel-verification=wrong".`,
    );
    expect((await search(a.key, 'acme.example')).status).toBe(403);
    // GraphQL says the same, with the code in its extensions.
    const { body } = await t.graphql(a.key, 'mutation { verifyDomain(domain: "acme.example") { status } }');
    expect(body.errors?.[0]).toMatchObject({
      message: wrong.body.error.message,
      extensions: { code: 'verification_failed' },
    });
  });

  it('verifies: the domain and its subdomains are in scope at once, with an audit event; the other workspace is unaffected', async () => {
    const record = (await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'acme.example' })).body.data.record;
    const otherRecord = (await call(b.key, 'POST', '/api/v1/scope/domains', { domain: 'acme.example' })).body.data
      .record;
    // Both workspaces' records stand at the one name; only A's is published so far.
    dns.setTxt(record.name, ['v=spf1 -all', record.value]);
    const verified = await call(a.key, 'POST', '/api/v1/scope/domains/acme.example/verify');
    expect(verified).toEqual({
      status: 200,
      body: {
        data: {
          domain: 'acme.example',
          status: 'verified',
          added_at: expect.stringMatching(/Z$/),
          verified_at: expect.stringMatching(/Z$/),
        },
      },
    });
    expect((await search(a.key, 'acme.example')).status).toBe(200);
    expect((await search(a.key, 'mail.acme.example')).status).toBe(200);
    expect(await audit(a.id)).toEqual([{ action: 'scope.domain_verified', details: { domain: 'acme.example' } }]);
    // B's claim still waits for its own record.
    expect((await call(b.key, 'POST', '/api/v1/scope/domains/acme.example/verify')).status).toBe(409);
    expect((await search(b.key, 'acme.example')).status).toBe(403);
    dns.setTxt(record.name, ['v=spf1 -all', record.value, otherRecord.value]);
    expect((await call(b.key, 'POST', '/api/v1/scope/domains/acme.example/verify')).status).toBe(200);
  });

  it('lists the scope with each domain’s status, an operator’s entry as such, to any key of the workspace', async () => {
    await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'later.example' });
    const listed = await call(readOnly, 'GET', '/api/v1/scope');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: {
        domains: [
          { domain: 'acme.example', status: 'verified', added_at: expect.any(String), verified_at: expect.any(String) },
          { domain: 'later.example', status: 'pending', added_at: expect.any(String), verified_at: null },
          { domain: 'operator.example', status: 'operator', added_at: expect.any(String), verified_at: null },
        ],
        emails: ['ciso@elsewhere.example'],
        bins: [],
      },
    });
    // GraphQL: the same entries on the viewer's workspace.
    const { body } = await t.graphql(
      a.key,
      '{ viewer { workspace { scope { domains domainEntries { domain status record { name } } } } } }',
    );
    expect(body.data!.viewer.workspace.scope.domains).toEqual(['acme.example', 'operator.example']);
    expect(body.data!.viewer.workspace.scope.domainEntries).toContainEqual({
      domain: 'later.example',
      status: 'PENDING',
      record: { name: '_threatintel-challenge.later.example' },
    });
  });

  it('refuses without scope:write, without a key, and for a domain the workspace has not claimed', async () => {
    for (const [method, path, body] of [
      ['POST', '/api/v1/scope/domains', { domain: 'x.example' }],
      ['POST', '/api/v1/scope/domains/acme.example/verify', undefined],
      ['DELETE', '/api/v1/scope/domains/acme.example', undefined],
    ] as const) {
      const refused = await call(readOnly, method, path, body);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');
      expect((await call(null, method, path, body)).status).toBe(401);
    }
    const { id: third } = await t.createWorkspace();
    const stranger = (await t.createKey(third)).key;
    expect((await call(stranger, 'POST', '/api/v1/scope/domains/acme.example/verify')).status).toBe(404);
    expect((await call(stranger, 'DELETE', '/api/v1/scope/domains/acme.example')).status).toBe(404);
    expect((await call(stranger, 'GET', '/api/v1/scope')).body.data.domains).toEqual([]);
    // An operator's entry is not the API's to remove.
    const operator = await call(a.key, 'DELETE', '/api/v1/scope/domains/operator.example');
    expect(operator.status).toBe(403);
    expect(operator.body.error.message).toBe(
      'Forbidden: an operator added this domain to the scope; only an operator can remove it.',
    );
  });

  it('refuses bad and oversized input with 400 or 413, storing nothing', async () => {
    const before = await call(a.key, 'GET', '/api/v1/scope');
    for (const body of [
      { domain: 'not a domain' },
      { domain: '' },
      { domain: `${'a'.repeat(250)}.example` },
      {},
      { domain: 'x.example', extra: 1 },
      { domain: 42 },
    ]) {
      const refused = await call(a.key, 'POST', '/api/v1/scope/domains', body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error.code).toMatch(/^(invalid_parameter|missing_parameter)$/);
    }
    expect((await call(a.key, 'POST', '/api/v1/scope/domains', 'not json')).status).toBe(400);
    expect((await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'x'.repeat(2_000_000) })).status).toBe(413);
    expect((await call(a.key, 'POST', '/api/v1/scope/domains/localhost/verify')).status).toBe(400);
    expect(await call(a.key, 'GET', '/api/v1/scope')).toEqual(before);
  });

  it('holds a workspace to 100 claims: the 101st is refused, claiming one it holds still answers it', async () => {
    const { id } = await t.createWorkspace();
    const many = (await t.createKey(id)).key;
    for (let i = 0; i < 100; i++)
      expect((await call(many, 'POST', '/api/v1/scope/domains', { domain: `d${i}.example` })).status).toBe(201);
    const refused = await call(many, 'POST', '/api/v1/scope/domains', { domain: 'one-more.example' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('Forbidden: a workspace claims at most 100 domains; remove one first.');
    expect((await call(many, 'POST', '/api/v1/scope/domains', { domain: 'd7.example' })).status).toBe(200);
  });

  it('removes a claim and the domain from the scope; removing it again is 404', async () => {
    await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'gone.example' });
    expect((await call(a.key, 'DELETE', '/api/v1/scope/domains/gone.example')).status).toBe(204);
    expect((await call(a.key, 'DELETE', '/api/v1/scope/domains/gone.example')).status).toBe(404);
  });

  it('re-checks: a record missing three checks in a row lapses the domain, with an audit event, a scope alert', async () => {
    const lookup = txtLookup([dns.server]);
    const record = (await call(a.key, 'POST', '/api/v1/scope/domains', { domain: 'acme.example' })).body.data.record;
    dns.setTxt(record.name, []);
    // A DNS server that does not answer is no evidence: nothing is counted.
    const silent = await recheckDomains(t.database.db, txtLookup(['127.0.0.1:9']), { workspaceId: a.id, now: true });
    expect(silent).toMatchObject({ checked: 1, failed: 1, missed: 0 });
    for (const n of [1, 2]) {
      const report = await recheckDomains(t.database.db, lookup, { workspaceId: a.id, now: true, scopeChanged });
      expect(report, `check ${n}`).toEqual({ checked: 1, held: 0, missed: 1, lapsed: 0, failed: 0 });
      expect((await search(a.key, 'acme.example')).status).toBe(200);
    }
    // The third, through the command line (which reads DNS_SERVERS, as the server does).
    process.env.DNS_SERVERS = dns.server;
    try {
      const third = await runCommand(t.database, ['scope', 'recheck', '--workspace', a.id]);
      expect(third.code, third.stderr).toBe(0);
      expect(third.json).toEqual({ checked: 1, held: 0, missed: 1, lapsed: 1, failed: 0 });
    } finally {
      delete process.env.DNS_SERVERS;
    }
    // The command line ran in another process, as it were: this one learns it from the notification.
    await until(
      () => search(a.key, 'acme.example').then((response) => response.status),
      (status) => status === 403,
      5_000,
      50,
    );
    expect((await call(a.key, 'GET', '/api/v1/scope')).body.data.domains[0]).toMatchObject({
      domain: 'acme.example',
      status: 'lapsed',
    });
    expect((await audit(a.id)).at(-1)).toEqual({
      action: 'scope.domain_lapsed',
      details: { domain: 'acme.example', via: 'server' },
    });
    const alerts = await call(a.key, 'GET', '/api/v1/alerts?kind=scope');
    expect(alerts.body.data).toEqual([
      {
        id: expect.any(String),
        watchlist_id: null,
        entry: null,
        kind: 'scope',
        record: { domain: 'acme.example', status: 'lapsed' },
        status: 'new',
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    ]);
    // B's verified claim of the same domain is B's: untouched by A's lapse (its record still stands).
    expect((await search(b.key, 'acme.example')).status).toBe(200);
    // Published again, verified again.
    dns.setTxt(record.name, [record.value]);
    expect((await call(a.key, 'POST', '/api/v1/scope/domains/acme.example/verify')).body.data.status).toBe('verified');
  });

  it('shares the daily re-check between processes: each due domain is looked up once', async () => {
    await t.database.rows(
      sql`update domain_claims set next_check_at = now() - interval '1 minute' where status = 'verified'`,
    );
    const due = await t.database.rows<{ domain: string }>(
      sql`select domain from domain_claims where status = 'verified'`,
    );
    dns.asked.clear();
    const lookup = txtLookup([dns.server]);
    const reports = await Promise.all([recheckDomains(t.database.db, lookup), recheckDomains(t.database.db, lookup)]);
    expect(reports[0].checked + reports[1].checked).toBe(due.length);
    // One lookup per claim (two workspaces' claims of one domain are two), none twice.
    expect([...dns.asked.values()].reduce((sum, count) => sum + count, 0)).toBe(due.length);
    // Not due again for a day.
    expect((await recheckDomains(t.database.db, lookup)).checked).toBe(0);
  });

  it('checks another workspace’s domain while one workspace’s 20 lookups hang (its name servers never answer)', async () => {
    const { id: slow } = await t.createWorkspace();
    const { id: other } = await t.createWorkspace();
    // Verified claims due now; the slow workspace's all due before the other's one.
    await t.database.rows(sql`
      insert into domain_claims (workspace_id, domain, token, status, verified_at, next_check_at)
      select ${slow}::uuid, 'slow' || n || '.example', 't' || n, 'verified', now(), now() - interval '1 hour' - n * interval '1 second'
      from generate_series(1, 20) as n`);
    await t.database.rows(sql`
      insert into domain_claims (workspace_id, domain, token, status, verified_at, next_check_at)
      values (${other}::uuid, 'prompt.example', 'p', 'verified', now(), now() - interval '1 minute')`);
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    let otherChecked = false;
    let inFlight = 0;
    let mostInFlight = 0;
    const lookup = async (name: string) => {
      if (name.endsWith('prompt.example')) {
        otherChecked = true;
        return { values: [] };
      }
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await hanging;
      inFlight--;
      return { failed: 'ETIMEOUT' };
    };
    const run = recheckDomains(t.database.db, lookup);
    await until(
      () => Promise.resolve(otherChecked),
      (checked) => checked,
      5_000,
      10,
    );
    // Checked while every one of the slow workspace's lookups still hung, and not one at a time.
    expect(inFlight).toBeGreaterThan(0);
    expect(mostInFlight).toBeGreaterThan(1);
    release();
    const report = await run;
    expect(report).toMatchObject({ failed: 20, missed: 1 });
    expect(report.checked).toBeGreaterThanOrEqual(21);
  });

  it('answers a slow body before it arrives: 401 without a key, 413 when it announces more than the limit', async () => {
    const server = await t.listen();
    const unfinished = (key: string | null) =>
      new Promise<number>((resolve, reject) => {
        const url = new URL(server.url);
        const request = httpRequest({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/api/v1/scope/domains',
          headers: {
            'content-type': 'application/json',
            'content-length': String(24 * 1024 * 1024),
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
        });
        request.on('response', (response) => {
          resolve(response.statusCode!);
          request.destroy();
        });
        request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
        // 1 KB of a 24 MB body, and nothing more: the answer cannot be waiting for the rest.
        request.write(`{"domain":"${'a'.repeat(1000)}`);
      });
    try {
      expect(await unfinished(null)).toBe(401);
      expect(await unfinished(a.key)).toBe(413);
    } finally {
      await server.close();
    }
  });
});
