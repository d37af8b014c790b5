/**
 * Searches of docs/api.md §9 over leaks loaded by `leaks import`: credentials captured on the
 * workspace's own websites (`/dataleaks/site`, `bySite`) with the scope, plan and billing rules of
 * `/dataleaks/domain`; and the breached-password range search (`/passwords/range/{prefix}`,
 * `passwordRange`) with its counts, order, letter case, padding, NTLM mode, caching, 400s and permission.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';

let t: TestApp;
let dir: string;
let key: string;
let otherKey: string;
let freeKey: string;
let proKey: string;
let pastDueKey: string;
let noLeaksKey: string;
let noPasswordsKey: string;

const SCOPE = { domains: ['acme.example'] };
const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();

beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-leak-search-'));
  const mine = await t.createWorkspace({ scope: SCOPE });
  key = (await t.createKey(mine.id)).key;
  noLeaksKey = (await t.createKey(mine.id, { permissions: ['iocs:read', 'passwords:read'] })).key;
  noPasswordsKey = (await t.createKey(mine.id, { permissions: ['iocs:read', 'dataleaks:read'] })).key;
  otherKey = (await t.createKey((await t.createWorkspace({ scope: { domains: ['other.example'] } })).id)).key;
  freeKey = (await t.createKey((await t.createWorkspace({ plan: 'free', scope: SCOPE })).id)).key;
  proKey = (await t.createKey((await t.createWorkspace({ plan: 'pro', scope: SCOPE })).id)).key;
  pastDueKey = (await t.createKey((await t.createWorkspace({ billingStatus: 'past_due', scope: SCOPE })).id)).key;

  // Customers of acme.example typed their passwords into its websites; their own addresses are anywhere.
  const ulp = [
    'https://login.acme.example/:customer1@gmail.test:password',
    'https://acme.example/account:customer2@yahoo.test:hunter2-acme',
    'https://shop.acme.example:8443/cart:customer3:password',
    'https://evil-acme.example/:victim@gmail.test:password',
    'https://acme.example.phish.test/:victim2@gmail.test:letmein-phish',
    'https://portal.other.example/:someone@acme.example:password',
  ].join('\n');
  const file = path.join(dir, 'ulp.txt');
  writeFileSync(file, ulp);
  const imported = await runCommand(t.database, [
    'leaks',
    'import',
    '--file',
    file,
    '--format',
    'ulp',
    '--source',
    'stealer-2026-11',
    '--source-type',
    'stealer_log',
  ]);
  expect(imported.json).toMatchObject({ created: 6, rejected: 0 });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

async function call(url: string, k: string | null, headers: Record<string, string> = {}) {
  const response = await t.fetch(url, { headers: { ...(k ? { authorization: `Bearer ${k}` } : {}), ...headers } });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text,
    json: text.startsWith('{') ? JSON.parse(text) : undefined,
  };
}

describe('search by site', () => {
  it('lists the credentials captured on the domain and its subdomains, with site on each', async () => {
    const answer = await call('/api/v1/dataleaks/site?domain=ACME.example', key);
    expect(answer.status).toBe(200);
    expect(
      answer.json.data.map((leak: { site: string; email: string | null; username: string }) => [
        leak.site,
        leak.email ?? leak.username,
      ]),
    ).toEqual([
      ['acme.example', 'customer2@yahoo.test'],
      ['login.acme.example', 'customer1@gmail.test'],
      ['shop.acme.example', 'customer3'],
    ]);
    expect(answer.json.data[0]).toMatchObject({
      password_masked: 'h**********e',
      source_name: 'stealer-2026-11',
      source_type: 'stealer_log',
    });
    expect(answer.json.pagination).toEqual({ limit: 50, next_cursor: null, has_more: false });
  });

  it('keeps /dataleaks/domain on the email’s domain: the site does not count there', async () => {
    const answer = await call('/api/v1/dataleaks/domain?domain=acme.example', key);
    expect(answer.json.data.map((leak: { email: string; site: string }) => [leak.email, leak.site])).toEqual([
      ['someone@acme.example', 'portal.other.example'],
    ]);
  });

  it('pages by keyset, each row once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await call(
        `/api/v1/dataleaks/site?domain=acme.example&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        key,
      );
      seen.push(...answer.json.data.map((leak: { id: string }) => leak.id));
      cursor = answer.json.pagination.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
  });

  it('answers the same over GraphQL', async () => {
    const { body } = await t.graphql(
      key,
      '{ dataleaks { bySite(domain: "login.acme.example") { edges { node { site email username passwordMasked } } } } }',
    );
    expect(body.data!.dataleaks.bySite.edges).toEqual([
      {
        node: {
          site: 'login.acme.example',
          email: 'customer1@gmail.test',
          username: 'customer1',
          passwordMasked: 'p******d',
        },
      },
    ]);
  });

  it.each([
    [
      'another workspace’s domain',
      '/api/v1/dataleaks/site?domain=other.example',
      () => key,
      403,
      'Forbidden: the domain other.example is outside the workspace scope.',
    ],
    [
      'a domain outside every scope',
      '/api/v1/dataleaks/site?domain=evil-acme.example',
      () => key,
      403,
      'Forbidden: the domain evil-acme.example is outside the workspace scope.',
    ],
    [
      'the other workspace asking for ours',
      '/api/v1/dataleaks/site?domain=acme.example',
      () => otherKey,
      403,
      'Forbidden: the domain acme.example is outside the workspace scope.',
    ],
    [
      'the free plan',
      '/api/v1/dataleaks/site?domain=acme.example',
      () => freeKey,
      403,
      'Forbidden: data leak searches need the enterprise plan.',
    ],
    [
      'the pro plan',
      '/api/v1/dataleaks/site?domain=acme.example',
      () => proKey,
      403,
      'Forbidden: data leak searches need the enterprise plan.',
    ],
    [
      'billing past due',
      '/api/v1/dataleaks/site?domain=acme.example',
      () => pastDueKey,
      403,
      'Forbidden: data leak searches are suspended while billing is past_due.',
    ],
    [
      'a key without dataleaks:read',
      '/api/v1/dataleaks/site?domain=acme.example',
      () => noLeaksKey,
      403,
      /^Forbidden: this API key lacks the dataleaks:read permission/,
    ],
    ['no domain', '/api/v1/dataleaks/site', () => key, 400, 'Missing required parameter: domain.'],
    ['an empty domain', '/api/v1/dataleaks/site?domain=', () => key, 400, 'Missing required parameter: domain.'],
    [
      'a malformed domain',
      '/api/v1/dataleaks/site?domain=not%20a%20domain',
      () => key,
      400,
      /^Invalid parameter domain: /,
    ],
    [
      'a malformed cursor',
      '/api/v1/dataleaks/site?domain=acme.example&cursor=bogus',
      () => key,
      400,
      /^Invalid parameter cursor: /,
    ],
  ])('%s: %i in the Defendis dialect', async (_name, url, who, status, sentence) => {
    const answer = await call(url, who());
    expect(answer.status, answer.text).toBe(status);
    expect(answer.text).toBe(`{ "error": ${JSON.stringify(answer.json.error)} }`);
    expect(answer.json.error).toMatch(sentence);
  });

  it('no key: 401', async () => {
    expect((await call('/api/v1/dataleaks/site?domain=acme.example', null)).status).toBe(401);
  });
});

describe('breached-password range search', () => {
  const hash = sha1('password');
  const range = (prefix: string, k: string | null = key, headers: Record<string, string> = {}) =>
    call(`/api/v1/passwords/range/${prefix}`, k, headers);
  const lines = (text: string) => (text === '' ? [] : text.split('\r\n'));

  it('counts in how many leaks a password appears, on every plan, as text/plain lines', async () => {
    for (const k of [key, freeKey, proKey]) {
      const answer = await range(hash.slice(0, 5), k);
      expect(answer.status).toBe(200);
      expect(answer.type).toBe('text/plain; charset=utf-8');
      expect(lines(answer.text)).toContain(`${hash.slice(5)}:4`);
    }
  });

  it('reads the prefix in either case, and answers the same', async () => {
    const upper = await range(hash.slice(0, 5));
    const lower = await range(hash.slice(0, 5).toLowerCase());
    expect(lower.text).toBe(upper.text);
  });

  it('sorts by suffix, and answers 200 with an empty body when none match', async () => {
    // Hashes chosen to share a prefix, counted straight into the table the search reads.
    const suffixes = ['F'.repeat(35), '0'.repeat(35), `A${'1'.repeat(34)}`];
    for (const suffix of suffixes)
      await t.database.rows(
        sql`insert into password_counts (sha1, count) values (decode(${`12345${suffix}`}, 'hex'), 1)`,
      );
    const answer = await range('12345');
    expect(lines(answer.text)).toEqual([`${'0'.repeat(35)}:1`, `A${'1'.repeat(34)}:1`, `${'F'.repeat(35)}:1`]);
    const empty = await range('00000');
    expect(empty.status).toBe(200);
    expect(empty.text).toBe('');
    // The last range of all has no upper bound.
    expect((await range('FFFFF')).status).toBe(200);
  });

  it('pads with random suffixes of count 0 to 800–1000 lines, still sorted, the real ones kept', async () => {
    const sizes = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const answer = await range(hash.slice(0, 5), key, { 'add-padding': 'true' });
      const padded = lines(answer.text);
      sizes.add(padded.length);
      expect(padded.length).toBeGreaterThanOrEqual(800);
      expect(padded.length).toBeLessThanOrEqual(1000);
      expect(padded.every((line) => /^[0-9A-F]{35}:\d+$/.test(line))).toBe(true);
      expect([...padded].sort()).toEqual(padded);
      expect(padded).toContain(`${hash.slice(5)}:4`);
      expect(padded.filter((line) => !line.endsWith(':0'))).toHaveLength(
        lines((await range(hash.slice(0, 5))).text).length,
      );
    }
    // The size tells nothing: it changes from one answer to the next.
    expect(sizes.size).toBeGreaterThan(1);
    // Only `true` asks for padding.
    expect(lines((await range('12345', key, { 'add-padding': 'false' })).text)).toHaveLength(3);
  });

  it.each(['1234', '123456', 'ghijk', '12 45', '%20%20%20%20%20', `${'a'.repeat(41)}`])(
    'refuses the prefix %s: 400 invalid_parameter (SOC dialect)',
    async (prefix) => {
      const answer = await range(prefix);
      expect(answer.status, answer.text).toBe(400);
      expect(answer.json.error.code).toBe('invalid_parameter');
      expect(answer.json.error.message).toMatch(/^Invalid parameter prefix: /);
    },
  );

  it('needs passwords:read, and a key', async () => {
    const answer = await range(hash.slice(0, 5), noPasswordsKey);
    expect(answer.status).toBe(403);
    expect(answer.json.error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/passwords:read/) });
    expect((await range(hash.slice(0, 5), null)).status).toBe(401);
  });

  it('counts by NTLM hash with mode=ntlm (27-digit suffixes), the password never stored', async () => {
    // The NTLM hash of "password", as Windows computes it (MD4 of its UTF-16LE bytes).
    const ntlm = '8846F7EAEE8FB117AD06BDD830B7586C';
    const answer = await range(`${ntlm.slice(0, 5)}?mode=ntlm`);
    expect(answer.status).toBe(200);
    expect(lines(answer.text)).toContain(`${ntlm.slice(5)}:4`);
    expect(lines(answer.text).every((line) => /^[0-9A-F]{27}:\d+$/.test(line))).toBe(true);
    const padded = lines((await range(`${ntlm.slice(0, 5)}?mode=ntlm`, key, { 'add-padding': 'true' })).text);
    expect(padded.length).toBeGreaterThanOrEqual(800);
    expect(padded.every((line) => /^[0-9A-F]{27}:\d+$/.test(line))).toBe(true);
    // SHA-1 stays the default; another mode is refused.
    expect(lines((await range(`${hash.slice(0, 5)}?mode=sha1`)).text)).toContain(`${hash.slice(5)}:4`);
    const refused = await range(`${ntlm.slice(0, 5)}?mode=md5`);
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/^Invalid parameter mode: /);
    // What is stored per leak: the mask and the SHA-1, no NTLM hash and no password.
    const columns = await t.database.rows<{ column_name: string }>(
      sql`select column_name from information_schema.columns where table_name = 'credential_leaks'`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain('password_ntlm');
    const { body } = await t.graphql(key, '{ passwordRange(prefix: "8846f", mode: NTLM) { suffix count } }');
    expect(body.data!.passwordRange).toContainEqual({ suffix: ntlm.slice(5), count: 4 });
  });

  it('is cacheable: the same ETag for every caller, 304 on a match, public for an hour', async () => {
    const first = await t.fetch(`/api/v1/passwords/range/${hash.slice(0, 5)}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    await first.text();
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(first.headers.get('vary')).toContain('Add-Padding');
    // Another workspace, another plan: the same answer, the same tag.
    const other = await t.fetch(`/api/v1/passwords/range/${hash.slice(0, 5)}`, {
      headers: { authorization: `Bearer ${freeKey}`, 'if-none-match': etag },
    });
    expect(other.status).toBe(304);
    expect(await other.text()).toBe('');
    // Still keyed: a 304 is not given without a key.
    const anonymous = await t.fetch(`/api/v1/passwords/range/${hash.slice(0, 5)}`, {
      headers: { 'if-none-match': etag },
    });
    expect(anonymous.status).toBe(401);
    // A new leak with that password changes the count, and the tag (its count pending a fold).
    await t.database.rows(sql`insert into password_counts_pending (sha1, count) values (decode(${hash}, 'hex'), 1)`);
    const changed = await t.fetch(`/api/v1/passwords/range/${hash.slice(0, 5)}`, {
      headers: { authorization: `Bearer ${key}`, 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    expect(lines(await changed.text())).toContain(`${hash.slice(5)}:5`);
    expect(changed.headers.get('etag')).not.toBe(etag);
    await t.database.rows(
      sql`delete from password_counts_pending where ctid = (select min(ctid) from password_counts_pending where sha1 = decode(${hash}, 'hex') and count = 1)`,
    );
  });

  it('answers the same over GraphQL', async () => {
    const { body } = await t.graphql(key, 'query($p: String!) { passwordRange(prefix: $p) { suffix count } }', {
      p: hash.slice(0, 5).toLowerCase(),
    });
    expect(body.data!.passwordRange).toContainEqual({ suffix: hash.slice(5), count: 4 });
    const refused = await t.graphql(key, '{ passwordRange(prefix: "xyz") { suffix } }');
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'invalid_parameter' });
  });
});
