/**
 * The IOC record declared once (src/iocs/record.ts): the declaration and the table agree, and a
 * field declared there reaches every door with nothing else written. `valid_until` is the field
 * walked here: a column and one entry in the record, and it comes in through a CSV import, a
 * STIX import, REST and GraphQL submissions and TAXII, and goes out through REST, GraphQL, CSV and
 * STIX exports, TAXII and webhook payloads' record.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getTableColumns, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iocs } from '../../src/db/schema.js';
import { importIocs } from '../../src/iocs/import.js';
import {
  CSV_COLUMNS,
  INPUT_FIELDS,
  IOC_FIELDS,
  mergeUpserts,
  SHOWN_FIELDS,
  snakeName,
  upsertOf,
} from '../../src/iocs/record.js';
import { ROUTES } from '../../src/rest/routes.js';
import { ownCollectionId } from '../../src/taxii/collections.js';
import { createTestApp, type TestApp } from '../support/app.js';

describe('the IOC record', () => {
  it('declares every column of the table, under the column’s own name, and nothing the table lacks; the rest is computed when read (in SQL, or derived in TypeScript)', () => {
    const columns = getTableColumns(iocs);
    const computed = [
      'shared',
      'validFrom',
      'status',
      'score',
      'sightings',
      'falsePositive',
      'falsePositiveReports',
      'excludedBy',
    ];
    const declared = Object.keys(IOC_FIELDS).filter((field) => !computed.includes(field));
    expect(declared.sort()).toEqual(Object.keys(columns).sort());
    for (const field of declared) expect(columns[field as keyof typeof columns].name, field).toBe(snakeName(field));
    // Each computed field is selected by its own SQL, or derived from the row where it is read.
    for (const field of computed.slice(1)) {
      const spec = IOC_FIELDS[field as keyof typeof IOC_FIELDS];
      expect(Boolean(spec.read) !== Boolean(spec.derived), field).toBe(true);
    }
  });

  it('gives the CSV every shown field, those added since `shared` after it, and the submission body every input field', () => {
    const last = [
      'shared',
      'validFrom',
      'revoked',
      'status',
      'score',
      'falsePositive',
      'falsePositiveReports',
      'excludedBy',
    ];
    // An object is no CSV cell.
    const columns = SHOWN_FIELDS.filter((f) => !last.includes(f) && f !== 'sightings');
    expect(CSV_COLUMNS).toEqual([...columns, ...last].map(snakeName));
    const submit = ROUTES.find((route) => route.method === 'POST' && route.path === '/api/v1/iocs')!;
    const item = (submit.body!.schema.properties as Record<string, { items: { properties: Record<string, unknown> } }>)
      .iocs!.items;
    expect(Object.keys(item.properties).sort()).toEqual(['type', 'value', ...INPUT_FIELDS.map(snakeName)].sort());
  });

  it('merges one IOC met twice in a batch by each field’s rule', () => {
    const a = upsertOf('domain', 'a.example', {
      firstSeen: '2026-01-02T00:00:00.000Z',
      lastSeen: '2026-01-05T00:00:00.000Z',
      source: 'one',
      confidence: 40,
    });
    const b = upsertOf('domain', 'a.example', {
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-03T00:00:00.000Z',
      source: 'two',
    });
    expect(mergeUpserts(a, b)).toMatchObject({
      firstSeen: '2026-01-01T00:00:00.000Z',
      lastSeen: '2026-01-05T00:00:00.000Z',
      source: 'two',
      confidence: 40,
      validUntil: null,
    });
  });
});

describe('a field declared once reaches every door (valid_until)', () => {
  let t: TestApp;
  let workspaceId: string;
  let key: string;
  let dir: string;
  const auth = () => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    // TAXII serves rows once they have settled: at once here.
    t = await createTestApp({ settleMs: 0 });
    workspaceId = (await t.createWorkspace()).id;
    key = (await t.createKey(workspaceId)).key;
    dir = await mkdtemp(path.join(tmpdir(), 'record-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await t.close();
  });

  const stored = async (value: string) =>
    (
      await t.database.rows<{ valid_until: string | null }>(
        sql`select valid_until::text from iocs where value = ${value}`,
      )
    )[0]?.valid_until ?? null;

  it('comes in through a CSV import and a STIX import, and is checked like any field', async () => {
    const csv = path.join(dir, 'in.csv');
    await writeFile(
      csv,
      'type,value,valid_until\ndomain,csv-door.example,2027-01-01T00:00:00Z\ndomain,bad-date.example,soon\n',
    );
    const report = await importIocs(t.database.db, csv, { format: 'csv', workspaceId: null });
    expect(report).toMatchObject({ created: 1, rejected: 1 });
    expect(report.errors[0]!.reason).toMatch(/^valid_until must be a real ISO 8601 date/);
    expect(await stored('csv-door.example')).toBe('2027-01-01 00:00:00+00');

    const stix = path.join(dir, 'in.json');
    await writeFile(
      stix,
      JSON.stringify({
        type: 'bundle',
        id: 'bundle--8d1f7d3f-8b8e-4c55-9d7c-3c6d2a5c1f10',
        objects: [
          {
            type: 'indicator',
            spec_version: '2.1',
            id: 'indicator--0b6b1b7e-1f3c-4d55-9f2e-7a0f6f1d2c3b',
            created: '2026-01-01T00:00:00Z',
            modified: '2026-01-01T00:00:00Z',
            pattern: "[domain-name:value = 'stix-door.example']",
            pattern_type: 'stix',
            valid_from: '2026-01-01T00:00:00Z',
            valid_until: '2027-02-01T00:00:00Z',
          },
        ],
      }),
    );
    expect(await importIocs(t.database.db, stix, { format: 'stix', workspaceId: null })).toMatchObject({
      created: 1,
      rejected: 0,
    });
    expect(await stored('stix-door.example')).toBe('2027-02-01 00:00:00+00');
  });

  it('comes in through REST and GraphQL submissions', async () => {
    const rest = await t.fetch('/api/v1/iocs', {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ iocs: [{ value: 'rest-door.example', valid_until: '2027-03-01T00:00:00Z' }] }),
    });
    expect(rest.status, await rest.clone().text()).toBe(200);
    expect(await stored('rest-door.example')).toBe('2027-03-01 00:00:00+00');
    const graphql = await t.graphql(
      key,
      'mutation { submitIocs(iocs: [{ value: "graphql-door.example", validUntil: "2027-04-01T00:00:00Z" }]) { created } }',
    );
    expect(graphql.body).toEqual({ data: { submitIocs: { created: 1 } } });
    expect(await stored('graphql-door.example')).toBe('2027-04-01 00:00:00+00');
  });

  it('goes out through REST, GraphQL, the CSV and STIX exports and TAXII', async () => {
    const listing = (await (await t.fetch('/api/v1/iocs?limit=10', { headers: auth() })).json()) as {
      data: { value: string; valid_until: string | null }[];
    };
    expect(Object.fromEntries(listing.data.map((ioc) => [ioc.value, ioc.valid_until]))).toMatchObject({
      'csv-door.example': '2027-01-01T00:00:00.000Z',
      'stix-door.example': '2027-02-01T00:00:00.000Z',
      'rest-door.example': '2027-03-01T00:00:00.000Z',
    });
    const graphql = await t.graphql(key, '{ iocLookup(values: ["graphql-door.example"]) { validUntil } }');
    expect(graphql.body).toEqual({ data: { iocLookup: [{ validUntil: '2027-04-01T00:00:00.000Z' }] } });

    const csv = await (await t.fetch('/api/v1/iocs/export?format=csv', { headers: auth() })).text();
    const [header, ...lines] = csv.trim().split('\n');
    expect(header!.split(',')).toContain('valid_until');
    const column = header!.split(',').indexOf('valid_until');
    expect(lines.find((line) => line.includes('csv-door.example'))!.split(',')[column]).toBe(
      '2027-01-01T00:00:00.000Z',
    );

    const bundle = (await (await t.fetch('/api/v1/iocs/export?format=stix', { headers: auth() })).json()) as {
      objects: { name?: string; valid_until?: string }[];
    };
    expect(bundle.objects.find((o) => o.name === 'stix-door.example')?.valid_until).toBe('2027-02-01T00:00:00.000Z');

    const own = await t.fetch(`/taxii2/api/collections/${ownCollectionId(workspaceId)}/objects/`, {
      headers: { ...auth(), accept: 'application/taxii+json;version=2.1' },
    });
    expect(own.status).toBe(200);
    const objects = ((await own.json()) as { objects: { name?: string; valid_until?: string }[] }).objects;
    expect(objects.find((o) => o.name === 'rest-door.example')?.valid_until).toBe('2027-03-01T00:00:00.000Z');
  });

  it('keeps a stored value when an import does not give one, and takes a new one when it does', async () => {
    const csv = path.join(dir, 'again.csv');
    await writeFile(
      csv,
      'type,value,valid_until,source\ndomain,csv-door.example,,again\ndomain,stix-door.example,2028-01-01T00:00:00Z,\n',
    );
    expect(await importIocs(t.database.db, csv, { format: 'csv', workspaceId: null })).toMatchObject({ updated: 2 });
    expect(await stored('csv-door.example')).toBe('2027-01-01 00:00:00+00');
    expect(await stored('stix-door.example')).toBe('2028-01-01 00:00:00+00');
  });
});
