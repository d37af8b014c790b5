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
});
