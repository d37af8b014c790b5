/**
 * TAXII 2.1 (docs/api.md §11) on a real HTTP server, through a client that behaves as the OASIS
 * taxii2-client does (test/taxii/client.ts) and as OpenCTI's TAXII ingester does (`next` and
 * `added_after` together, `added_after` from `X-TAXII-Date-Added-Last`): discovery, API root,
 * collections, paged objects and manifest, an object and its versions, the filters, HTTP Basic,
 * media types, TAXII error messages, workspaces apart, and every object valid STIX 2.1 and the same
 * as the export's.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_FEED_COLLECTION_ID, ownCollectionId } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertIocs } from '../support/fixtures.js';
import { expectValidStix } from '../support/stix.js';
import { repoRoot } from '../support/process.js';
import { expectValidStatus, TAXII_ACCEPT, TaxiiClient, TaxiiError, type Envelope } from './client.js';
import { clockPasses, until } from '../support/timing.js';

const TAXII_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let workspaceId: string;
let key: string;
let readOnly: string;
let noRead: string;
let otherWorkspaceId: string;
let otherKey: string;

/** 250 feed IOCs, 3 of the workspace's own and 2 of another workspace's, written in separate statements so that their times differ. */
beforeAll(async () => {
  t = await createTestApp({ settleMs: 0 });
  server = await t.listen();
  workspaceId = (await t.createWorkspace({ plan: 'pro' })).id;
  key = (await t.createKey(workspaceId)).key;
  readOnly = (await t.createKey(workspaceId, { permissions: ['iocs:read'] })).key;
  noRead = (await t.createKey(workspaceId, { permissions: ['watchlists:read'] })).key;
  otherWorkspaceId = (await t.createWorkspace()).id;
  otherKey = (await t.createKey(otherWorkspaceId)).key;
  for (let batch = 0; batch < 5; batch++) {
    await insertIocs(
      t.database.db,
      Array.from({ length: 50 }, (_, i) => ({
        type: 'ipv4' as const,
        value: `198.51.${batch}.${i + 1}`,
        tags: i % 2 ? ['botnet'] : [],
        tlp: 'amber' as const,
      })),
    );
  }
  await insertIocs(t.database.db, [
    { type: 'domain', value: 'own-one.example', workspaceId },
    { type: 'sha256', value: 'b'.repeat(64), workspaceId },
    { type: 'url', value: "https://own.example/it's", workspaceId },
  ]);
  await insertIocs(t.database.db, [
    { type: 'domain', value: 'secret-of-another.example', workspaceId: otherWorkspaceId },
    { type: 'ipv4', value: '192.0.2.200', workspaceId: otherWorkspaceId },
  ]);
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const client = (user: string, password = 'x') => new TaxiiClient({ user, password });
const bundleOf = (objects: unknown[]) => ({
  type: 'bundle',
  id: 'bundle--6b2e3a4c-1d2e-4f5a-8b9c-0d1e2f3a4b5c',
  objects,
});

async function raw(
  path: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
  k: string | null = key,
) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { accept: TAXII_ACCEPT, ...(k ? { authorization: `Bearer ${k}` } : {}), ...init.headers },
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

async function pullAll(
  c: TaxiiClient,
  collectionUrl: string,
  perRequest: number,
  filters: Record<string, string> = {},
  resource = 'objects',
) {
  const objects: Record<string, unknown>[] = [];
  const pages: { headers: Headers; body: Envelope }[] = [];
  for await (const page of c.pages(collectionUrl, perRequest, filters, resource)) {
    pages.push(page);
    objects.push(...(page.body.objects ?? []));
  }
  return { objects, pages };
}

describe('discovery, API root and collections, as taxii2-client reads them', () => {
  it('finds the API root and both collections with the key as the Basic user name', async () => {
    const c = client(key, 'anything');
    const discovery = await c.discover(`${server.url}/taxii2`);
    expect(discovery.default).toBe('/taxii2/api/');
    expect(discovery.apiRoots).toEqual([`${server.url}/taxii2/api/`]);
    const root = await c.apiRoot(discovery.apiRoots[0]!);
    expect(root.versions).toEqual([TAXII_ACCEPT]);
    expect(root.max_content_length).toBe(10 * 1024 * 1024);
    expect(root.collections.map((collection) => collection.id)).toEqual([
      SHARED_FEED_COLLECTION_ID,
      ownCollectionId(workspaceId),
    ]);
    for (const { url } of root.collections) {
      const collection = await c.collection(url);
      expect(collection.media_types).toEqual(['application/stix+json;version=2.1']);
      expect(collection.can_read).toBe(true);
    }
    expect(root.collections.map((collection) => collection.can_write)).toEqual([false, true]);
  });

  it('takes the key as the Basic password too, and says what it takes on a 401', async () => {
    const asPassword = await client('sentinel', key).collection(
      `${server.url}/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/`,
    );
    expect(asPassword.id).toBe(SHARED_FEED_COLLECTION_ID);
    // A key one character off (never the same character: one key in 62 ends with any given one).
    const wrongKey = `${key.slice(0, -1)}${key.endsWith('x') ? 'y' : 'x'}`;
    for (const attempt of [client('nobody', 'wrong'), client(wrongKey, '')]) {
      const error = await attempt.discover(`${server.url}/taxii2/`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TaxiiError);
      expect((error as TaxiiError).status).toBe(401);
      expect((error as TaxiiError).headers.get('www-authenticate')).toBe('Basic realm="taxii2", Bearer');
    }
    const none = await raw('/taxii2/', {}, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="taxii2", Bearer');
    expect(none.headers.get('content-type')).toBe(TAXII_ACCEPT);
    expect(none.json).toEqual({
      title: 'Unauthorized',
      description:
        'API key is required. Include it in the Authorization header as "Bearer sk_live_..." or in the X-API-Key header.',
      http_status: '401',
      error_code: 'missing_api_key',
      request_id: none.headers.get('x-request-id'),
    });
    // X-API-Key as everywhere; Basic nowhere but TAXII.
    expect((await raw('/taxii2/', { headers: { 'x-api-key': key } }, null)).status).toBe(200);
    const basic = `Basic ${Buffer.from(`${key}:x`).toString('base64')}`;
    expect((await fetch(`${server.url}/api/v1/iocs`, { headers: { authorization: basic } })).status).toBe(401);
  });

  it('shows can_read and can_write as the key’s permissions allow', async () => {
    const readOnlyRoot = await client(readOnly).apiRoot(`${server.url}/taxii2/api/`);
    expect(readOnlyRoot.collections.map((collection) => [collection.can_read, collection.can_write])).toEqual([
      [true, false],
      [true, false],
    ]);
    const noReadRoot = await client(noRead).apiRoot(`${server.url}/taxii2/api/`);
    expect(noReadRoot.collections.map((collection) => collection.can_read)).toEqual([false, false]);
  });

  it('answers another workspace’s collection id and an unknown one with 404, as a TAXII error', async () => {
    for (const id of [ownCollectionId(otherWorkspaceId), '00000000-0000-4000-8000-000000000000']) {
      for (const path of [
        `/taxii2/api/collections/${id}/`,
        `/taxii2/api/collections/${id}/objects/`,
        `/taxii2/api/collections/${id}/manifest/`,
      ]) {
        const answer = await raw(path);
        expect(answer.status, path).toBe(404);
        expect(answer.json).toMatchObject({ http_status: '404', error_code: 'not_found' });
      }
    }
  });
});

describe('objects', () => {
  const shared = () => `${server.url}/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/`;
  const own = () => `${server.url}/taxii2/api/collections/${ownCollectionId(workspaceId)}/`;

  it('pages the shared feed with limit then next, every object once, valid STIX 2.1, in date_added order', async () => {
    const { objects, pages } = await pullAll(client(key), shared(), 40);
    expect(pages).toHaveLength(7);
    expect(objects).toHaveLength(250);
    expect(new Set(objects.map((o) => o.id)).size).toBe(250);
    expectValidStix(bundleOf(objects));
    expect(objects.every((o) => o.type === 'indicator' && o.spec_version === '2.1')).toBe(true);
    // Only the feed: nothing of a workspace's own.
    expect(objects.some((o) => String(o.pattern).includes('example'))).toBe(false);
    for (const page of pages) {
      const first = page.headers.get('x-taxii-date-added-first')!;
      const last = page.headers.get('x-taxii-date-added-last')!;
      expect(first).toMatch(TAXII_TIMESTAMP);
      expect(last).toMatch(TAXII_TIMESTAMP);
      expect(first <= last).toBe(true);
      if (page.body.more) expect(page.body.next).toBeTruthy();
      else expect(page.body.next).toBeUndefined();
    }
    // The manifest lists the same objects in the same order, with their date_added.
    const manifest = await pullAll(client(key), shared(), 100, {}, 'manifest');
    expect(manifest.objects.map((record) => record.id)).toEqual(objects.map((o) => o.id));
    const added = manifest.objects.map((record) => String(record.date_added));
    expect(added.every((date) => TAXII_TIMESTAMP.test(date))).toBe(true);
    expect([...added].sort()).toEqual(added);
    expect(manifest.objects[0]).toEqual({
      id: objects[0]!.id,
      date_added: added[0],
      version: objects[0]!.modified,
      media_type: 'application/stix+json;version=2.1',
    });
  });

  it('holds the export’s indicators: the same ids, patterns and markings', async () => {
    const exported = await t.fetch('/api/v1/iocs/export?format=stix', { headers: { authorization: `Bearer ${key}` } });
    const bundle = (await exported.json()) as { objects: Record<string, unknown>[] };
    const byId = new Map(bundle.objects.filter((o) => o.type === 'indicator').map((o) => [o.id, o]));
    const { objects } = await pullAll(client(key), own(), 100);
    expect(objects).toHaveLength(3);
    for (const object of [...objects, ...(await pullAll(client(key), shared(), 1000)).objects])
      expect(object).toEqual(byId.get(object.id));
    expect(objects.map((o) => o.pattern).sort()).toEqual([
      "[domain-name:value = 'own-one.example']",
      "[file:hashes.'SHA-256' = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb']",
      "[url:value = 'https://own.example/it\\'s']",
    ]);
  });

  it('keeps each workspace’s own collection to itself', async () => {
    const { objects } = await pullAll(
      client(otherKey),
      `${server.url}/taxii2/api/collections/${ownCollectionId(otherWorkspaceId)}/`,
      100,
    );
    expect(objects.map((o) => o.name).sort()).toEqual(['192.0.2.200', 'secret-of-another.example']);
    const mine = await pullAll(client(key), own(), 100);
    expect(mine.objects.some((o) => String(o.name).includes('another'))).toBe(false);
  });

  it('serves 100 by default and clamps a larger limit to 1000', async () => {
    const plain = await client(key).get<Envelope>(`${shared()}objects/`);
    expect(plain.body.objects).toHaveLength(100);
    expect(plain.body.more).toBe(true);
    await insertIocs(
      t.database.db,
      Array.from({ length: 900 }, (_, i) => ({ type: 'md5' as const, value: i.toString(16).padStart(32, '0') })),
    );
    const clamped = await client(key).get<Envelope>(`${shared()}objects/`, { limit: 5000 });
    expect(clamped.body.objects).toHaveLength(1000);
    expect(clamped.body.more).toBe(true);
    const rest = await client(key).get<Envelope>(`${shared()}objects/`, { limit: 5000, next: clamped.body.next });
    expect(rest.body.objects).toHaveLength(150);
    expect(rest.body.more).toBe(false);
  });
});

describe('polling as OpenCTI does', () => {
  it('sends next with added_after, restarts from X-TAXII-Date-Added-Last, and misses nothing added meanwhile', async () => {
    const own = `${server.url}/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`;
    const c = client(key);
    // First run: no state, no limit: the server's default page.
    const first = await c.get<Envelope>(own, { limit: 2 });
    expect(first.body.objects).toHaveLength(2);
    expect(first.body.more).toBe(true);
    const addedAfterStart = '2000-01-01T00:00:00.000Z';
    // Rows added between two pages land after the cursor: the `next` still holds.
    await submit(['added-meanwhile.example']);
    const seen = (first.body.objects ?? []).map((o) => o.name);
    let page = first;
    let last = first.headers.get('x-taxii-date-added-last');
    while (page.body.more) {
      page = await c.get<Envelope>(own, { next: page.body.next, added_after: addedAfterStart, limit: 2 });
      seen.push(...(page.body.objects ?? []).map((o) => o.name));
      last = page.headers.get('x-taxii-date-added-last') ?? last;
    }
    expect(seen).toEqual(['own-one.example', 'b'.repeat(64), "https://own.example/it's", 'added-meanwhile.example']);
    // Next run: added_after from the header (OpenCTI keeps it at millisecond precision), no cursor.
    const stored = new Date(last!).toISOString();
    const quiet = await c.get<Envelope>(own, { added_after: stored });
    expect(quiet.body).toEqual({ more: false });
    expect(quiet.headers.get('x-taxii-date-added-last')).toBeNull();
    await submit(['later-one.example', 'later-two.example']);
    const later = await c.get<Envelope>(own, { added_after: stored });
    // One statement wrote both: one date_added, in id order.
    expect(later.body.objects?.map((o) => o.name).sort()).toEqual(['later-one.example', 'later-two.example']);
    expect(later.body.more).toBe(false);
  });
});

async function submit(values: string[], k = key) {
  const response = await t.fetch('/api/v1/iocs', {
    method: 'POST',
    headers: { authorization: `Bearer ${k}` },
    body: JSON.stringify({ iocs: values.map((value) => ({ value })) }),
  });
  expect(response.status).toBe(200);
  // Another statement's now(): the next write is later.
  await clockPasses(5);
}

describe('filters, an object and its versions', () => {
  const objects = (id = SHARED_FEED_COLLECTION_ID) => `/taxii2/api/collections/${id}/objects/`;

  it('matches by type, id, version and spec_version', async () => {
    const sample = (await raw(`${objects()}?limit=3`)).json as { objects: Record<string, unknown>[] };
    const [a, b] = sample.objects;
    const ids = `${String(a!.id)},${String(b!.id)}`;
    const count = async (query: string) => {
      const answer = await raw(`${objects()}?${query}`);
      expect(answer.status, `${query}: ${answer.text}`).toBe(200);
      return (answer.json as Envelope).objects?.length ?? 0;
    };
    expect(await count(`match[id]=${ids}`)).toBe(2);
    expect(await count(`match[id]=${String(a!.id)}&match[version]=last`)).toBe(1);
    expect(await count(`match[id]=${String(a!.id)}&match[version]=${String(a!.modified)}`)).toBe(1);
    expect(await count(`match[id]=${String(a!.id)}&match[version]=2001-01-01T00:00:00Z`)).toBe(0);
    expect(await count('match[type]=indicator&limit=5')).toBe(5);
    expect(await count('match[type]=file,ipv4-addr')).toBe(0);
    expect(await count('match[spec_version]=2.1&limit=5')).toBe(5);
    expect(await count('match[spec_version]=2.0')).toBe(0);
    expect(await count('match[id]=malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b')).toBe(0);
    const filtered = await raw(`/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/manifest/?match[id]=${ids}`);
    expect((filtered.json as Envelope).objects?.map((record) => record.id)).toEqual([a!.id, b!.id]);
  });

  it('refuses malformed filters with a TAXII error naming them', async () => {
    const cases: [string, string][] = [
      ['match[id]=indicator--nope', 'match[id]'],
      ['match[version]=yesterday', 'match[version]'],
      ['added_after=2026-02-30T00:00:00Z', 'added_after'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['next=not-a-cursor', 'next'],
    ];
    for (const [query, name] of cases) {
      const answer = await raw(`${objects()}?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.json, query).toMatchObject({
        title: 'Bad Request',
        http_status: '400',
        error_code: 'invalid_parameter',
      });
      expect(String(answer.json!.description), query).toContain(name);
    }
  });

  it('serves one object and its versions by id, and 404 for another id', async () => {
    const [object] = ((await raw(`${objects()}?limit=1`)).json as { objects: Record<string, unknown>[] }).objects;
    const one = await raw(`${objects()}${String(object!.id)}/`);
    expect(one.status).toBe(200);
    expect(one.json).toEqual({ more: false, objects: [object] });
    expect(one.headers.get('x-taxii-date-added-first')).toMatch(TAXII_TIMESTAMP);
    const versions = await raw(`${objects()}${String(object!.id)}/versions/`);
    expect(versions.json).toEqual({ more: false, versions: [object!.modified] });
    expect(versions.headers.get('x-taxii-date-added-last')).toBe(one.headers.get('x-taxii-date-added-last'));
    // Without the trailing slash too.
    expect((await raw(`${objects()}${String(object!.id)}`)).status).toBe(200);
    for (const id of [
      'indicator--00000000-0000-4000-8000-000000000000',
      'malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b',
      'nonsense',
    ]) {
      expect((await raw(`${objects()}${id}/`)).status, id).toBe(404);
      expect((await raw(`${objects()}${id}/versions/`)).status, id).toBe(404);
    }
    // Another workspace's own IOC is not an object of the feed, nor of this workspace's collection.
    const theirs = (
      (await raw(`${objects(ownCollectionId(otherWorkspaceId))}?limit=1`, {}, otherKey)).json as {
        objects: Record<string, unknown>[];
      }
    ).objects[0]!;
    expect((await raw(`${objects()}${String(theirs.id)}/`)).status).toBe(404);
    expect((await raw(`${objects(ownCollectionId(workspaceId))}${String(theirs.id)}/`)).status).toBe(404);
  });

  it('needs iocs:read for objects, manifest and versions, any valid key for the rest', async () => {
    for (const path of [objects(), `/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/manifest/`]) {
      const answer = await raw(path, {}, noRead);
      expect(answer.status).toBe(403);
      expect(answer.json).toMatchObject({
        http_status: '403',
        error_code: 'forbidden',
        description: 'Forbidden: this API key lacks the iocs:read permission.',
      });
    }
    for (const path of ['/taxii2/', '/taxii2/api/', '/taxii2/api/collections/'])
      expect((await raw(path, {}, noRead)).status).toBe(200);
  });
});

describe('media types and limits', () => {
  const own = () => `/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`;

  it('answers 406 to an Accept without the TAXII 2.1 media type', async () => {
    for (const accept of [
      'application/json',
      '*/*',
      'application/taxii+json;version=2.0',
      'application/taxii+json;version=2.1;q=0',
    ]) {
      const answer = await raw('/taxii2/api/collections/', { headers: { accept } });
      expect(answer.status, accept).toBe(406);
      expect(answer.headers.get('content-type')).toBe(TAXII_ACCEPT);
      expect(answer.json).toMatchObject({ title: 'Not Acceptable', http_status: '406', error_code: 'not_acceptable' });
    }
    expect(
      (await raw('/taxii2/api/collections/', { headers: { accept: 'application/json, application/taxii+json' } }))
        .status,
    ).toBe(200);
  });

  it('answers 415 to a POST in another media type and 413 beyond 10 MiB, storing nothing', async () => {
    const before = await count();
    const envelope = JSON.stringify({
      objects: [
        {
          type: 'ipv4-addr',
          spec_version: '2.1',
          id: 'ipv4-addr--7e1d4c8b-2f3a-5b6c-9d0e-1f2a3b4c5d6e',
          value: '203.0.113.99',
        },
      ],
    });
    const wrongType = await raw(own(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: envelope,
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.json).toMatchObject({ http_status: '415', error_code: 'unsupported_media_type' });
    const huge = `{"objects":[${'{"type":"note"},'.repeat(700_000)}{}]}`;
    expect(huge.length).toBeGreaterThan(10 * 1024 * 1024);
    const tooLarge = await raw(own(), { method: 'POST', headers: { 'content-type': TAXII_ACCEPT }, body: huge });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json).toMatchObject({ http_status: '413', error_code: 'payload_too_large' });
    expect(await count()).toBe(before);
  });

  it('takes an envelope over 1 MiB (the API root says 10 MiB)', async () => {
    const objects = Array.from({ length: 12_000 }, (_, i) => ({
      type: 'ipv4-addr',
      spec_version: '2.1',
      id: `ipv4-addr--${crypto.randomUUID()}`,
      value: `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
    }));
    const body = JSON.stringify({ objects });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const answer = await raw(own(), { method: 'POST', headers: { 'content-type': TAXII_ACCEPT }, body });
    expect(answer.status, answer.text.slice(0, 300)).toBe(202);
    expect(answer.json).toMatchObject({
      status: 'complete',
      total_count: 12_000,
      success_count: 12_000,
      failure_count: 0,
      pending_count: 0,
    });
  });

  it('answers a method TAXII does not offer here with 405 and Allow, and an unknown path with 404, as TAXII errors', async () => {
    const [object] = (
      (await raw(`/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/objects/?limit=1`)).json as {
        objects: Record<string, unknown>[];
      }
    ).objects;
    const deleted = await raw(`/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/objects/${String(object!.id)}/`, {
      method: 'DELETE',
    });
    expect(deleted.status).toBe(405);
    expect(deleted.headers.get('allow')).toBe('GET');
    expect(deleted.json).toMatchObject({ http_status: '405', error_code: 'method_not_allowed' });
    const unknown = await raw('/taxii2/api/not-a-resource/');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe(TAXII_ACCEPT);
    expect(unknown.json).toMatchObject({ http_status: '404', error_code: 'not_found' });
  });

  it('refuses a key in the query string with a TAXII error', async () => {
    const answer = await raw(`/taxii2/?api_key=${key}`);
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ http_status: '400', error_code: 'api_key_in_query' });
  });
});

async function count(): Promise<number> {
  const [row] = await t.database.rows<{ n: number }>(sql`select count(*)::int as n from iocs`);
  return row!.n;
}

/** The OASIS example bundles, beside the checkout as CI has them (or where STIX_EXAMPLES_DIR says); without them those tests are skipped, and say so. */
const EXAMPLES = process.env.STIX_EXAMPLES_DIR ?? path.resolve(repoRoot, '../shared/stix2.1-examples');
const examplesFound = existsSync(EXAMPLES);
if (!examplesFound) console.warn(`OASIS STIX 2.1 examples not found at ${EXAMPLES}: they are not posted`);
const exampleFiles = (folder = EXAMPLES): string[] =>
  readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? exampleFiles(path.join(folder, entry.name))
      : entry.name.endsWith('.json')
        ? [path.join(folder, entry.name)]
        : [],
  );

describe('adding objects', () => {
  const ownUrl = () => `${server.url}/taxii2/api/collections/${ownCollectionId(workspaceId)}/`;

  it
    .skipIf(!examplesFound)
    .each(examplesFound ? exampleFiles().map((file) => [path.relative(EXAMPLES, file), file]) : [['none', '']])(
    'imports the OASIS example %s through the POST, as taxii2-client sends it',
    async (_name, file) => {
      const document = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      const objects = (document.objects as Record<string, unknown>[] | undefined) ?? [document];
      const c = client(key);
      expect((await c.collection(ownUrl())).can_write).toBe(true);
      const { posted, statusUrl, status } = await c.addObjects(ownUrl(), { objects });
      expect(posted.status).toBe(202);
      expect(statusUrl.endsWith(`/taxii2/api/status/${posted.body.id}`)).toBe(true);
      expect(status.body).toEqual(posted.body);
      expectValidStatus(posted.body);
      expect(posted.body.status).toBe('complete');
      expect(posted.body.request_timestamp).toMatch(TAXII_TIMESTAMP);
      expect(posted.body.total_count).toBe(objects.length);
      // Indicators with a supported comparison and supported observables are kept; the rest is said, object by object.
      for (const detail of posted.body.failures ?? []) expect(detail.message, detail.id).toBeTruthy();
      const kept = new Set((posted.body.successes ?? []).map((detail) => detail.id));
      for (const object of objects) {
        const supported =
          object.type === 'indicator'
            ? /(ipv4-addr|domain-name|file:hashes)/.test(String(object.pattern))
            : ['ipv4-addr', 'domain-name'].includes(String(object.type));
        if (!supported) expect(kept.has(String(object.id)), String(object.id)).toBe(false);
      }
    },
  );

  it.skipIf(!examplesFound)(
    'stores what the examples carry as the workspace’s own IOCs, and serves them back',
    async () => {
      const stored = await t.database.rows<{ type: string; value: string }>(
        sql`select type::text, value from iocs where workspace_id = ${workspaceId} order by value`,
      );
      const values = stored.map((row) => row.value);
      expect(values).toEqual(
        expect.arrayContaining([
          'hugesoft.org',
          '001dd76872d80801692ff942308c64e6',
          '219.76.208.163',
          'www.webserver.dynssl.com',
          '113.10.246.30',
          'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c',
        ]),
      );
      const { objects } = await pullAll(client(key), ownUrl(), 1000);
      expect(objects.map((o) => o.name)).toEqual(expect.arrayContaining(['hugesoft.org', '219.76.208.163']));
      expectValidStix(bundleOf(objects));
    },
  );

  it('refuses the shared feed, a key without iocs:write and another workspace’s collection', async () => {
    const envelope = JSON.stringify({
      objects: [
        {
          type: 'domain-name',
          spec_version: '2.1',
          id: 'domain-name--3c10e5c4-5ea2-5f5c-8a1e-2b7e6c0e4a11',
          value: 'refused.example',
        },
      ],
    });
    const post = (collection: string, k: string) =>
      raw(
        `/taxii2/api/collections/${collection}/objects/`,
        { method: 'POST', headers: { 'content-type': TAXII_ACCEPT }, body: envelope },
        k,
      );
    expect((await post(SHARED_FEED_COLLECTION_ID, key)).json).toMatchObject({
      http_status: '403',
      error_code: 'forbidden',
    });
    expect((await post(ownCollectionId(workspaceId), readOnly)).json).toMatchObject({
      http_status: '403',
      description: 'Forbidden: this API key lacks the iocs:write permission.',
    });
    expect((await post(ownCollectionId(otherWorkspaceId), key)).json).toMatchObject({
      http_status: '404',
      error_code: 'not_found',
    });
    const [row] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from iocs where value = 'refused.example'`,
    );
    expect(row!.n).toBe(0);
    for (const body of [
      '{"objects":[]}',
      '{"objects":"none"}',
      '{"objets":[{}]}',
      '[]',
      '{"objects":[1]}',
      'not json',
    ]) {
      const answer = await raw(`/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`, {
        method: 'POST',
        headers: { 'content-type': TAXII_ACCEPT },
        body,
      });
      expect(answer.status, body).toBe(400);
      expect(answer.json, body).toMatchObject({
        http_status: '400',
        error_code: expect.stringMatching(/^(invalid|missing)_parameter$/),
      });
    }
  });

  it('keeps a status to its workspace', async () => {
    const envelope = {
      objects: [
        {
          type: 'domain-name',
          spec_version: '2.1',
          id: 'domain-name--5a1c1b7e-0f5e-5d8e-9b8a-4e6f2d3c1b0a',
          value: 'status-check.example',
        },
      ],
    };
    const { posted } = await client(key).addObjects(ownUrl(), envelope);
    expect(posted.body).toMatchObject({ success_count: 1, successes: [{ id: envelope.objects[0]!.id }] });
    expect((await raw(`/taxii2/api/status/${posted.body.id}/`, {}, otherKey)).status).toBe(404);
    expect((await raw('/taxii2/api/status/00000000-0000-4000-8000-000000000000/')).status).toBe(404);
    expect((await raw('/taxii2/api/status/not-an-id/')).status).toBe(400);
  });

  it('raises the watchlist alerts an added object matches', async () => {
    const watchlist = await t.fetch('/api/v1/watchlists', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Brand', entries: [{ type: 'keyword', value: 'acmebank' }] }),
    });
    expect(watchlist.status).toBe(201);
    const indicator = {
      type: 'indicator',
      spec_version: '2.1',
      id: 'indicator--9d3c1a2b-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
      created: '2026-11-30T00:00:00.000Z',
      modified: '2026-11-30T00:00:00.000Z',
      pattern: "[url:value = 'https://acmebank-login.example/signin']",
      pattern_type: 'stix',
      valid_from: '2026-11-30T00:00:00Z',
    };
    const { posted } = await client(key).addObjects(ownUrl(), { objects: [indicator] });
    expect(posted.body.successes).toEqual([{ id: indicator.id, version: indicator.modified }]);
    const alerts = await t.fetch('/api/v1/alerts', { headers: { authorization: `Bearer ${key}` } });
    const body = (await alerts.json()) as { data: { kind: string; record: { value: string } }[] };
    expect(body.data.map((alert) => [alert.kind, alert.record.value])).toContainEqual([
      'ioc',
      'https://acmebank-login.example/signin',
    ]);
  });
});

describe('over GraphQL', () => {
  it('lists the collections and reads a page, and adds objects', async () => {
    const read = await t.graphql(
      key,
      `query { taxiiCollections { id canWrite objects(limit: 2, matchType: "indicator") { more next objects dateAddedLast } } }`,
    );
    expect(read.status).toBe(200);
    const [shared, own] = (
      read.body.data as {
        taxiiCollections: {
          id: string;
          canWrite: boolean;
          objects: { more: boolean; objects: unknown[]; dateAddedLast: string };
        }[];
      }
    ).taxiiCollections;
    expect(shared!.id).toBe(SHARED_FEED_COLLECTION_ID);
    expect(shared!.objects.objects).toHaveLength(2);
    expect(shared!.objects.dateAddedLast).toMatch(TAXII_TIMESTAMP);
    expect(own!.canWrite).toBe(true);
    const added = await t.graphql(
      key,
      'mutation($c: ID!, $o: [StixObject!]!) { addTaxiiObjects(collectionId: $c, objects: $o) { status successCount failures { id message } } }',
      {
        c: own!.id,
        o: [
          {
            type: 'ipv6-addr',
            spec_version: '2.1',
            id: 'ipv6-addr--1b2c3d4e-5f6a-5b7c-8d9e-0f1a2b3c4d5e',
            value: '2001:db8::dead',
          },
          { type: 'relationship', id: 'relationship--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e' },
        ],
      },
    );
    expect(added.body.data).toEqual({
      addTaxiiObjects: {
        status: 'complete',
        successCount: 1,
        failures: [
          {
            id: 'relationship--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
            message: expect.stringContaining('relationship'),
          },
        ],
      },
    });
  });
});

describe('indicator ids', () => {
  it('are the uuid package’s v5 of the IOC id, computed faster, and the database’s uuid-ossp gives the same', async () => {
    const { v5 } = await import('uuid');
    const { indicatorUuid, INDICATOR_NAMESPACE } = await import('../../src/core/stixIds.js');
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.oneof(fc.uuid(), fc.string(), fc.string({ unit: 'grapheme' })),
        (name) => indicatorUuid(name) === v5(name, INDICATOR_NAMESPACE),
      ),
    );
    const rows = await t.database.rows<{ id: string; stix: string }>(
      sql`select id::text as id, uuid_generate_v5(${INDICATOR_NAMESPACE}::uuid, id::text)::text as stix from iocs limit 50`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.stix).toBe(indicatorUuid(row.id));
  });
});

describe('a change settles before TAXII shows it', () => {
  it('serves an IOC once it is settleMs old, so that no transaction still open can land behind a client’s added_after', async () => {
    const settled = await createTestApp({ settleMs: 1000 });
    try {
      const ws = (await settled.createWorkspace()).id;
      const k = (await settled.createKey(ws)).key;
      const get = async () => {
        const response = await settled.fetch(`/taxii2/api/collections/${ownCollectionId(ws)}/objects/`, {
          headers: { authorization: `Bearer ${k}`, accept: TAXII_ACCEPT },
        });
        return (await response.json()) as Envelope;
      };
      const submitted = await settled.fetch('/api/v1/iocs', {
        method: 'POST',
        headers: { authorization: `Bearer ${k}` },
        body: JSON.stringify({ iocs: [{ value: 'settling.example' }] }),
      });
      expect(submitted.status).toBe(200);
      const submittedAt = Date.now();
      expect(await get()).toEqual({ more: false });
      const served = await until(get, (envelope) => envelope.objects !== undefined, 5000, 50);
      expect(served.objects?.map((o) => o.name)).toEqual(['settling.example']);
      expect(Date.now() - submittedAt).toBeGreaterThanOrEqual(900);
    } finally {
      await settled.close();
    }
  });
});
