/**
 * Key management over GraphQL (docs/api.md §2, §7): every query and mutation allowed, refused without
 * its permission, and blind to another workspace; plan limits under concurrency; rotation;
 * audit events; secrets never shown twice nor logged.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type GraphQLBody, type TestApp } from '../support/app.js';
import { createLogger } from '../../src/core/logger.js';
import { LastUsedRecorder } from '../../src/keys/lastUsed.js';

let t: TestApp;
let admin: string;
let adminPrefix: string;
let readOnly: string;
let workspaceId: string;
let otherAdmin: string;
const secretsSeen: string[] = [];

const KEY = 'id prefix name permissions status createdAt expiresAt revokedAt lastUsedAt rotatedFromId rotationDue';
const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { ${KEY} } } }`;
const ROTATE = `mutation($id: ID!, $grace: Int) { rotateApiKey(id: $id, gracePeriodSeconds: $grace) { secret apiKey { ${KEY} } } }`;
const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { ${KEY} } }`;
const LIST = `{ apiKeys { ${KEY} } }`;
const AUDIT =
  'query($first: Int, $after: String) { auditEvents(first: $first, after: $after) { edges { node { action actorKeyPrefix targetKeyId targetKeyPrefix requestId createdAt } } pageInfo { hasNextPage endCursor } } }';

type Key = Record<string, unknown> & { id: string; prefix: string; status: string; permissions: string[] };
type Created = { secret: string; apiKey: Key };

beforeAll(async () => {
  t = await createTestApp();
  ({ id: workspaceId } = await t.createWorkspace({ plan: 'pro' }));
  ({ key: admin, prefix: adminPrefix } = await t.createKey(workspaceId));
  readOnly = (await t.createKey(workspaceId, { permissions: ['keys:read', 'iocs:read'] })).key;
  otherAdmin = (await t.createKey((await t.createWorkspace()).id)).key;
});
afterAll(() => t.close());

function errorOf(body: GraphQLBody) {
  expect(body.errors, JSON.stringify(body)).toHaveLength(1);
  return { ...body.errors![0]!.extensions, message: body.errors![0]!.message };
}

async function create(input: Record<string, unknown>, key = admin): Promise<Created> {
  const { body } = await t.graphql(key, CREATE, { input });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  const created = body.data!.createApiKey as Created;
  secretsSeen.push(created.secret);
  return created;
}

const viewerStatus = async (key: string) => {
  const answer = await t.graphql(key, '{ viewer { key { name } } }');
  return answer.status === 200 ? 'ok' : answer.body.errors![0]!.extensions!.code;
};

describe('createApiKey', () => {
  it('returns the secret once, with read-only permissions by default, and the key works', async () => {
    const created = await create({ name: ' SIEM connector ' });
    expect(created.secret).toMatch(/^sk_live_[0-9A-Za-z]{42}$/);
    expect(created.apiKey).toMatchObject({
      name: 'SIEM connector',
      prefix: created.secret.slice(0, 20),
      permissions: ['IOCS_READ', 'WATCHLISTS_READ', 'DATALEAKS_READ'],
      status: 'ACTIVE',
      expiresAt: null,
      revokedAt: null,
      rotatedFromId: null,
      rotationDue: false,
    });
    expect(await viewerStatus(created.secret)).toBe('ok');
    const listed = (await t.graphql(admin, LIST)).body;
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(20));
  });

  it('takes permissions and an expiry', async () => {
    const created = await create({ name: 'ro', permissions: ['IOCS_READ'], expiresInDays: 7 });
    expect(created.apiKey.permissions).toEqual(['IOCS_READ']);
    expect(Date.parse(created.apiKey.expiresAt as string) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
  });

  it('never grants more than the caller holds', async () => {
    const limited = await create({ name: 'limited', permissions: ['KEYS_WRITE', 'IOCS_READ'] });
    const { body } = await t.graphql(limited.secret, CREATE, {
      input: { name: 'escalate', permissions: ['IOCS_READ', 'DATALEAKS_READ'] },
    });
    expect(errorOf(body)).toMatchObject({
      code: 'forbidden',
      message: 'Forbidden: a key cannot grant permissions it does not hold: dataleaks:read.',
    });
    // The default is cut down to what the caller holds.
    const child = (await t.graphql(limited.secret, CREATE, { input: { name: 'child' } })).body.data!
      .createApiKey as Created;
    expect(child.apiKey.permissions).toEqual(['IOCS_READ']);
  });

  it.each([
    [{ name: '' }, 'missing_parameter', 'name'],
    [{ name: 'x'.repeat(101) }, 'invalid_parameter', 'name'],
    [{ name: 'x', expiresInDays: 0 }, 'invalid_parameter', 'expiresInDays'],
    [{ name: 'x', expiresInDays: 5000 }, 'invalid_parameter', 'expiresInDays'],
    [{ name: 'x', permissions: [] }, 'invalid_parameter', 'permissions'],
  ])('refuses %j and creates nothing', async (input, code, parameter) => {
    const before = (await t.graphql(admin, LIST)).body;
    const { body, requestId } = await t.graphql(admin, CREATE, { input });
    expect(errorOf(body)).toMatchObject({ code, parameter, request_id: requestId });
    expect((await t.graphql(admin, LIST)).body).toEqual(before);
  });

  it('is forbidden without keys:write', async () => {
    expect(errorOf((await t.graphql(readOnly, CREATE, { input: { name: 'x' } })).body)).toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('plan limits', () => {
  it('refuse the key past the limit with key_limit_reached, creating nothing', async () => {
    const { id } = await t.createWorkspace({ plan: 'free' });
    const { key } = await t.createKey(id);
    await create({ name: 'two' }, key);
    await create({ name: 'three' }, key);
    const { body } = await t.graphql(key, CREATE, { input: { name: 'four' } });
    expect(errorOf(body)).toMatchObject({
      code: 'key_limit_reached',
      message: 'The free plan allows 3 active API keys; revoke one or upgrade the plan.',
    });
    expect(((await t.graphql(key, LIST)).body.data!.apiKeys as Key[]).length).toBe(3);
    expect((await t.graphql(key, '{ viewer { workspace { keyLimit activeKeys } } }')).body.data).toEqual({
      viewer: { workspace: { keyLimit: 3, activeKeys: 3 } },
    });
  });

  it('hold under concurrency: twenty parallel creations one below the limit make exactly one key', async () => {
    const { id } = await t.createWorkspace({ plan: 'free' });
    const { key } = await t.createKey(id);
    await create({ name: 'second' }, key);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.graphql(key, CREATE, { input: { name: `race ${i}` } })),
    );
    const created = answers.filter((a) => !a.body.errors);
    expect(created).toHaveLength(1);
    expect(answers.filter((a) => a.body.errors?.[0]?.extensions?.code === 'key_limit_reached')).toHaveLength(19);
    const [row] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from api_keys where workspace_id = ${id}`,
    );
    expect(row!.n).toBe(3);
  });

  it('do not count a key in its rotation grace period, so rotation works at the limit', async () => {
    const { id } = await t.createWorkspace({ plan: 'free' });
    const { key } = await t.createKey(id);
    const second = await create({ name: 'second' }, key);
    await create({ name: 'third' }, key);
    const { body } = await t.graphql(key, ROTATE, { id: second.apiKey.id, grace: 3600 });
    expect(body.errors).toBeUndefined();
    const keys = (await t.graphql(key, LIST)).body.data!.apiKeys as Key[];
    expect(keys.map((k) => k.status).sort()).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ROTATING']);
  });
});

describe('rotateApiKey', () => {
  it('makes a new key with the same name and permissions, linked to the old one, which lives on for the grace period', async () => {
    const old = await create({ name: 'rotate me', permissions: ['IOCS_READ', 'WATCHLISTS_READ'] });
    const { body } = await t.graphql(admin, ROTATE, { id: old.apiKey.id });
    const rotated = body.data!.rotateApiKey as Created;
    secretsSeen.push(rotated.secret);
    expect(rotated.apiKey).toMatchObject({
      name: 'rotate me',
      permissions: ['IOCS_READ', 'WATCHLISTS_READ'],
      rotatedFromId: old.apiKey.id,
      status: 'ACTIVE',
    });
    expect(rotated.secret).not.toBe(old.secret);
    expect(await viewerStatus(rotated.secret)).toBe('ok');
    expect(await viewerStatus(old.secret)).toBe('ok');
    const oldNow = ((await t.graphql(admin, LIST)).body.data!.apiKeys as Key[]).find((k) => k.id === old.apiKey.id)!;
    expect(oldNow.status).toBe('ROTATING');
    // Default grace: 24 hours.
    expect(Math.abs(Date.parse(oldNow.expiresAt as string) - Date.now() - 86_400_000)).toBeLessThan(60_000);
  });

  it('with a grace period of 0 refuses the old key at once', async () => {
    const old = await create({ name: 'now' });
    expect(await viewerStatus(old.secret)).toBe('ok');
    const { body } = await t.graphql(admin, ROTATE, { id: old.apiKey.id, grace: 0 });
    expect(body.errors).toBeUndefined();
    await expect.poll(() => viewerStatus(old.secret), { timeout: 1000, interval: 20 }).toBe('expired_api_key');
  });

  it('never extends the old key past its own expiry', async () => {
    const old = await create({ name: 'short', expiresInDays: 1 });
    await t.graphql(admin, ROTATE, { id: old.apiKey.id, grace: 30 * 86_400 });
    const oldNow = ((await t.graphql(admin, LIST)).body.data!.apiKeys as Key[]).find((k) => k.id === old.apiKey.id)!;
    expect(oldNow.expiresAt).toBe(old.apiKey.expiresAt);
  });

  it('refuses a revoked, an expired or an already rotated key, and a grace period out of range', async () => {
    const revoked = await create({ name: 'revoked' });
    await t.graphql(admin, REVOKE, { id: revoked.apiKey.id });
    expect(errorOf((await t.graphql(admin, ROTATE, { id: revoked.apiKey.id })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'id',
    });

    const expired = await create({ name: 'expired', expiresInDays: 1 });
    await t.database.db.execute(
      sql`update api_keys set expires_at = now() - interval '1 second' where id = ${expired.apiKey.id}`,
    );
    expect(errorOf((await t.graphql(admin, ROTATE, { id: expired.apiKey.id })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'id',
    });

    const twice = await create({ name: 'twice' });
    await t.graphql(admin, ROTATE, { id: twice.apiKey.id });
    expect(errorOf((await t.graphql(admin, ROTATE, { id: twice.apiKey.id })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'id',
    });

    const fine = await create({ name: 'fine' });
    for (const grace of [-1, 30 * 86_400 + 1]) {
      expect(errorOf((await t.graphql(admin, ROTATE, { id: fine.apiKey.id, grace })).body)).toMatchObject({
        code: 'invalid_parameter',
        parameter: 'gracePeriodSeconds',
      });
    }
    expect(await viewerStatus(fine.secret)).toBe('ok');
  });

  it('answers not_found for another workspace’s key or an unknown id, and is forbidden without keys:write', async () => {
    const mine = await create({ name: 'mine' });
    expect(errorOf((await t.graphql(otherAdmin, ROTATE, { id: mine.apiKey.id })).body)).toMatchObject({
      code: 'not_found',
    });
    expect(
      errorOf((await t.graphql(admin, ROTATE, { id: '00000000-0000-4000-8000-000000000000' })).body),
    ).toMatchObject({ code: 'not_found' });
    expect(errorOf((await t.graphql(readOnly, ROTATE, { id: mine.apiKey.id })).body)).toMatchObject({
      code: 'forbidden',
    });
    expect(errorOf((await t.graphql(admin, ROTATE, { id: 'not-an-id' })).body)).toMatchObject({
      code: 'invalid_parameter',
      parameter: 'id',
    });
    expect(await viewerStatus(mine.secret)).toBe('ok');
  });
});

describe('revokeApiKey', () => {
  it('revokes for good; revoking again changes nothing', async () => {
    const victim = await create({ name: 'victim' });
    const first = (await t.graphql(admin, REVOKE, { id: victim.apiKey.id })).body.data!.revokeApiKey as Key;
    expect(first).toMatchObject({ id: victim.apiKey.id, status: 'REVOKED', revokedAt: expect.any(String) });
    await expect.poll(() => viewerStatus(victim.secret), { timeout: 1000, interval: 20 }).toBe('expired_api_key');
    const again = (await t.graphql(admin, REVOKE, { id: victim.apiKey.id })).body.data!.revokeApiKey as Key;
    expect(again.revokedAt).toBe(first.revokedAt);
  });

  it('lets a key revoke itself', async () => {
    const self = await create({ name: 'self', permissions: ['KEYS_WRITE'] });
    const { body } = await t.graphql(self.secret, REVOKE, { id: self.apiKey.id });
    expect((body.data!.revokeApiKey as Key).status).toBe('REVOKED');
    await expect.poll(() => viewerStatus(self.secret), { timeout: 1000, interval: 20 }).toBe('expired_api_key');
  });

  it('answers not_found for another workspace’s key, which stays valid, and is forbidden without keys:write', async () => {
    const mine = await create({ name: 'guarded' });
    expect(errorOf((await t.graphql(otherAdmin, REVOKE, { id: mine.apiKey.id })).body)).toMatchObject({
      code: 'not_found',
    });
    expect(errorOf((await t.graphql(readOnly, REVOKE, { id: mine.apiKey.id })).body)).toMatchObject({
      code: 'forbidden',
    });
    expect(await viewerStatus(mine.secret)).toBe('ok');
  });
});

describe('apiKeys', () => {
  it('lists the workspace’s keys only, never a secret, and is forbidden without keys:read', async () => {
    const keys = (await t.graphql(readOnly, LIST)).body.data!.apiKeys as Key[];
    expect(keys.length).toBeGreaterThan(5);
    const others = (await t.graphql(otherAdmin, LIST)).body.data!.apiKeys as Key[];
    expect(others).toHaveLength(1);
    expect(keys.map((k) => k.id)).not.toContain(others[0]!.id);
    const text = JSON.stringify(keys);
    for (const secret of secretsSeen) expect(text).not.toContain(secret.slice(20));
    const noKeys = (await create({ name: 'no keys perm', permissions: ['IOCS_READ'] })).secret;
    expect(errorOf((await t.graphql(noKeys, LIST)).body)).toMatchObject({ code: 'forbidden' });
  });

  it('shows when a key was last used, to the minute, written in batches, never before it was made', async () => {
    const used = await create({ name: 'used' });
    await viewerStatus(used.secret);
    await t.lastUsed.flush();
    const key = ((await t.graphql(admin, LIST)).body.data!.apiKeys as Key[]).find((k) => k.id === used.apiKey.id)!;
    const lastUsed = Date.parse(key.lastUsedAt as string);
    // Used the moment it was made: the first use of that minute is what is kept, not the minute's start.
    expect(lastUsed).toBeGreaterThanOrEqual(Date.parse(key.createdAt as string));
    expect(Date.now() - lastUsed).toBeLessThan(61_000);
  });

  it('writes a busy key once a minute: later uses in the same minute change nothing', async () => {
    const recorder = new LastUsedRecorder(t.database.db, createLogger('silent'));
    const busy = await create({ name: 'busy' });
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    recorder.record(busy.apiKey.id, minute + 10_000);
    await recorder.flush();
    recorder.record(busy.apiKey.id, minute + 50_000);
    await recorder.flush();
    const lastUsedAt = async () =>
      ((await t.graphql(admin, LIST)).body.data!.apiKeys as Key[]).find((k) => k.id === busy.apiKey.id)!.lastUsedAt;
    expect(Date.parse((await lastUsedAt()) as string)).toBe(minute + 10_000);
    recorder.record(busy.apiKey.id, minute + 70_000);
    await recorder.flush();
    expect(Date.parse((await lastUsedAt()) as string)).toBe(minute + 70_000);
  });
});

describe('auditEvents', () => {
  it('record every create, rotate and revoke with actor, target and request id, newest first', async () => {
    const created = await t.graphql(admin, CREATE, { input: { name: 'audited' } });
    const key = (created.body.data!.createApiKey as Created).apiKey;
    const rotated = await t.graphql(admin, ROTATE, { id: key.id });
    const revoked = await t.graphql(admin, REVOKE, { id: key.id });
    const { body } = await t.graphql(readOnly, AUDIT, { first: 3 });
    const events = (body.data!.auditEvents as { edges: { node: Record<string, unknown> }[] }).edges.map((e) => e.node);
    const actor = `sk_live_${adminPrefix}`;
    expect(events).toEqual([
      {
        action: 'api_key.revoked',
        actorKeyPrefix: actor,
        targetKeyId: key.id,
        targetKeyPrefix: key.prefix,
        requestId: revoked.requestId,
        createdAt: expect.any(String),
      },
      {
        action: 'api_key.rotated',
        actorKeyPrefix: actor,
        targetKeyId: key.id,
        targetKeyPrefix: key.prefix,
        requestId: rotated.requestId,
        createdAt: expect.any(String),
      },
      {
        action: 'api_key.created',
        actorKeyPrefix: actor,
        targetKeyId: key.id,
        targetKeyPrefix: key.prefix,
        requestId: created.requestId,
        createdAt: expect.any(String),
      },
    ]);
  });

  it('page through every event once, show nothing of another workspace, and are forbidden without keys:read', async () => {
    const seen: unknown[] = [];
    let after: string | null = null;
    do {
      const { body }: { body: GraphQLBody } = await t.graphql(admin, AUDIT, { first: 4, after });
      const page = body.data!.auditEvents as {
        edges: { node: { createdAt: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
      seen.push(...page.edges.map((e) => JSON.stringify(e.node)));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const [row] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from audit_events where workspace_id = ${workspaceId}`,
    );
    expect(seen).toHaveLength(row!.n);
    expect(new Set(seen).size).toBe(row!.n);
    const other = (await t.graphql(otherAdmin, AUDIT, {})).body.data!.auditEvents as { edges: unknown[] };
    expect(other.edges).toHaveLength(1); // its own key's creation
    const noKeys = (await create({ name: 'no audit', permissions: ['IOCS_READ'] })).secret;
    expect(errorOf((await t.graphql(noKeys, AUDIT, {})).body)).toMatchObject({ code: 'forbidden' });
  });
});

describe('the log', () => {
  it('never holds a secret created or rotated in this file', () => {
    expect(secretsSeen.length).toBeGreaterThan(10);
    for (const line of t.logs) for (const secret of secretsSeen) expect(line).not.toContain(secret.slice(20));
  });
});
