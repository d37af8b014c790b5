/**
 * Feeds in (docs/api.md §14), format by format, from documents in the sources' own layouts served
 * by a real HTTP server: `feed add` and `feed run` (the operator's CLI) read each into the shared
 * feed, with the feed's name as source (a CSV's own source column wins), and print the pull's
 * counts (`read = created + updated + unchanged + rejected`). Every pull is a conditional GET: the
 * second answers 304 and reads nothing; gzip is taken and undone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { startFeedServer, type FeedServer } from '../support/feedServer.js';
import { repoRoot } from '../support/process.js';

let t: TestApp;
let origin: FeedServer;
beforeAll(async () => {
  // The feeds' sealed headers use this key, as a server started with it would.
  process.env.WEBHOOK_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');
  t = await createTestApp();
  origin = await startFeedServer();
});
afterAll(async () => {
  await origin.close();
  await t.close();
});

const fixture = (name: string) => readFileSync(path.join(repoRoot, 'test/fixtures/feeds', name));
const cli = (...argv: string[]) => runCommand(t.database, argv);

interface Stored {
  type: string;
  value: string;
  source: string | null;
  threat_type: string | null;
  malware_family: string | null;
  confidence: number;
  tlp: string;
  tags: string[];
  first_seen: string;
  last_seen: string;
}

async function stored(source: string): Promise<Stored[]> {
  return t.database.rows<Stored>(sql`
    select type::text, value, source, threat_type, malware_family, confidence, tlp::text, tags,
      to_char(first_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as first_seen,
      to_char(last_seen at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_seen
    from iocs where workspace_id is null and (source = ${source} or ${source} = '*') order by type, value`);
}

async function addAndRun(name: string, format: string, file: string, extra: string[] = []) {
  const added = await cli(
    'feed',
    'add',
    '--name',
    name,
    '--url',
    `${origin.url}/${file}`,
    '--format',
    format,
    ...extra,
  );
  expect(added.code, added.stderr).toBe(0);
  expect(added.json).toMatchObject({ name, format, every: '1h', last_run: null, last_error: null });
  const run = await cli('feed', 'run', name);
  expect(run.code, run.stderr).toBe(0);
  const { read, created, updated, unchanged, rejected } = run.json.last_run;
  expect(read).toBe(created + updated + unchanged + rejected);
  return run.json;
}

describe('feed formats', () => {
  it('urlhaus: abuse.ch’s CSV dump, comment lines skipped, times in UTC, tags split', async () => {
    origin.serve('/urlhaus/csv_recent.txt', { body: fixture('urlhaus.csv'), etag: '"uh-1"', gzip: true });
    const feed = await addAndRun('URLhaus', 'urlhaus', 'urlhaus/csv_recent.txt');
    expect(feed.last_run).toEqual({ read: 4, created: 3, updated: 0, unchanged: 0, rejected: 1 });
    expect(feed.last_error).toBeNull();
    expect(feed.last_success_at).toEqual(expect.any(String));
    const rows = await stored('URLhaus');
    expect(rows.map((r) => r.value)).toEqual([
      'http://198.51.100.23:48213/i',
      'http://203.0.113.77/bins/x86',
      'https://files.evil-updates.example/setup.exe',
    ]);
    expect(rows[0]).toMatchObject({
      type: 'url',
      threat_type: 'malware_download',
      tags: ['32-bit', 'elf', 'mips', 'Mozi'],
      first_seen: '2026-12-01T10:14:07Z',
    });
    // Offline since: last_online empty, the time it was added stands.
    expect(rows[1]).toMatchObject({ last_seen: '2026-12-01T10:10:02Z' });
    // The answer came gzip-compressed, and was asked for so.
    const [first] = origin.requests.filter((r) => r.path === '/urlhaus/csv_recent.txt');
    expect(first!.headers['accept-encoding']).toContain('gzip');
  });

  it('answers 304 to the next pull: a success that reads nothing, nothing moved', async () => {
    const before = await t.database.rows<{ updated_at: string }>(
      sql`select updated_at::text from iocs where source = 'URLhaus' order by id`,
    );
    const run = await cli('feed', 'run', 'URLhaus');
    expect(run.code).toBe(0);
    expect(run.json.last_run).toEqual({ read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 });
    const conditional = origin.requests.filter((r) => r.path === '/urlhaus/csv_recent.txt').at(-1)!;
    expect(conditional.headers['if-none-match']).toBe('"uh-1"');
    expect(conditional.status).toBe(304);
    expect(
      await t.database.rows<{ updated_at: string }>(
        sql`select updated_at::text from iocs where source = 'URLhaus' order by id`,
      ),
    ).toEqual(before);
  });

  it('reads a changed document again: what it already holds counts as unchanged and does not move', async () => {
    origin.serve('/urlhaus/csv_recent.txt', { body: fixture('urlhaus.csv'), etag: '"uh-2"' });
    const run = await cli('feed', 'run', 'URLhaus');
    expect(run.json.last_run).toEqual({ read: 4, created: 0, updated: 0, unchanged: 3, rejected: 1 });
  });

  it('uses Last-Modified when the server sends no ETag', async () => {
    origin.serve('/lists/plain.txt', { body: fixture('blocklist.txt'), lastModified: 'Tue, 01 Dec 2026 10:00:00 GMT' });
    const feed = await addAndRun('Plain list', 'text', 'lists/plain.txt');
    expect(feed.last_run).toMatchObject({ created: 5, rejected: 1 });
    const again = await cli('feed', 'run', 'Plain list');
    expect(again.json.last_run.read).toBe(0);
    const last = origin.requests.filter((r) => r.path === '/lists/plain.txt').at(-1)!;
    expect(last.headers['if-modified-since']).toBe('Tue, 01 Dec 2026 10:00:00 GMT');
  });

  it('text: one value a line, defanged forms, types detected', async () => {
    const rows = await stored('Plain list');
    expect(rows.map((r) => `${r.type} ${r.value}`)).toEqual([
      'domain bad-domain.example',
      'ipv4 198.51.100.7',
      'ipv6 2001:db8::dead',
      'md5 44d88612fea8a8f36de82e1278abb02f',
      'url https://phish.example/login',
    ]);
  });

  it('threatfox: the JSON export, ports dropped, confidence and malware kept', async () => {
    origin.serve('/threatfox/recent.json', { body: fixture('threatfox.json'), contentType: 'application/json' });
    const feed = await addAndRun('ThreatFox', 'threatfox', 'threatfox/recent.json');
    expect(feed.last_run).toEqual({ read: 5, created: 4, updated: 0, unchanged: 0, rejected: 1 });
    const rows = await stored('ThreatFox');
    expect(rows.map((r) => `${r.type} ${r.value}`)).toEqual([
      'domain login-portal-verify.example',
      'ipv4 192.0.2.44',
      'ipv6 2001:db8::5',
      'sha256 5f2b7f6ac3d6e0a7b1c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7',
    ]);
    expect(rows[1]).toMatchObject({
      threat_type: 'botnet_cc',
      malware_family: 'Cobalt Strike',
      confidence: 100,
      tags: ['c2', 'CobaltStrike'],
      first_seen: '2026-11-30T21:04:11Z',
    });
    expect(rows[0]).toMatchObject({ confidence: 75, last_seen: '2026-12-01T08:00:00Z' });
  });

  it('stix: a bundle, object by object; objects of other kinds are not records', async () => {
    origin.serve('/stix/bundle.json', { body: fixture('bundle.json'), contentType: 'application/stix+json' });
    const feed = await addAndRun('Partner STIX', 'stix', 'stix/bundle.json');
    expect(feed.last_run).toEqual({ read: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });
    const rows = await stored('Partner STIX');
    expect(rows.map((r) => `${r.type} ${r.value}`)).toEqual([
      'domain stix-feed-domain.example',
      'ipv4 203.0.113.150',
      'url https://stix-feed-domain.example/gate',
    ]);
    expect(rows[1]).toMatchObject({ confidence: 85 });
  });

  it('csv: the product’s own CSV, its source column winning over the feed’s name', async () => {
    origin.serve('/partner/iocs.csv', { body: fixture('iocs.csv'), contentType: 'text/csv' });
    const feed = await addAndRun('Partner CSV', 'csv', 'partner/iocs.csv');
    expect(feed.last_run).toEqual({ read: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });
    const rows = await stored('*');
    const bySource = (value: string) => rows.find((r) => r.value === value)?.source;
    expect(bySource('csv-feed-one.example')).toBe('partner-intel');
    expect(bySource('198.51.100.99')).toBe('Partner CSV');
  });

  it('misp: the feed folder; only events whose timestamp changed are fetched again', async () => {
    const base = '/misp-feed';
    for (const name of [
      'manifest.json',
      '5e6f4a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b.json',
      '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json',
    ])
      origin.serve(`${base}/${name}`, {
        body: fixture(`misp/${name}`),
        contentType: 'application/json',
        ...(name === 'manifest.json' ? { etag: '"m1"' } : {}),
      });
    const feed = await addAndRun('Partner MISP', 'misp', 'misp-feed/');
    // to_ids false, deleted and unreadable types are passed over; objects’ attributes are read.
    expect(feed.last_run).toEqual({ read: 5, created: 5, updated: 0, unchanged: 0, rejected: 0 });
    const rows = await stored('Partner MISP');
    expect(rows.map((r) => `${r.type} ${r.value}`)).toEqual([
      'domain secure-bank-login.example',
      'email alerts@secure-bank-login.example',
      'ipv4 198.51.100.200',
      'sha256 9e107d9d372bb6826bd81d3542a419d6e277d4d731479571562b82f74494341f',
      'url http://loader-cdn.example/get.php',
    ]);
    expect(rows[0]).toMatchObject({
      tlp: 'clear',
      tags: ['phishing-wave', 'kit:16shop'],
      first_seen: '2026-11-28T00:00:00Z',
    });
    expect(rows[3]).toMatchObject({ tlp: 'amber' });

    // One event changes: the manifest says so, and only that event is fetched.
    const manifest = JSON.parse(fixture('misp/manifest.json').toString());
    manifest['7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d'].timestamp = '1764600000';
    const event = JSON.parse(fixture('misp/7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json').toString());
    event.Event.Attribute.push({
      type: 'domain',
      value: 'second-stage.example',
      to_ids: true,
      deleted: false,
      timestamp: '1764599000',
      uuid: 'c1d2e3f4-0003-4e5f-8a9b-0c1d2e3f4a5b',
    });
    origin.serve(`${base}/manifest.json`, { body: JSON.stringify(manifest), etag: '"m2"' });
    origin.serve(`${base}/7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json`, { body: JSON.stringify(event) });
    const seen = origin.requests.length;
    const again = await cli('feed', 'run', 'Partner MISP');
    expect(again.json.last_run).toEqual({ read: 3, created: 1, updated: 0, unchanged: 2, rejected: 0 });
    expect(origin.requests.slice(seen).map((r) => r.path)).toEqual([
      `${base}/manifest.json`,
      `${base}/7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d.json`,
    ]);
  });

  it('sends the feed’s headers, and shows their names only', async () => {
    origin.serve('/private/list.txt', { body: '198.51.100.250\n' });
    const added = await cli(
      'feed',
      'add',
      '--name',
      'Private list',
      '--url',
      `${origin.url}/private/list.txt`,
      '--format',
      'text',
      '--every',
      '15m',
      '--header',
      'Authorization: Bearer partner-token-123',
      '--header',
      'X-Partner: acme',
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ every: '15m', header_names: ['Authorization', 'X-Partner'] });
    expect(added.stdout).not.toContain('partner-token-123');
    const stored = await t.database.rows<{ headers: string }>(
      sql`select headers from feeds where name = 'Private list'`,
    );
    expect(stored[0]!.headers).not.toContain('partner-token-123');
    await cli('feed', 'run', 'Private list');
    const request = origin.requests.find((r) => r.path === '/private/list.txt')!;
    expect(request.headers.authorization).toBe('Bearer partner-token-123');
    expect(request.headers['x-partner']).toBe('acme');
    const listed = await cli('feed', 'list');
    expect(listed.stdout).not.toContain('partner-token-123');
    expect(listed.json.feeds.map((f: { name: string }) => f.name)).toContain('Private list');
  });

  it('fails a pull clearly, exits non-zero, keeps the error, and goes on when the source answers again', async () => {
    const added = await cli('feed', 'add', '--name', 'Gone', '--url', `${origin.url}/gone.txt`, '--format', 'text');
    expect(added.code).toBe(0);
    const run = await cli('feed', 'run', 'Gone');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: the pull failed: the server answered 404 Not Found\n');
    expect(JSON.parse(run.stdout)).toMatchObject({
      name: 'Gone',
      last_error: 'the server answered 404 Not Found',
      last_success_at: null,
    });
    origin.serve('/gone.txt', { body: 'back-again.example\n' });
    const back = await cli('feed', 'run', 'Gone');
    expect(back.code).toBe(0);
    expect(back.json).toMatchObject({ last_error: null, last_run: { created: 1 } });
  });

  it('refuses what is not a feed: bad format, bad schedule, a name taken, an unknown feed', async () => {
    const bad = await cli('feed', 'add', '--name', 'X', '--url', `${origin.url}/x`, '--format', 'rss');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--format must be one of stix, taxii, misp, csv, urlhaus, threatfox, text');
    const every = await cli(
      'feed',
      'add',
      '--name',
      'X',
      '--url',
      `${origin.url}/x`,
      '--format',
      'text',
      '--every',
      '5m',
    );
    expect(every.stderr).toBe(
      'error: Invalid parameter every: must be a duration from 15m to 7d: a number and m, h or d (e.g. 1h).\n',
    );
    const taken = await cli('feed', 'add', '--name', 'URLhaus', '--url', `${origin.url}/x`, '--format', 'text');
    expect(taken.stderr).toContain('a feed named "URLhaus" exists already');
    const unknown = await cli('feed', 'run', 'Nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no feed named "Nope"');
    const noName = await cli('feed', 'run');
    expect(noName.stderr).toContain('the name is required');
    const removed = await cli('feed', 'remove', 'Gone');
    expect(removed.code).toBe(0);
    // The IOCs it brought stay.
    expect(await stored('Gone')).toHaveLength(1);
  });
});
