/**
 * The importer writes two batches at once, rows split between its lanes by key: a value met again
 * later in the file meets what its earlier occurrence wrote, whichever lane finishes first, and the
 * report lists refusals in the file's order.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Importer } from '../../src/iocs/import.js';
import { syncBuiltinLists } from '../../src/iocs/sharedExclusions.js';
import { createTestApp, type TestApp } from '../support/app.js';

describe('import lanes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await syncBuiltinLists(t.database.db);
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps the file order of a value met in several batches, and of the refusals', async () => {
    // Batches of two rows: 40 values fill many batches in both lanes.
    const importer = new Importer(t.database.db, null, 2);
    let line = 1;
    const add = (value: string, threatType: string, lastSeen: string) =>
      importer.add({ type: 'domain', value, threatType, lastSeen }, { line: ++line });
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 20; i++)
        await add(`lane-${i}.example`, `round-${round}`, `2026-11-0${round + 1}T00:00:00.000Z`);
    // Refused when its batch is written (a built-in list), then at once (not a domain).
    await importer.add({ type: 'ipv4', value: '10.1.2.3' }, { line: ++line });
    await importer.add({ type: 'domain', value: 'not a domain' }, { line: ++line });
    await add('lane-0.example', 'last', '2026-10-01T00:00:00.000Z');
    await importer.finish();

    expect(importer.report).toMatchObject({ read: 63, created: 20, rejected: 2 });
    expect(importer.report.errors).toEqual([
      { line: 62, reason: 'on exclusion list iana-special-purpose' },
      { line: 63, reason: expect.stringContaining('is not a valid domain') },
    ]);
    const rows = await t.database.rows<{ value: string; threat_type: string; last_seen: string }>(
      sql`select value, threat_type, to_char(last_seen at time zone 'UTC', 'YYYY-MM-DD') as last_seen
          from iocs where value like 'lane-%' order by value`,
    );
    expect(rows).toHaveLength(20);
    // The last occurrence's given field wins; the latest last_seen is kept.
    expect(rows.find((row) => row.value === 'lane-0.example')).toEqual({
      value: 'lane-0.example',
      threat_type: 'last',
      last_seen: '2026-11-03',
    });
    expect(rows.filter((row) => row.value !== 'lane-0.example').every((row) => row.threat_type === 'round-2')).toBe(
      true,
    );
  });
});
