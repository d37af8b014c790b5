/**
 * Feeds out (docs/api.md §14): block lists for firewalls (`/api/v1/blocklists/{type}.txt`, active
 * values one a line, filters, Basic credentials, `ETag`/`Last-Modified` and 304) and the MISP feed
 * (`/misp/{shared|own}/manifest.json`, `hashes.csv`, `{uuid}.json`), read by a real HTTP client on
 * a loopback port, and the MISP feed pulled back by this product's own `misp` reader as a MISP
 * instance would. Each workspace sees only what it may.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mispEventUuid } from '../../src/feeds/mispFeed.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { insertIocs } from '../support/fixtures.js';

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let workspaceId: string;
let key: string;
let otherKey: string;
let noRead: string;
const DAY = '2026-11-20';
beforeAll(async () => {
  t = await createTestApp();
  server = await t.listen();
  workspaceId = (await t.createWorkspace()).id;
  const otherId = (await t.createWorkspace()).id;
  key = (await t.createKey(workspaceId, { permissions: ['iocs:read', 'iocs:write'] })).key;
  otherKey = (await t.createKey(otherId)).key;
  noRead = (await t.createKey(workspaceId, { permissions: ['watchlists:read'] })).key;
  const seen = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  await insertIocs(t.database.db, [
    {
      type: 'domain',
      value: 'old-shared.example',
      source: 'URLhaus',
      firstSeen: `${DAY}T08:00:00Z`,
      lastSeen: seen(30),
      confidence: 40,
      tags: ['phishing'],
    },
    {
      type: 'domain',
      value: 'new-shared.example',
      source: 'URLhaus',
      firstSeen: `${DAY}T09:00:00Z`,
      lastSeen: seen(5),
      confidence: 90,
    },
    { type: 'domain', value: 'revoked.example', source: 'URLhaus', firstSeen: `${DAY}T10:00:00Z`, revoked: true },
    {
      type: 'domain',
      value: 'expired.example',
      source: 'ThreatFox',
      firstSeen: `${DAY}T11:00:00Z`,
      lastSeen: '2025-01-01T00:00:00Z',
    },
    { type: 'domain', value: 'judged.example', source: 'ThreatFox', firstSeen: `${DAY}T12:00:00Z` },
    { type: 'ipv4', value: '45.133.1.10', source: 'ThreatFox', firstSeen: '2026-11-21T00:30:00Z' },
    { type: 'domain', value: 'own.example', workspaceId, source: 'analysts', firstSeen: `${DAY}T13:00:00Z` },
    {
      type: 'domain',
      value: 'others-own.example',
      workspaceId: otherId,
      source: 'analysts',
      firstSeen: `${DAY}T13:00:00Z`,
    },
  ]);
  // The workspace judges one shared IOC benign: it leaves its lists (and its MISP feed marks it not for IDS).
  const judged = await fetch(`${server.url}/api/v1/sightings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sightings: [{ value: 'judged.example', false_positive: true, reason: 'our CDN' }] }),
  });
  expect(judged.status).toBe(200);
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const get = (path: string, headers: Record<string, string> = { authorization: `Bearer ${key}` }) =>
  fetch(`${server.url}${path}`, { headers });
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('block lists', () => {
  it('serves the active values of a type, one a line, newest first, without what the workspace hides', async () => {
    const answer = await get('/api/v1/blocklists/domain.txt');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await answer.text()).toBe('own.example\nnew-shared.example\nold-shared.example\n');
  });

  it('filters by score, confidence, tag, source and owner, and stops at limit', async () => {
    const text = async (query: string) => (await get(`/api/v1/blocklists/domain.txt?${query}`)).text();
    expect(await text('min_confidence=80')).toBe('new-shared.example\n');
    expect(await text('tag=phishing')).toBe('old-shared.example\n');
    expect(await text('source=analysts')).toBe('own.example\n');
    expect(await text('own=true')).toBe('own.example\n');
    expect(await text('own=false')).toBe('new-shared.example\nold-shared.example\n');
    expect(await text('limit=1')).toBe('own.example\n');
    expect(await text('min_score=85')).toBe('new-shared.example\n');
    expect(await (await get('/api/v1/blocklists/ipv4.txt')).text()).toBe('45.133.1.10\n');
    expect(await (await get('/api/v1/blocklists/sha256.txt')).text()).toBe('');
  });

  it('takes HTTP Basic with the key as password or user name, as firewalls send it', async () => {
    for (const authorization of [basic('paloalto', key), basic(key, '')]) {
      const answer = await get('/api/v1/blocklists/domain.txt', { authorization });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('own.example');
    }
    const wrong = await get('/api/v1/blocklists/domain.txt', { authorization: basic('fw', 'sk_live_wrong') });
    expect(wrong.status).toBe(401);
  });

  it('answers 304 to a conditional GET while nothing changed, and the new list after a change', async () => {
    const first = await get('/api/v1/blocklists/domain.txt');
    const etag = first.headers.get('etag')!;
    const lastModified = first.headers.get('last-modified')!;
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
    const again = await get('/api/v1/blocklists/domain.txt', { authorization: `Bearer ${key}`, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(etag);
    const since = await get('/api/v1/blocklists/domain.txt', {
      authorization: `Bearer ${key}`,
      'if-modified-since': lastModified,
    });
    expect(since.status).toBe(304);
    // Another filter is another list.
    const filtered = await get('/api/v1/blocklists/domain.txt?own=true', {
      authorization: `Bearer ${key}`,
      'if-none-match': etag,
    });
    expect(filtered.status).toBe(200);
    await insertIocs(t.database.db, [{ type: 'domain', value: 'newest.example', source: 'URLhaus' }]);
    const changed = await get('/api/v1/blocklists/domain.txt', {
      authorization: `Bearer ${key}`,
      'if-none-match': etag,
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect((await changed.text()).split('\n')[0]).toBe('newest.example');
  });

  it('keeps each workspace to what it may read', async () => {
    const other = await get('/api/v1/blocklists/domain.txt', { authorization: `Bearer ${otherKey}` });
    const lines = (await other.text()).split('\n');
    expect(lines).toContain('others-own.example');
    expect(lines).toContain('judged.example');
    expect(lines).not.toContain('own.example');
  });

  it('answers errors in the SOC dialect: no key 401 (saying Basic is taken), no permission 403, unknown type 404', async () => {
    const none = await fetch(`${server.url}/api/v1/blocklists/domain.txt`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="threat-intel-api", Bearer');
    expect((await none.json()).error.code).toBe('missing_api_key');
    const denied = await get('/api/v1/blocklists/domain.txt', { authorization: `Bearer ${noRead}` });
    expect(denied.status).toBe(403);
    const unknown = await get('/api/v1/blocklists/email.txt');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({
      code: 'not_found',
      message: 'No block list of type "email": ipv4, ipv6, domain, url, sha256, md5, sha1.',
    });
    const bad = await get('/api/v1/blocklists/domain.txt?limit=150001');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toBe('Invalid parameter limit: must be a whole number from 1 to 150000.');
    const inQuery = await fetch(`${server.url}/api/v1/blocklists/domain.txt?api_key=${key}`);
    expect(inQuery.status).toBe(400);
  });
});

describe('the MISP feed', () => {
  const sharedEvent = mispEventUuid(null, 'URLhaus', DAY);

  it('lists one event per source and UTC day of first seen, with stable UUIDs and the newest change', async () => {
    const answer = await get('/misp/shared/manifest.json');
    expect(answer.status).toBe(200);
    const manifest = (await answer.json()) as Record<string, { info: string; date: string; timestamp: string }>;
    expect(Object.keys(manifest).sort()).toEqual(
      [
        sharedEvent,
        mispEventUuid(null, 'ThreatFox', DAY),
        mispEventUuid(null, 'ThreatFox', '2026-11-21'),
        mispEventUuid(null, 'URLhaus', new Date().toISOString().slice(0, 10)),
      ].sort(),
    );
    expect(manifest[sharedEvent]).toMatchObject({
      date: DAY,
      info: `URLhaus: first seen ${DAY}`,
      Orgc: { name: 'Shared feed' },
    });
    expect(Number(manifest[sharedEvent]!.timestamp)).toBeGreaterThan(Date.now() / 1000 - 600);
    // The same UUIDs in the database's derivation.
    const [row] = await t.database.rows<{ uuid: string }>(
      sql`select misp_event_uuid(null, 'URLhaus', ${`${DAY}T08:00:00Z`}::timestamptz)::text as uuid`,
    );
    expect(row!.uuid).toBe(sharedEvent);
  });

  it('serves an event with attributes typed for MISP, to_ids false for what is not active', async () => {
    const answer = await get(`/misp/shared/${sharedEvent}.json`);
    expect(answer.status).toBe(200);
    const { Event } = (await answer.json()) as { Event: Record<string, any> };
    expect(Event).toMatchObject({ uuid: sharedEvent, date: DAY, info: `URLhaus: first seen ${DAY}`, published: true });
    const attributes = Event.Attribute as {
      value: string;
      type: string;
      to_ids: boolean;
      category: string;
      Tag: { name: string }[];
      uuid: string;
    }[];
    expect(attributes.map((a) => [a.value, a.type, a.to_ids]).sort()).toEqual([
      ['new-shared.example', 'domain', true],
      ['old-shared.example', 'domain', true],
      ['revoked.example', 'domain', false],
    ]);
    expect(attributes[0]).toMatchObject({ category: 'Network activity', deleted: false });
    expect(attributes.find((a) => a.value === 'old-shared.example')!.Tag).toEqual([
      { name: 'tlp:clear' },
      { name: 'phishing' },
    ]);
    // The workspace's judgement: its view of the other event marks it not for IDS.
    const threatfox = (await (await get(`/misp/shared/${mispEventUuid(null, 'ThreatFox', DAY)}.json`)).json()) as {
      Event: { Attribute: { value: string; to_ids: boolean }[] };
    };
    expect(threatfox.Event.Attribute.map((a) => [a.value, a.to_ids]).sort()).toEqual([
      ['expired.example', false],
      ['judged.example', false],
    ]);
  });

  it('serves the workspace’s own as its own collection, never another’s', async () => {
    const own = (await (await get('/misp/own/manifest.json')).json()) as Record<string, unknown>;
    expect(Object.keys(own)).toEqual([mispEventUuid(workspaceId, 'analysts', DAY)]);
    const others = await get(`/misp/own/${mispEventUuid(workspaceId, 'analysts', DAY)}.json`, {
      authorization: `Bearer ${otherKey}`,
    });
    expect(others.status).toBe(404);
    expect((await others.json()).error.code).toBe('not_found');
    expect((await get(`/misp/shared/${mispEventUuid(workspaceId, 'analysts', DAY)}.json`)).status).toBe(404);
    expect((await get('/misp/everything/manifest.json')).status).toBe(404);
    expect((await fetch(`${server.url}/misp/shared/manifest.json`)).status).toBe(401);
  });

  it('serves hashes.csv: md5 of each value and its event', async () => {
    const answer = await get('/misp/shared/hashes.csv', { authorization: basic('misp', key) });
    expect(answer.status).toBe(200);
    const lines = (await answer.text()).trim().split('\n');
    const md5 = createHash('md5').update('old-shared.example').digest('hex');
    expect(lines).toContain(`${md5},${sharedEvent}`);
    expect(lines).toHaveLength(7);
  });

  it('is read back by a MISP feed reader: events, types and to_ids as MISP would take them', async () => {
    const mirror = await createTestApp();
    try {
      const added = await runCommand(mirror.database, [
        'feed',
        'add',
        '--name',
        'Upstream',
        '--url',
        `${server.url}/misp/shared/`,
        '--format',
        'misp',
        '--header',
        `Authorization: Bearer ${key}`,
      ]);
      expect(added.code, added.stderr).toBe(0);
      const run = await runCommand(mirror.database, ['feed', 'run', 'Upstream']);
      expect(run.code, run.stderr).toBe(0);
      // to_ids false (revoked, expired, judged) is passed over; the rest arrives.
      const values = await mirror.database.rows<{ value: string }>(sql`select value from iocs order by value`);
      expect(values.map((v) => v.value)).toEqual([
        '45.133.1.10',
        'new-shared.example',
        'newest.example',
        'old-shared.example',
      ]);
      const again = await runCommand(mirror.database, ['feed', 'run', 'Upstream']);
      expect(again.json.last_run.read).toBe(0);
    } finally {
      await mirror.close();
    }
  });
});
