/**
 * New and changed IOCs as they happen (docs/api.md §6): `GET /api/v1/iocs/stream` as Server-Sent Events
 * with `Last-Event-ID` resume (no gap, no duplicate across a reconnect), and the GraphQL
 * subscription `iocChanged(type)`; key checks and scope apply. Over a real HTTP server.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../src/keys/audit.js';
import { revokeApiKey } from '../../src/keys/service.js';
import { openEventStream, type StreamEvent } from '../support/sse.js';
import { until } from '../support/timing.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertIocs } from '../support/fixtures.js';

/** Changes are sent once this old (short here, so that the tests are quick). */
const SETTLE_MS = 300;

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let key: string;
let mineId: string;
let otherId: string;
let noIocsKey: string;

beforeAll(async () => {
  t = await createTestApp({ settleMs: SETTLE_MS });
  server = await t.listen();
  const mine = await t.createWorkspace();
  const other = await t.createWorkspace();
  mineId = mine.id;
  otherId = other.id;
  key = (await t.createKey(mine.id)).key;
  noIocsKey = (await t.createKey(mine.id, { permissions: ['watchlists:read'] })).key;
});
afterAll(async () => {
  await server.close();
  await t.close();
});

type Event = StreamEvent;

/**
 * A stream, and the moments the test waits for: the server following it (its feed counts it), an
 * event, the server letting it go. Nothing here waits for a fixed time.
 */
const open = (path: string, headers: Record<string, string> = {}) => {
  const before = t.changes.openStreams;
  const stream = openEventStream(`${server.url}${path}`, { authorization: `Bearer ${key}`, ...headers });
  return {
    ...stream,
    /** Resolves once the server follows the stream (or has refused it). */
    followed: async () => {
      const answer = await stream.response;
      if (answer.ok)
        await until(
          () => t.changes.openStreams,
          (n) => n > before,
        );
      return answer;
    },
    waitFor: (count: number, ms?: number) => stream.waitFor(count, 'ioc', ms),
    close: async () => {
      await stream.close();
      await until(
        () => t.changes.openStreams,
        (n) => n <= before,
      );
    },
  };
};

/**
 * Writes a last IOC of `type` and waits for its event: every event the stream was going to send
 * before it has come, so what came is all there is (instead of waiting a while for none).
 */
async function drained(
  stream: ReturnType<typeof open>,
  type: 'domain' | 'url' | 'sha1' | 'ipv4',
  value: string,
): Promise<Event[]> {
  await insertIocs(t.database.db, [{ type, value }]);
  await until(
    () => values(stream.events.filter((e) => e.event === 'ioc')),
    (seen) => seen.includes(value),
  );
  return stream.events.filter((e) => e.event === 'ioc' && (JSON.parse(e.data!) as { value: string }).value !== value);
}

const values = (events: Event[]) => events.map((e) => (JSON.parse(e.data!) as { value: string }).value);

describe('GET /api/v1/iocs/stream', () => {
  it('sends new and changed IOCs of the feed and the workspace, never another workspace’s', async () => {
    const stream = open('/api/v1/iocs/stream');
    const answer = await stream.followed();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(answer.headers.get('ratelimit-limit')).not.toBeNull();

    // One transaction, so that the change lands before the stream can look however slow the
    // machine is; its times are set apart so that the order is known: the workspace's IOC, then the
    // feed's IOC as changed.
    await t.database.db.transaction(async (tx) => {
      await insertIocs(tx, [{ type: 'domain', value: 'stream-feed.example' }]);
      await insertIocs(tx, [{ type: 'domain', value: 'stream-theirs.example', workspaceId: otherId }]);
      await tx.execute(
        sql`update iocs set updated_at = now() + interval '1 millisecond' where value = 'stream-theirs.example'`,
      );
      await insertIocs(tx, [{ type: 'ipv4', value: '192.0.2.50', workspaceId: mineId }]);
      await tx.execute(sql`update iocs set updated_at = now() + interval '2 milliseconds' where value = '192.0.2.50'`);
      await tx.execute(
        sql`update iocs set confidence = 99, updated_at = now() + interval '3 milliseconds' where value = 'stream-feed.example'`,
      );
    });

    const events = await drained(stream, 'domain', 'stream-last.example');
    await stream.close();
    // The feed's IOC changed before it was sent: it comes once, as it is now, in the order of its change.
    expect(values(events)).toEqual(['192.0.2.50', 'stream-feed.example']);
    expect(JSON.parse(events[1]!.data!)).toMatchObject({
      value: 'stream-feed.example',
      confidence: 99,
      type: 'domain',
      threat_type: 'c2',
    });

    // A change after it was sent comes again.
    const again = open('/api/v1/iocs/stream', { 'last-event-id': stream.events.at(-1)!.id! });
    await again.followed();
    await t.database.rows(sql`update iocs set confidence = 98, updated_at = now() where value = '192.0.2.50'`);
    const [changed] = await again.waitFor(1);
    await again.close();
    expect(JSON.parse(changed!.data!)).toMatchObject({ value: '192.0.2.50', confidence: 98 });
    expect(events.every((e) => /^[A-Za-z0-9_-]+$/.test(e.id!))).toBe(true);
  });

  it('filters by type', async () => {
    const stream = open('/api/v1/iocs/stream?type=url');
    await stream.followed();
    await insertIocs(t.database.db, [
      { type: 'domain', value: 'not-a-url.example' },
      { type: 'url', value: 'http://typed.example/x' },
    ]);
    const events = await drained(stream, 'url', 'http://typed.example/last');
    await stream.close();
    expect(values(events)).toEqual(['http://typed.example/x']);
  });

  it('resumes after Last-Event-ID with nothing missed and nothing repeated', async () => {
    const first = open('/api/v1/iocs/stream?type=sha1');
    await first.followed();
    await insertIocs(t.database.db, [{ type: 'sha1', value: '1'.repeat(40) }]);
    await insertIocs(t.database.db, [{ type: 'sha1', value: '2'.repeat(40) }]);
    const [seen] = await first.waitFor(1);
    await first.close();
    // Written while no one listens.
    await insertIocs(t.database.db, [{ type: 'sha1', value: '3'.repeat(40) }]);
    await insertIocs(t.database.db, [{ type: 'sha1', value: '4'.repeat(40) }]);

    const resumed = open('/api/v1/iocs/stream?type=sha1', { 'last-event-id': seen!.id! });
    await resumed.followed();
    await insertIocs(t.database.db, [{ type: 'sha1', value: '5'.repeat(40) }]);
    const after = await drained(resumed, 'sha1', '6'.repeat(40));
    await resumed.close();
    const all = [...values(first.events.filter((e) => e.event === 'ioc')).slice(0, 1), ...values(after)];
    expect(all).toEqual(['1', '2', '3', '4', '5'].map((d) => d.repeat(40)));
  });

  it('refuses in the SOC dialect: no key, no iocs:read, a bad Last-Event-ID', async () => {
    const none = await fetch(`${server.url}/api/v1/iocs/stream`);
    expect(none.status).toBe(401);
    const forbidden = await fetch(`${server.url}/api/v1/iocs/stream`, {
      headers: { authorization: `Bearer ${noIocsKey}` },
    });
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('forbidden');
    const bad = await fetch(`${server.url}/api/v1/iocs/stream`, {
      headers: { authorization: `Bearer ${key}`, 'last-event-id': 'nope' },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({
      code: 'invalid_parameter',
      message: 'Invalid parameter Last-Event-ID: is not a cursor of this list.',
    });
  });
});

describe('a revoked key', () => {
  it('ends its open stream within a second, with expired_api_key', async () => {
    const doomed = await t.createKey(mineId);
    const stream = open('/api/v1/iocs/stream', { authorization: `Bearer ${doomed.key}` });
    expect((await stream.followed()).status).toBe(200);
    await revokeApiKey(t.database.db, { id: doomed.id, actor: CLI_ACTOR });
    const revokedAt = Date.now();
    await until(() => stream.events.some((e) => e.event === 'error'), Boolean, 3000, 20);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(JSON.parse(stream.events.find((e) => e.event === 'error')!.data!)).toMatchObject({
      code: 'expired_api_key',
    });
    await stream.close();
  });
});

describe('subscription iocChanged', () => {
  it('streams the same changes over GraphQL (Server-Sent Events), with a cursor to resume', async () => {
    const stream = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { iocChanged(type: MD5) { cursor ioc { type value shared } } }' }),
    });
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await until(
      () => t.changes.openStreams,
      (n) => n > 0,
    );
    await insertIocs(t.database.db, [{ type: 'md5', value: 'a'.repeat(32) }]);
    let text = '';
    const deadline = Date.now() + 8000;
    while (!text.includes('"value"') && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const data = /data: (\{.*\})/.exec(text)?.[1];
    expect(JSON.parse(data!)).toEqual({
      data: {
        iocChanged: {
          cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
          ioc: { type: 'MD5', value: 'a'.repeat(32), shared: true },
        },
      },
    });
  });

  it('is forbidden without iocs:read', async () => {
    const answer = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${noIocsKey}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
      },
      body: JSON.stringify({ query: 'subscription { iocChanged { cursor } }' }),
    });
    const text = await answer.text();
    expect(text).toMatch(/"code":"forbidden"/);
  });
});
