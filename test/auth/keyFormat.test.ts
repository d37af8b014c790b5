import { describe, expect, it } from 'vitest';
import { formatApiKey, generateApiKey, KEY_LENGTH, parseApiKey } from '../../src/auth/keyFormat.js';

describe('API key format (docs/api.md §2)', () => {
  it('matches the checksum zlib computes (vector made with Python zlib.crc32)', () => {
    expect(formatApiKey('0123456789abcdefghijABCDEFGHIJ012345')).toBe(
      'sk_live_0123456789abcdefghijABCDEFGHIJ012345379e2F',
    );
    expect(formatApiKey('A'.repeat(36))).toBe(`sk_live_${'A'.repeat(36)}2uDDVe`);
  });

  it('generates keys of 42 base62 characters after sk_live_ whose prefix is the first 12', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { key, prefix } = generateApiKey();
      expect(key).toMatch(/^sk_live_[0-9A-Za-z]{42}$/);
      expect(key).toHaveLength(KEY_LENGTH);
      expect(parseApiKey(key)).toBe(prefix);
      expect(key.slice(8, 20)).toBe(prefix);
      seen.add(key);
    }
    expect(seen.size).toBe(200);
  });

  it('refuses a typo, a truncation, an extension, a foreign marker or a foreign character', () => {
    const { key } = generateApiKey();
    const flipped = key.slice(0, 20) + (key[20] === 'a' ? 'b' : 'a') + key.slice(21);
    for (const bad of [
      flipped,
      key.slice(0, -1),
      `${key}0`,
      key.replace('sk_live_', 'sk_test_'),
      `${key.slice(0, -7)}-${key.slice(-6)}`,
      '',
      'sk_live_',
    ]) {
      expect(parseApiKey(bad), bad).toBeNull();
    }
  });
});
