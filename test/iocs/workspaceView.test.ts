/**
 * A workspace's view of the IOCs it reads (section 13): its false-positive judgements and its own
 * exclusion lists withdraw indicators from *its* TAXII view, as a new version with `revoked: true`
 * and a later `date_added`, found by an `added_after` poll; other workspaces' views are unchanged;
 * an IOC that arrives after the list is withdrawn from the start; the IOC event stream sends a
 * revocation with its new status. Over a real HTTP server, with the TAXII client.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownCollectionId, SHARED_FEED_COLLECTION_ID } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { insertIocs } from '../support/fixtures.js';
import { callJson } from '../support/rest.js';
import { openEventStream } from '../support/sse.js';
import { until } from '../support/timing.js';
import { expectValidStix } from '../support/stix.js';
import { TaxiiClient } from '../taxii/client.js';

const SETTLE_MS = 200;

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let a: { id: string; key: string };
let b: { id: string; key: string };
let dir: string;

beforeAll(async () => {
  t = await createTestApp({ settleMs: SETTLE_MS });
  server = await t.listen();
  const workspace = async () => {
    const { id } = await t.createWorkspace();
    return { id, key: (await t.createKey(id)).key };
  };
  a = await workspace();
  b = await workspace();
  dir = mkdtempSync(path.join(tmpdir(), 'ti-view-'));
  await insertIocs(t.database.db, [
    { type: 'domain', value: 'judged.view.example' },
    { type: 'domain', value: 'cdn.listed.view.example' },
    { type: 'ipv4', value: '203.0.113.40' },
    { type: 'domain', value: 'kept.view.example' },
  ]);
});
afterAll(async () => {
  await server.close();
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, url: string, body?: unknown, k = a.key) => callJson(t, k, method, url, body);
const listed = async (k: string) =>
  ((await call('GET', '/api/v1/iocs?limit=1000', undefined, k)).json!.data as { value: string }[]).map((d) => d.value);

type Indicator = { id: string; name: string; revoked: boolean; modified: string };
type Envelope = { objects?: Indicator[]; more?: boolean };

/** A workspace's reader of the shared feed's collection, keeping its `added_after` position as a SIEM does. */
function poller(key: string) {
  const taxii = new TaxiiClient({ user: 'siem', password: key });
  const url = `${server.url}/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/objects/`;
  let last: string | null = null;
  return {
    /** Everything added since the last poll, once what `ready` waits for has come. */
    async poll(ready: (objects: Indicator[]) => boolean = () => true): Promise<Indicator[]> {
      const page = await until(
        () => taxii.get<Envelope>(url, last ? { added_after: last, limit: 1000 } : { limit: 1000 }),
        (answer) => ready(answer.body.objects ?? []),
      );
      last = page.headers.get('x-taxii-date-added-last') ?? last;
      return page.body.objects ?? [];
    },
  };
}

const named = (objects: Indicator[], name: string) => objects.filter((o) => o.name === name);

describe('a workspace’s TAXII view', () => {
  const siemA = () => pollers.a;
  const pollers = {} as { a: ReturnType<typeof poller>; b: ReturnType<typeof poller> };

  it('starts with every shared indicator, none revoked', async () => {
    pollers.a = poller(a.key);
    pollers.b = poller(b.key);
    for (const siem of [pollers.a, pollers.b]) {
      const first = await siem.poll((objects) => named(objects, 'kept.view.example').length === 1);
      expect(first.filter((o) => o.name.includes('view.example') || o.name === '203.0.113.40')).toHaveLength(4);
      expect(first.every((o) => !o.revoked)).toBe(true);
    }
  });

  it('withdraws what the workspace judges a false positive, as a later version, for that workspace only', async () => {
    const before = Date.now();
    const judged = await call('POST', '/api/v1/sightings', {
      sightings: [{ value: 'judged.view.example', false_positive: true, reason: 'our CDN' }],
    });
    expect(judged.json!.data.recorded).toBe(1);
    const changed = await siemA().poll((objects) => named(objects, 'judged.view.example').length === 1);
    expect(changed.map((o) => o.name)).toEqual(['judged.view.example']);
    expect(changed[0]).toMatchObject({ revoked: true });
    expect(Date.parse(changed[0]!.modified)).toBeGreaterThanOrEqual(before - 1000);
    // Nothing new for the other workspace, whose view did not change.
    expect(await pollers.b.poll()).toEqual([]);
    expect(await listed(a.key)).not.toContain('judged.view.example');
    expect(await listed(b.key)).toContain('judged.view.example');
  });

  it('withdraws what the workspace’s own list covers, and brings it back when the list stops covering it', async () => {
    const made = await call('POST', '/api/v1/exclusions', {
      name: 'ours',
      entries: ['.listed.view.example', '203.0.113.0/24'],
    });
    expect(made.status).toBe(201);
    const withdrawn = await siemA().poll((objects) => objects.length === 2);
    expect(withdrawn.map((o) => [o.name, o.revoked]).sort()).toEqual([
      ['203.0.113.40', true],
      ['cdn.listed.view.example', true],
    ]);
    expect(await pollers.b.poll()).toEqual([]);

    const listId = made.json!.data.id as string;
    expect((await call('PATCH', `/api/v1/exclusions/${listId}`, { remove: ['203.0.113.0/24'] })).status).toBe(200);
    const back = await siemA().poll((objects) => objects.length === 1);
    expect(back.map((o) => [o.name, o.revoked])).toEqual([['203.0.113.40', false]]);
    expect(await listed(a.key)).toContain('203.0.113.40');
  });

  it('withdraws a new IOC that the workspace’s list covers from the start, in listings and TAXII', async () => {
    const csv = path.join(dir, 'later.csv');
    writeFileSync(csv, 'type,value,confidence\ndomain,new.listed.view.example,80\n');
    expect((await runCommand(t.database, ['import', '--file', csv])).code).toBe(0);
    const mine = await siemA().poll((objects) => named(objects, 'new.listed.view.example').length === 1);
    expect(named(mine, 'new.listed.view.example')[0]).toMatchObject({ revoked: true });
    const theirs = await pollers.b.poll((objects) => named(objects, 'new.listed.view.example').length === 1);
    expect(named(theirs, 'new.listed.view.example')[0]).toMatchObject({ revoked: false });
    expect(await listed(a.key)).not.toContain('new.listed.view.example');
    expect(await listed(b.key)).toContain('new.listed.view.example');
    const [found] = (await call('POST', '/api/v1/iocs/lookup', { values: ['new.listed.view.example'] })).json!.data;
    expect(found).toMatchObject({ excluded_by: 'ours', status: 'active' });
  });

  it('serves a judgement taken back as a later version, not revoked', async () => {
    await call('POST', '/api/v1/sightings', { sightings: [{ value: 'judged.view.example', false_positive: false }] });
    const back = await siemA().poll((objects) => named(objects, 'judged.view.example').length === 1);
    expect(back.map((o) => [o.name, o.revoked])).toEqual([['judged.view.example', false]]);
    expect(await listed(a.key)).toContain('judged.view.example');
  });

  it('lets a workspace without judgements or lists read the same pages as before', async () => {
    const fresh = poller((await t.createKey((await t.createWorkspace()).id)).key);
    const all = await fresh.poll((objects) => named(objects, 'new.listed.view.example').length === 1);
    expect(all.every((o) => !o.revoked)).toBe(true);
    expect(new Set(all.map((o) => o.id)).size).toBe(all.length);
  });
});

describe('STIX sightings POSTed to the workspace’s collection', () => {
  it('are recorded as the workspace’s sightings and judgements of the indicators it reads', async () => {
    const taxii = new TaxiiClient({ user: 'siem', password: a.key });
    const shared = (await poller(a.key).poll((objects) => named(objects, 'kept.view.example').length === 1)).find(
      (o) => o.name === 'kept.view.example',
    )!;
    const own = `${server.url}/taxii2/api/collections/${ownCollectionId(a.id)}/`;
    const seenAt = new Date(Date.now() - 60_000).toISOString();
    const sighting = (extra: Record<string, unknown>) => ({
      type: 'sighting',
      spec_version: '2.1',
      id: `sighting--${crypto.randomUUID()}`,
      created: seenAt,
      modified: seenAt,
      sighting_of_ref: shared.id,
      ...extra,
    });
    const { status } = await taxii.addObjects(own, {
      objects: [
        sighting({ count: 3, last_seen: seenAt }),
        sighting({ sighting_of_ref: 'indicator--00000000-0000-4000-8000-000000000000' }),
        sighting({ count: 0 }),
        sighting({ last_seen: '2999-01-01T00:00:00Z' }),
        sighting({ sighting_of_ref: 'malware--1' }),
      ],
    });
    expect(status.body).toMatchObject({ status: 'complete', total_count: 5, success_count: 1, failure_count: 4 });
    expect((status.body as { failures: { message: string }[] }).failures.map((f) => f.message)).toEqual([
      'sighting_of_ref names no indicator this workspace reads',
      'count must be a whole number from 1 to 1,000,000',
      'seen_at is more than 5 minutes in the future',
      'sighting_of_ref must name an indicator',
    ]);
    const [found] = (await call('POST', '/api/v1/iocs/lookup', { values: ['kept.view.example'] })).json!.data;
    expect(found.sightings).toEqual({ count: 3, last_seen: seenAt });
    const [theirs] = (await call('POST', '/api/v1/iocs/lookup', { values: ['kept.view.example'] }, b.key)).json!.data;
    expect(theirs.sightings).toEqual({ count: 0, last_seen: null });

    // The collection serves what the workspace reported, as one STIX sighting per IOC.
    const mine = (
      await until(
        () =>
          taxii.get<Envelope & { objects?: Record<string, unknown>[] }>(`${own}objects/`, {
            'match[type]': 'sighting',
          }),
        (page) => (page.body.objects ?? []).length === 1,
      )
    ).body.objects![0]!;
    expect(mine).toMatchObject({
      type: 'sighting',
      sighting_of_ref: shared.id,
      count: 3,
      last_seen: seenAt,
      x_false_positive: false,
      created_by_ref: expect.stringMatching(/^identity--/),
    });
    expectValidStix({ type: 'bundle', id: `bundle--${crypto.randomUUID()}`, objects: [mine] });
    const byId = await taxii.get<{ objects?: Record<string, unknown>[] }>(`${own}objects/${mine.id}/`);
    expect(byId.body.objects).toEqual([mine]);
    const manifest = await taxii.get<{ objects?: { id: string }[] }>(`${own}manifest/`, { 'match[type]': 'sighting' });
    expect(manifest.body.objects!.map((o) => o.id)).toEqual([mine.id]);
    const last = (await taxii.get<Envelope>(`${own}objects/`)).headers.get('x-taxii-date-added-last')!;
    // Nobody else's collection holds it, and the shared feed's never does.
    const theirClient = new TaxiiClient({ user: 'siem', password: b.key });
    const theirOwn = `${server.url}/taxii2/api/collections/${ownCollectionId(b.id)}/objects/`;
    expect((await theirClient.get<Envelope>(theirOwn, { 'match[type]': 'sighting' })).body.objects).toBeUndefined();
    await expect(
      taxii.get(`${server.url}/taxii2/api/collections/${SHARED_FEED_COLLECTION_ID}/objects/${mine.id}/`),
    ).rejects.toMatchObject({ status: 404 });

    await taxii.addObjects(own, {
      objects: [sighting({ x_false_positive: true, description: 'our scanner' })],
    });
    const judgedVersion = await until(
      () => taxii.get<{ objects?: Record<string, unknown>[] }>(`${own}objects/`, { added_after: last }),
      (page) => (page.body.objects ?? []).some((o) => o.type === 'sighting'),
    );
    expect(judgedVersion.body.objects!.find((o) => o.type === 'sighting')).toMatchObject({
      id: mine.id,
      count: 3,
      x_false_positive: true,
    });
    expect(await listed(a.key)).not.toContain('kept.view.example');
    const [judged] = (await call('POST', '/api/v1/iocs/lookup', { values: ['kept.view.example'] })).json!.data;
    expect(judged).toMatchObject({ false_positive: true, sightings: { count: 3 } });
    // Another workspace's key cannot report into this one's collection, nor about its own IOCs.
    const other = new TaxiiClient({ user: 'siem', password: b.key });
    await expect(other.post(`${own}objects/`, { objects: [sighting({})] })).rejects.toMatchObject({ status: 404 });
    const [unchanged] = (await call('POST', '/api/v1/iocs/lookup', { values: ['kept.view.example'] })).json!.data;
    expect(unchanged.sightings.count).toBe(3);
  });
});

describe('the IOC event stream', () => {
  it('sends a revocation as event: ioc with the new status', async () => {
    const stream = openEventStream(`${server.url}/api/v1/iocs/stream`, { authorization: `Bearer ${a.key}` });
    try {
      expect((await stream.response).status).toBe(200);
      const made = await call('POST', '/api/v1/iocs', { iocs: [{ value: 'streamed.view.example' }] });
      expect(made.status).toBeLessThan(300);
      const ioc = () =>
        stream.events
          .filter((e) => e.event === 'ioc')
          .map((e) => JSON.parse(e.data!) as { id: string; value: string; status: string })
          .filter((e) => e.value === 'streamed.view.example');
      const [created] = await until(ioc, (events) => events.length === 1);
      expect(created).toMatchObject({ status: 'active' });
      expect((await call('DELETE', `/api/v1/iocs/${created!.id}`)).status).toBe(204);
      const events = await until(ioc, (seen) => seen.length === 2);
      expect(events[1]).toMatchObject({ id: created!.id, status: 'revoked' });
    } finally {
      await stream.close();
    }
  });
});
