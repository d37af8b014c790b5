import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/edge/config.js';

describe('configuration from the environment', () => {
  it('lets the heap grow to twice its live data unless told otherwise, and 0 leaves it to V8', () => {
    expect(loadConfig({}).heapGrowthPercent).toBe(100);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '0' }).heapGrowthPercent).toBe(0);
    expect(loadConfig({ HEAP_GROWTH_PERCENT: '200' }).heapGrowthPercent).toBe(200);
  });

  it.each(['-1', '1.5', 'lots', '1001'])('refuses HEAP_GROWTH_PERCENT=%s with what it accepts', (value) => {
    expect(() => loadConfig({ HEAP_GROWTH_PERCENT: value })).toThrow(
      `HEAP_GROWTH_PERCENT must be a whole number from 0 to 1000, got "${value}"`,
    );
  });

  it('reads the replicas beside DATABASE_URL, and the lag allowed (5 s unless told)', () => {
    expect(loadConfig({}).replicas).toEqual({ urls: [], maxLagMs: 5000, checkMs: 250 });
    const primary = 'postgres://app@db-primary:5432/ti';
    expect(
      loadConfig({
        DATABASE_URL: primary,
        DATABASE_REPLICA_URLS: 'postgres://app@db-r1:5432/ti, postgresql://app@db-r2:5432/ti',
        REPLICA_MAX_LAG_MS: '1500',
      }).replicas,
    ).toEqual({
      urls: ['postgres://app@db-r1:5432/ti', 'postgresql://app@db-r2:5432/ti'],
      maxLagMs: 1500,
      checkMs: 250,
    });
  });

  it('refuses replicas that are not PostgreSQL URLs, without repeating what may hold a password', () => {
    const refused = () =>
      loadConfig({
        DATABASE_URL: 'postgres://db/ti',
        DATABASE_REPLICA_URLS: 'postgres://u:s3cret@r1/ti,mysql://u:s3cret@r2',
      });
    expect(refused).toThrow('DATABASE_REPLICA_URLS must be up to 16 comma-separated postgres:// URLs');
    expect(refused).not.toThrow(/s3cret/);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://r1/ti' })).toThrow(
      'DATABASE_REPLICA_URLS needs DATABASE_URL: replicas are of a PostgreSQL server',
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/ti', REPLICA_MAX_LAG_MS: 'soon' })).toThrow(
      'REPLICA_MAX_LAG_MS must be a whole number from 0 to 3600000, got "soon"',
    );
  });
});
