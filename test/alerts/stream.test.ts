/**
 * The live alert stream (docs/api.md §10): `GET /api/v1/alerts/stream` as Server-Sent Events with
 * `Last-Event-ID` resume, and the `alertCreated` subscription, over a real HTTP server. Alerts
 * raised by `leaks import` arrive; a resumed stream misses nothing and repeats nothing; another
 * workspace's alerts never arrive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEventStream, type StreamEvent } from '../support/sse.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { importUlp } from '../support/cli.js';
import { until } from '../support/timing.js';

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let dir: string;
let key: string;
let otherKey: string;
let noWatchlistsKey: string;

async function leak(line: string) {
  const result = await importUlp(t.database, dir, [line]);
  expect(result.json, result.stderr).toMatchObject({ created: 1, alerts: 1 });
}

type Event = StreamEvent;

const open = (path: string, headers: Record<string, string> = {}) => {
  const stream = openEventStream(`${server.url}${path}`, { authorization: `Bearer ${key}`, ...headers });
  return { ...stream, waitFor: (count: number, ms?: number) => stream.waitFor(count, 'alert', ms) };
};

const sites = (events: Event[]) => events.map((e) => (JSON.parse(e.data!) as { record: { site: string } }).record.site);

beforeAll(async () => {
  t = await createTestApp();
  server = await t.listen();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-alert-stream-'));
  const mine = await t.createWorkspace({ scope: { domains: ['acme.example'] } });
  const other = await t.createWorkspace({ scope: { domains: ['other.example'] } });
  key = (await t.createKey(mine.id)).key;
  noWatchlistsKey = (await t.createKey(mine.id, { permissions: ['iocs:read'] })).key;
  otherKey = (await t.createKey(other.id)).key;
  for (const [k, domain] of [
    [key, 'acme.example'],
    [otherKey, 'other.example'],
  ] as const) {
    const made = await t.fetch('/api/v1/watchlists', {
      method: 'POST',
      headers: { authorization: `Bearer ${k}` },
      body: JSON.stringify({ name: 'w', entries: [{ type: 'domain', value: domain }] }),
    });
    expect(made.status).toBe(201);
  }
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('GET /api/v1/alerts/stream', () => {
  it('sends the workspace’s new alerts as they are raised, never another’s, and resumes after Last-Event-ID', async () => {
    const stream = open('/api/v1/alerts/stream');
    const answer = await stream.response;
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    await until(
      () => t.alerts.openStreams,
      (n) => n > 0,
    );

    await leak('https://one.acme.example/:a@gmail.test:pw-one');
    await leak('https://shop.other.example/:b@gmail.test:pw-other');
    await leak('https://two.acme.example/:c@gmail.test:pw-two');
    const first = await stream.waitFor(2);
    expect(first.map((e) => e.event)).toEqual(['alert', 'alert']);
    expect(sites(first)).toEqual(['one.acme.example', 'two.acme.example']);
    const alert = JSON.parse(first[0]!.data!) as { id: string };
    const rest = await t.fetch(`/api/v1/alerts/${alert.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(JSON.parse(first[0]!.data!)).toEqual(((await rest.json()) as { data: unknown }).data);
    await stream.close();
    await until(
      () => t.alerts.openStreams,
      (n) => n === 0,
    );

    // Raised while nobody listens, then a client comes back with the id of the first event.
    await leak('https://three.acme.example/:d@gmail.test:pw-three');
    const resumed = open('/api/v1/alerts/stream', { 'last-event-id': first[0]!.id! });
    const again = await resumed.waitFor(2);
    // A last alert, awaited: whatever the stream was going to send before it has come.
    await leak('https://last.acme.example/:z@gmail.test:pw-last');
    await resumed.waitFor(3);
    expect(sites(resumed.events)).toEqual(['two.acme.example', 'three.acme.example', 'last.acme.example']);
    expect(again[0]!.id).toBe(first[1]!.id);
    await resumed.close();
  });

  it('refuses a key without watchlists:read, and a cursor that is not one', async () => {
    const refused = await fetch(`${server.url}/api/v1/alerts/stream`, {
      headers: { authorization: `Bearer ${noWatchlistsKey}` },
    });
    expect(refused.status).toBe(403);
    const bad = await fetch(`${server.url}/api/v1/alerts/stream`, {
      headers: { authorization: `Bearer ${key}`, 'last-event-id': 'not-a-cursor' },
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('{ "error": "Invalid parameter Last-Event-ID: is not a cursor of this list." }');
  });
});

describe('subscription alertCreated', () => {
  it('streams the same alerts over GraphQL, with a cursor', async () => {
    const stream = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query:
          'subscription { alertCreated { cursor alert { kind entry { value } record { ... on CredentialLeak { site } } } } }',
      }),
    });
    expect(stream.status).toBe(200);
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    await until(
      () => t.alerts.openStreams,
      (n) => n > 0,
    );
    await leak('https://four.acme.example/:e@gmail.test:pw-four');
    let text = '';
    const deadline = Date.now() + 8000;
    while (!text.includes('four.acme.example') && Date.now() < deadline) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const data = /data: (\{.*four.*\})/.exec(text)?.[1];
    expect(JSON.parse(data!)).toEqual({
      data: {
        alertCreated: {
          cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/),
          alert: { kind: 'CREDENTIAL_LEAK', entry: { value: 'acme.example' }, record: { site: 'four.acme.example' } },
        },
      },
    });
  });
});
