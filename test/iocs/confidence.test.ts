/**
 * Confidence wins (section 13), on every upsert path (submissions, CSV and STIX imports, a batch
 * holding the same value twice): a less confident report renews `last_seen`, applies its
 * `valid_until` and adds its tags, and changes nothing else; an equally or more confident one
 * updates as before.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';

describe('confidence wins', () => {
  let t: TestApp;
  let key: string;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.createKey((await t.createWorkspace()).id)).key;
    dir = mkdtempSync(path.join(tmpdir(), 'ti-confidence-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submit = async (iocs: Record<string, unknown>[]) => {
    const response = await t.fetch('/api/v1/iocs', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ iocs }),
    });
    expect(response.status).toBe(200);
  };
  const stored = async (value: string) => {
    const response = await t.fetch('/api/v1/iocs/lookup', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ values: [value] }),
    });
    const [ioc] = ((await response.json()) as { data: Record<string, unknown>[] }).data;
    return ioc!;
  };

  const first = {
    type: 'domain',
    threat_type: 'c2',
    confidence: 90,
    severity: 'high',
    tags: ['apt-x'],
    last_seen: '2026-11-01T00:00:00.000Z',
    valid_until: '2027-01-01T00:00:00.000Z',
  };
  const weaker = {
    type: 'domain',
    threat_type: 'benign',
    confidence: 40,
    severity: 'low',
    tags: ['apt-x', 'seen-by-partner'],
    last_seen: '2026-12-01T00:00:00.000Z',
    valid_until: '2027-02-01T00:00:00.000Z',
  };
  const expectedAfterWeaker = {
    threat_type: 'c2',
    confidence: 90,
    severity: 'high',
    tags: ['apt-x', 'seen-by-partner'],
    last_seen: '2026-12-01T00:00:00.000Z',
    valid_until: '2027-02-01T00:00:00.000Z',
  };

  it('a less confident submission renews last_seen, applies valid_until, adds tags, and changes nothing else', async () => {
    await submit([{ value: 'one.evil.example', ...first }]);
    await submit([{ value: 'one.evil.example', ...weaker }]);
    expect(await stored('one.evil.example')).toMatchObject(expectedAfterWeaker);
  });

  it('an equally or more confident one updates as before', async () => {
    await submit([
      { value: 'one.evil.example', type: 'domain', threat_type: 'phishing', confidence: 90, tags: ['kit'] },
    ]);
    expect(await stored('one.evil.example')).toMatchObject({ threat_type: 'phishing', confidence: 90, tags: ['kit'] });
    await submit([{ value: 'one.evil.example', type: 'domain', severity: 'critical', confidence: 95 }]);
    expect(await stored('one.evil.example')).toMatchObject({
      severity: 'critical',
      confidence: 95,
      threat_type: 'phishing',
    });
  });

  it('holds inside one batch that names the value twice', async () => {
    await submit([
      { value: 'two.evil.example', ...first },
      { value: 'two.evil.example', ...weaker },
    ]);
    expect(await stored('two.evil.example')).toMatchObject(expectedAfterWeaker);
  });

  it('holds for a CSV import and a STIX import', async () => {
    const csv = path.join(dir, 'weaker.csv');
    await submit([{ value: 'three.evil.example', ...first }]);
    const workspaces = await runCommand(t.database, ['workspace', 'list']);
    const workspaceId = (workspaces.json as { workspaces: { id: string }[] }).workspaces[0]!.id;
    writeFileSync(
      csv,
      'type,value,threat_type,confidence,severity,tags,last_seen,valid_until\n' +
        'domain,three.evil.example,benign,40,low,apt-x;seen-by-partner,2026-12-01T00:00:00.000Z,2027-02-01T00:00:00.000Z\n',
    );
    const imported = await runCommand(t.database, ['import', '--file', csv, '--workspace', workspaceId]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await stored('three.evil.example')).toMatchObject(expectedAfterWeaker);

    await submit([{ value: 'four.evil.example', ...first }]);
    const bundle = path.join(dir, 'weaker.json');
    writeFileSync(
      bundle,
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--6d7a6a1e-1111-4b2a-8c1a-0a0b0c0d0e0f',
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id: 'indicator--0b8f6d1e-2222-4c3a-9d2b-1a2b3c4d5e6f',
            created: '2026-12-01T00:00:00.000Z',
            modified: '2026-12-01T00:00:00.000Z',
            pattern: "[domain-name:value = 'four.evil.example']",
            pattern_type: 'stix',
            valid_from: '2026-12-01T00:00:00.000Z',
            valid_until: '2027-02-01T00:00:00.000Z',
            confidence: 40,
            labels: ['seen-by-partner'],
          },
        ],
      }),
    );
    const stix = await runCommand(t.database, ['import', '--file', bundle, '--workspace', workspaceId]);
    expect(stix.code, stix.stderr).toBe(0);
    expect(await stored('four.evil.example')).toMatchObject({
      threat_type: 'c2',
      confidence: 90,
      severity: 'high',
      valid_until: '2027-02-01T00:00:00.000Z',
    });
  });
});
