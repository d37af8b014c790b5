/**
 * Watchlist alerts (docs/api.md §10): raised by the statement that stores new leaks or writes IOCs,
 * one per (entry, record), never for data older than the entry, only for data the workspace could
 * read (leaks: enterprise with active billing; IOCs: the shared feed or its own); listed, read
 * and triaged over REST and GraphQL, confined to their workspace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialMatchKeys } from '../../src/watchlists/matching.js';
import { domainKey } from '../../src/core/normalize.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';

let t: TestApp;
let dir: string;
let a: { id: string };
let pastDue: { id: string };
let pro: { id: string };
let keyA: string;
let keyAWithoutLeaks: string;
let keyAReadOnly: string;
let keyANoWatchlists: string;
let keyPastDue: string;
let keyPro: string;
let watchlistA: string;

let files = 0;
function file(name: string, content: string): string {
  const at = path.join(dir, `${++files}-${name}`);
  writeFileSync(at, content);
  return at;
}

const cli = (...argv: string[]) => runCommand(t.database, argv);
const leaks = (format: string, content: string, source: string) =>
  cli(
    'leaks',
    'import',
    '--file',
    file(`${format}.txt`, content),
    '--format',
    format,
    '--source',
    source,
    ...(format === 'cards' ? [] : ['--source-type', 'stealer_log']),
  );

async function call(url: string, key: string | null, init: { method?: string; body?: string } = {}) {
  const response = await t.fetch(url, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}) } });
  const text = await response.text();
  return { status: response.status, text, json: text ? JSON.parse(text) : undefined };
}

async function watchlist(key: string, entries: { type: string; value: string }[]): Promise<string> {
  const answer = await call('/api/v1/watchlists', key, {
    method: 'POST',
    body: JSON.stringify({ name: 'watch', entries }),
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.json.data.id;
}

const alertsOf = async (workspaceId: string) =>
  t.database.rows<{ kind: string; entry_value: string; record_id: string }>(
    sql`select kind::text, entry_value, record_id from alerts where workspace_id = ${workspaceId} order by created_at, entry_value`,
  );

beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-alerts-'));
  const scope = { domains: ['acme.example'], emails: ['ceo@gmail.test'], bins: ['411111'] };
  a = await t.createWorkspace({ scope });
  pastDue = await t.createWorkspace({ scope, billingStatus: 'past_due' });
  pro = await t.createWorkspace({ scope: { domains: ['acme.example'] }, plan: 'pro' });
  keyA = (await t.createKey(a.id)).key;
  keyAWithoutLeaks = (await t.createKey(a.id, { permissions: ['watchlists:read', 'iocs:read'] })).key;
  keyAReadOnly = (await t.createKey(a.id, { permissions: ['watchlists:read', 'dataleaks:read', 'iocs:read'] })).key;
  keyANoWatchlists = (await t.createKey(a.id, { permissions: ['iocs:read', 'dataleaks:read'] })).key;
  keyPastDue = (await t.createKey(pastDue.id)).key;
  keyPro = (await t.createKey(pro.id)).key;

  // Stored before any watchlist: never alerted.
  expect((await leaks('combolist', 'early@acme.example:early-password\n', 'before-the-watchlist')).json).toMatchObject({
    created: 1,
    alerts: 0,
  });

  const entries = [
    { type: 'domain', value: 'acme.example' },
    { type: 'email', value: 'ceo@gmail.test' },
    { type: 'bin', value: '411111' },
    { type: 'keyword', value: 'acme' },
    { type: 'keyword', value: 'acm' },
  ];
  watchlistA = await watchlist(keyA, entries);
  await watchlist(keyPastDue, entries);
  await watchlist(keyPro, [{ type: 'domain', value: 'acme.example' }]);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('raised by leak imports', () => {
  it('alerts on a domain (of the email or of the site), an email and a BIN, once per entry and record', async () => {
    const ulp = [
      'https://portal.other.example/:bob@acme.example:pw-bob-1', // the email's domain
      'https://login.acme.example/:customer@gmail.test:pw-customer', // the site
      'https://shop.example/:ceo@gmail.test:pw-ceo-1', // the email
      'https://sso.acme.example/:ceo@gmail.test:pw-ceo-2', // the email and the site: two entries
      'https://shop.example/:nobody@gmail.test:pw-nobody', // nothing
    ].join('\n');
    const report = (await leaks('ulp', ulp, 'stealer-1')).json;
    expect(report).toMatchObject({ created: 5, alerts: 5 });
    const raised = await alertsOf(a.id);
    expect(raised.map((r) => `${r.kind} ${r.entry_value}`).sort()).toEqual([
      'credential_leak acme.example',
      'credential_leak acme.example',
      'credential_leak acme.example',
      'credential_leak ceo@gmail.test',
      'credential_leak ceo@gmail.test',
    ]);
    // Leak alerts need the enterprise plan and active billing.
    expect(await alertsOf(pastDue.id)).toEqual([]);
    expect(await alertsOf(pro.id)).toEqual([]);

    // The same file again: nothing new, no alert.
    expect((await leaks('ulp', ulp, 'stealer-1')).json).toMatchObject({ created: 0, duplicates: 5, alerts: 0 });
    expect(await alertsOf(a.id)).toHaveLength(5);
  });

  it('alerts on a card whose BIN starts with a BIN entry', async () => {
    const report = (await leaks('cards', 'pan,expiry\n4111111111111111,12/29\n5500000000000004,12/29\n', 'cards-1'))
      .json;
    expect(report).toMatchObject({ created: 2, alerts: 1 });
    expect((await alertsOf(a.id)).filter((r) => r.kind === 'card_leak').map((r) => r.entry_value)).toEqual(['411111']);
  });
});

describe('match keys', () => {
  it('are the same whether the importer builds them or the database (leak_match_keys)', async () => {
    for (const leak of [
      { email: 'a@mail.acme.example', site: 'login.portal.acme.example' },
      { email: null, site: 'shop.example' },
      { email: 'b@gmail.test', site: null },
      { email: null, site: null },
    ]) {
      const domain = leak.email?.split('@')[1] ?? null;
      const keys = {
        email: leak.email,
        domainKey: domain && domainKey(domain),
        siteKey: leak.site && domainKey(leak.site),
      };
      const [row] = await t.database.rows<{ keys: string[] | null }>(
        sql`select leak_match_keys(${keys.email}, ${keys.domainKey}, ${keys.siteKey}) as keys`,
      );
      expect([...(row!.keys ?? [])].sort(), JSON.stringify(leak)).toEqual(credentialMatchKeys(keys).sort());
    }
  });
});

describe('raised by IOC writes', () => {
  it('alerts on hosts under a domain, emails and keywords of 4 characters or more, on every plan, once', async () => {
    const csv = [
      'type,value,confidence',
      'domain,login-acme-verify.example,60',
      'url,http://cdn.acme.example/payload.exe,70',
      'email,ceo@gmail.test,50',
      'domain,unrelated.example,50',
    ].join('\n');
    expect((await cli('import', '--file', file('iocs.csv', csv))).code).toBe(0);
    const iocAlerts = async (workspaceId: string) =>
      (await alertsOf(workspaceId))
        .filter((r) => r.kind === 'ioc')
        .map((r) => r.entry_value)
        .sort();
    // `acme` is inside the look-alike domain and the URL; `acm` is too short to match anything.
    expect(await iocAlerts(a.id)).toEqual(['acme', 'acme', 'acme.example', 'ceo@gmail.test']);
    expect(await iocAlerts(pastDue.id)).toEqual(['acme', 'acme', 'acme.example', 'ceo@gmail.test']);
    expect(await iocAlerts(pro.id)).toEqual(['acme.example']);

    // The same IOCs again, two of them changed: those two updated, the others unchanged, no second alert.
    const updated = csv.replaceAll(',60', ',90').replaceAll(',70', ',95');
    expect((await cli('import', '--file', file('iocs-again.csv', updated))).json).toMatchObject({
      created: 0,
      updated: 2,
      unchanged: 2,
    });
    expect(await iocAlerts(a.id)).toHaveLength(4);
  });

  it('alerts a workspace on its own IOCs, and no other workspace', async () => {
    const csv = 'type,value\ndomain,own.acme.example\n';
    expect((await cli('import', '--file', file('own.csv', csv), '--workspace', pro.id)).code).toBe(0);
    const values = async (workspaceId: string) => (await alertsOf(workspaceId)).filter((r) => r.kind === 'ioc').length;
    expect(await values(pro.id)).toBe(2);
    // A watches `acme` too, but cannot read another workspace's own IOC.
    expect(await values(a.id)).toBe(4);
  });
});

describe('over REST', () => {
  it('lists the workspace’s alerts newest first, with the record as the searches show it', async () => {
    const answer = await call('/api/v1/alerts?limit=100', keyA);
    expect(answer.status, answer.text).toBe(200);
    const data = answer.json.data as Array<Record<string, any>>;
    expect(data).toHaveLength(10);
    expect(data.map((alert) => alert.created_at)).toEqual([...data.map((alert) => alert.created_at)].sort().reverse());
    const card = data.find((alert) => alert.kind === 'card_leak')!;
    expect(card).toEqual({
      id: expect.any(String),
      watchlist_id: watchlistA,
      entry: { id: expect.any(String), type: 'bin', value: '411111' },
      kind: 'card_leak',
      record: expect.objectContaining({ bin: '41111111', last4: '1111', expiry: '12/29', source_name: 'cards-1' }),
      status: 'new',
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const leak = data.find((alert) => alert.kind === 'credential_leak' && alert.record.site === 'login.acme.example')!;
    expect(leak.record).toMatchObject({
      email: 'customer@gmail.test',
      password_masked: 'p*********r',
      source_type: 'stealer_log',
    });
    const ioc = data.find(
      (alert) => alert.kind === 'ioc' && alert.entry.type === 'keyword' && alert.record.type === 'domain',
    )!;
    expect(ioc.record).toMatchObject({ value: 'login-acme-verify.example', shared: true });
  });

  it('filters by kind, status and watchlist, and pages by keyset', async () => {
    expect((await call('/api/v1/alerts?kind=ioc', keyA)).json.data).toHaveLength(4);
    expect((await call(`/api/v1/alerts?watchlist_id=${watchlistA}&kind=card_leak`, keyA)).json.data).toHaveLength(1);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { data: { id: string }[]; pagination: { next_cursor: string | null } } } = await call(
        `/api/v1/alerts?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        keyA,
      );
      seen.push(...page.json.data.map((alert) => alert.id));
      cursor = page.json.pagination.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(10);
  });

  it('acknowledges and resolves an alert; the status filter follows', async () => {
    const [first] = (await call('/api/v1/alerts?limit=1', keyA)).json.data;
    const acknowledged = await call(`/api/v1/alerts/${first.id}`, keyA, {
      method: 'PATCH',
      body: '{"status":"acknowledged"}',
    });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.json.data).toMatchObject({ id: first.id, status: 'acknowledged' });
    expect(acknowledged.json.data.updated_at >= first.updated_at).toBe(true);
    expect(
      (await call('/api/v1/alerts?status=acknowledged', keyA)).json.data.map((alert: { id: string }) => alert.id),
    ).toEqual([first.id]);
    expect(
      (await call(`/api/v1/alerts/${first.id}`, keyA, { method: 'PATCH', body: '{"status":"resolved"}' })).json.data
        .status,
    ).toBe('resolved');
    expect((await call(`/api/v1/alerts/${first.id}`, keyA)).json.data.status).toBe('resolved');
  });

  it('refuses what it must, and changes nothing when it does', async () => {
    const [first] = (await call('/api/v1/alerts?limit=1', keyA)).json.data;
    const other = (await call('/api/v1/alerts?limit=1', keyPro)).json.data[0];
    expect(await call(`/api/v1/alerts/${other.id}`, keyA)).toMatchObject({
      status: 404,
      text: '{ "error": "Not found" }',
    });
    expect(
      (await call(`/api/v1/alerts/${other.id}`, keyA, { method: 'PATCH', body: '{"status":"resolved"}' })).status,
    ).toBe(404);
    expect((await call(`/api/v1/alerts/${other.id}`, keyPro)).json.data.status).toBe('new');
    expect(
      (await call(`/api/v1/alerts/${first.id}`, keyA, { method: 'PATCH', body: '{"status":"done"}' })).status,
    ).toBe(400);
    expect((await call(`/api/v1/alerts/${first.id}`, keyA, { method: 'PATCH', body: '{}' })).text).toBe(
      '{ "error": "Missing required parameter: status." }',
    );
    expect((await call('/api/v1/alerts?status=open', keyA)).status).toBe(400);
    expect((await call('/api/v1/alerts/not-an-id', keyA)).status).toBe(400);
    expect((await call('/api/v1/alerts', null)).status).toBe(401);
    expect((await call('/api/v1/alerts', keyANoWatchlists)).status).toBe(403);
    expect(
      (await call(`/api/v1/alerts/${first.id}`, keyAReadOnly, { method: 'PATCH', body: '{"status":"new"}' })).status,
    ).toBe(403);
    expect((await call(`/api/v1/alerts/${first.id}`, keyA)).json.data.status).toBe('resolved');
  });

  it('hides a leak from a key that could not search leaks, and keeps the alert', async () => {
    const data = (await call('/api/v1/alerts?kind=credential_leak', keyAWithoutLeaks)).json.data as Array<{
      record: unknown;
      entry: unknown;
    }>;
    expect(data).toHaveLength(5);
    expect(data.every((alert) => alert.record === null)).toBe(true);
    expect(
      (await call('/api/v1/alerts?kind=ioc', keyAWithoutLeaks)).json.data.every(
        (alert: { record: unknown }) => alert.record !== null,
      ),
    ).toBe(true);
  });
});

describe('over GraphQL', () => {
  it('answers alerts with the record as a union, and updateAlert', async () => {
    const { body } = await t.graphql(
      keyA,
      '{ alerts(kind: CARD_LEAK) { edges { node { id kind status entry { type value } record { __typename ... on CardLeak { bin last4 } } } } } }',
    );
    const [node] = body.data!.alerts.edges.map((edge: { node: unknown }) => edge.node);
    expect(node).toMatchObject({
      kind: 'CARD_LEAK',
      status: 'NEW',
      entry: { type: 'BIN', value: '411111' },
      record: { __typename: 'CardLeak', bin: '41111111', last4: '1111' },
    });
    const updated = await t.graphql(
      keyA,
      'mutation($id: ID!) { updateAlert(id: $id, status: ACKNOWLEDGED) { status } }',
      { id: node.id },
    );
    expect(updated.body.data!.updateAlert).toEqual({ status: 'ACKNOWLEDGED' });
    const missing = await t.graphql(
      keyA,
      'mutation { updateAlert(id: "00000000-0000-4000-8000-000000000000", status: RESOLVED) { status } }',
    );
    expect(missing.body.errors![0]!.extensions).toMatchObject({ code: 'not_found' });
  });

  it('updates several alerts at once, never another workspace’s, and needs watchlists:write', async () => {
    const { body } = await t.graphql(keyA, '{ alerts(kind: CREDENTIAL_LEAK, first: 3) { edges { node { id } } } }');
    const ids = body.data!.alerts.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];
    expect(ids.length).toBeGreaterThanOrEqual(2);
    const other = await t.graphql(keyPro, '{ alerts(first: 1) { edges { node { id status } } } }');
    const theirs = other.body.data!.alerts.edges as { node: { id: string; status: string } }[];
    const updated = await t.graphql(
      keyA,
      'mutation($ids: [ID!]!) { updateAlerts(ids: $ids, status: RESOLVED) { id status } }',
      { ids: [...ids, ...theirs.map((e) => e.node.id)] },
    );
    expect(updated.body.data!.updateAlerts.map((alert: { id: string }) => alert.id).sort()).toEqual([...ids].sort());
    expect(updated.body.data!.updateAlerts.every((alert: { status: string }) => alert.status === 'RESOLVED')).toBe(
      true,
    );
    if (theirs[0]) {
      const still = await t.graphql(keyPro, 'query($id: ID!) { alert(id: $id) { status } }', { id: theirs[0].node.id });
      expect(still.body.data!.alert.status).toBe(theirs[0].node.status);
    }
    const refused = await t.graphql(
      keyAReadOnly,
      'mutation($ids: [ID!]!) { updateAlerts(ids: $ids, status: NEW) { id } }',
      { ids },
    );
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'forbidden' });
    const tooMany = await t.graphql(keyA, 'mutation($ids: [ID!]!) { updateAlerts(ids: $ids, status: NEW) { id } }', {
      ids: Array.from({ length: 101 }, () => ids[0]),
    });
    expect(tooMany.body.errors![0]!.extensions).toMatchObject({ code: 'invalid_parameter' });
  });

  it('sums alerts for the dashboard: new ones by kind, and every day of the last 30', async () => {
    const { body } = await t.graphql(keyA, '{ alertSummary { newByKind { kind count } daily { day count } } }');
    const summary = body.data!.alertSummary as {
      newByKind: { kind: string; count: number }[];
      daily: { day: string; count: number }[];
    };
    const listed = await t.graphql(
      keyA,
      '{ alerts(status: NEW, first: 1000) { edges { node { kind } } } all: alerts(first: 1000) { edges { node { createdAt } } } }',
    );
    const newOnes = listed.body.data!.alerts.edges.map(
      (edge: { node: { kind: string } }) => edge.node.kind,
    ) as string[];
    for (const { kind, count } of summary.newByKind) expect(count).toBe(newOnes.filter((k) => k === kind).length);
    expect(summary.daily).toHaveLength(30);
    expect(summary.daily.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    expect(summary.daily.reduce((sum, d) => sum + d.count, 0)).toBe(listed.body.data!.all.edges.length);
    const week = await t.graphql(keyA, '{ alertSummary(days: 7) { daily { day } } }');
    expect(week.body.data!.alertSummary.daily).toHaveLength(7);
    const wrong = await t.graphql(keyA, '{ alertSummary(days: 0) { daily { day } } }');
    expect(wrong.body.errors![0]!.extensions).toMatchObject({ code: 'invalid_parameter' });
    const refused = await t.graphql(keyANoWatchlists, '{ alertSummary { daily { day } } }');
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'forbidden' });
  });
});
