/**
 * Findings 1 and 2 of the second security review (docs/api.md §12: inputs parsed in linear time):
 * a key header padded with white space, and a STIX pattern of 100,000 characters, each used to
 * hold the event loop for every tenant. Each is sent here the way the review sent it, and the
 * other tenant's request is timed against the same request alone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownCollectionId } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { insertIocs } from '../support/fixtures.js';
import { elapsed, medianTime, ratio } from '../support/timing.js';
import { TAXII_ACCEPT } from '../taxii/client.js';

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let victimKey: string;
let attacker: { id: string; key: string };

beforeAll(async () => {
  t = await createTestApp();
  server = await t.listen();
  victimKey = (await t.createKey((await t.createWorkspace()).id)).key;
  const workspace = await t.createWorkspace({ plan: 'free' });
  attacker = { id: workspace.id, key: (await t.createKey(workspace.id)).key };
  await insertIocs(t.database.db, [{ type: 'ipv4', value: '198.51.100.7' }]);
});

afterAll(async () => {
  await server.close();
  await t.close();
});

const victimListing = () =>
  fetch(`${server.url}/api/v1/iocs?limit=1`, { headers: { authorization: `Bearer ${victimKey}` } }).then((r) =>
    r.text(),
  );

describe('finding 1: a key header padded with 16,000 spaces', () => {
  const padded = `Bearer ${' '.repeat(16_000)}x`;

  it.each([
    ['Authorization: Bearer', '/api/v1/iocs', { authorization: padded }],
    ['X-API-Key on /graphql', '/graphql', { 'x-api-key': `sk_live_${' '.repeat(16_000)}x` }],
    ['Basic on /taxii2', '/taxii2/', { authorization: `Basic ${' '.repeat(16_000)}x`, accept: TAXII_ACCEPT }],
  ])('%s is refused as malformed at once, in the documented body', async (_name, path, headers) => {
    const response = await fetch(`${server.url}${path}`, { headers });
    expect(response.status).toBe(401);
    const body = await response.text();
    expect(body).toContain('invalid_api_key');
    expect(body).toContain('longer than 200 characters');
  });

  it('25 of them in flight leave another tenant’s listing within its normal time', async () => {
    await victimListing();
    const alone = await medianTime(victimListing);
    const attack = Array.from({ length: 25 }, () =>
      fetch(`${server.url}/api/v1/iocs?limit=1`, { headers: { authorization: padded } }).then((r) => r.status),
    );
    const underAttack = await elapsed(victimListing);
    expect(await Promise.all(attack)).toEqual(Array(25).fill(401));
    // Before the fix: 6.2 s against a few milliseconds.
    expect(ratio(underAttack, alone, 5)).toBeLessThan(20);
  });

  it('a header of exactly 200 characters is still read (a key with white space around it)', async () => {
    const response = await fetch(`${server.url}/api/v1/iocs?limit=1`, {
      headers: { authorization: `Bearer ${victimKey}`.padEnd(200, ' ') },
    });
    expect(response.status).toBe(200);
  });
});

describe('finding 2: a STIX pattern of 100,000 characters', () => {
  const envelope = (pattern: string) =>
    JSON.stringify({
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
          created: '2026-01-01T00:00:00Z',
          modified: '2026-01-01T00:00:00Z',
          pattern,
          pattern_type: 'stix',
          valid_from: '2026-01-01T00:00:00Z',
        },
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--0f2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
          created: '2026-01-01T00:00:00Z',
          modified: '2026-01-01T00:00:00Z',
          pattern: "[domain-name:value = 'kept.example']",
          pattern_type: 'stix',
          valid_from: '2026-01-01T00:00:00Z',
        },
      ],
    });
  const post = (body: string) =>
    fetch(`${server.url}/taxii2/api/collections/${ownCollectionId(attacker.id)}/objects/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${attacker.key}`, accept: TAXII_ACCEPT, 'content-type': TAXII_ACCEPT },
      body,
    });
  const healthz = () => fetch(`${server.url}/healthz`).then((r) => r.text());

  it('is refused with a reason; the other objects of the envelope are kept', async () => {
    // The review's pattern: an object path that never meets its `=` (quadratic for the old expression).
    const response = await post(envelope(`[${'a'.repeat(100_000)}`));
    expect(response.status).toBe(202);
    const status = (await response.json()) as Record<string, unknown>;
    expect(status).toMatchObject({ total_count: 2, success_count: 1, failure_count: 1 });
    expect(status.failures).toEqual([
      {
        id: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
        version: '2026-01-01T00:00:00Z',
        message: 'the pattern is longer than 10,000 characters',
      },
    ]);
  });

  it('while it is read, /healthz answers within its normal time', async () => {
    await healthz();
    const alone = await medianTime(healthz);
    const posting = post(envelope(`[${'a'.repeat(100_000)}`));
    const during = await elapsed(healthz);
    expect((await posting).status).toBe(202);
    // Before the fix: 11.5 s.
    expect(ratio(during, alone, 5)).toBeLessThan(20);
  });

  it('is refused the same way by `import --format stix` and by addTaxiiObjects', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ti-fair-stix-'));
    try {
      const file = path.join(dir, 'bundle.json');
      writeFileSync(
        file,
        JSON.stringify({
          type: 'bundle',
          id: 'bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd30',
          objects: JSON.parse(envelope(`[${'a'.repeat(100_000)}`)).objects,
        }),
      );
      const { code, json } = await runCommand(t.database, ['import', '--file', file, '--format', 'stix']);
      expect(code).toBe(0);
      expect(json).toMatchObject({
        created: 1,
        rejected: 1,
        errors: [
          {
            object: 'indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f',
            reason: 'the pattern is longer than 10,000 characters',
          },
        ],
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const { body } = await t.graphql(
      attacker.key,
      'mutation ($c: ID!, $o: [StixObject!]!) { addTaxiiObjects(collectionId: $c, objects: $o) { failureCount failures { message } } }',
      {
        c: ownCollectionId(attacker.id),
        o: JSON.parse(envelope(`[${'a'.repeat(100_000)}`)).objects.slice(0, 1),
      },
    );
    expect(body.data).toEqual({
      addTaxiiObjects: { failureCount: 1, failures: [{ message: 'the pattern is longer than 10,000 characters' }] },
    });
  });

  it('a pattern of 10,000 characters of the worst kinds is still read, its object refused for what it compares (the time: test/fuzz/linearTime.test.ts)', async () => {
    for (const worst of [
      'a'.repeat(9_998),
      `${"x.'".repeat(3_300)}`,
      `${' '.repeat(9_990)}x`,
      `${"'".repeat(9_999)}`,
      `${'[a:b = '.repeat(1_400)}`,
    ]) {
      const response = await post(envelope(`[${worst}]`));
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ total_count: 2, success_count: 1, failure_count: 1 });
    }
  });
});
