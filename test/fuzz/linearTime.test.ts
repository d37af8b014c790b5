/**
 * Every parser a caller can reach runs in time linear in its input (docs/api.md §12; security review 2,
 * "make the class impossible"): 64 KB of adversarial text (runs of white space, repeated
 * separators, nested brackets, unclosed quotes, almost-matches) must cost about 64 times what 1 KB
 * of the same text costs, never the 4,096 times of a quadratic parser. Measured as one 64 KB call
 * against sixty-four 1 KB calls in the same test, the best of a few rounds, so that the machine's
 * noise cancels; the lint rule (eslint-plugin-regexp) keeps new regular expressions from
 * reintroducing the class.
 */
import { describe, expect, it } from 'vitest';
import { presentedKey } from '../../src/auth/authenticate.js';
import { parseDateInput } from '../../src/core/dates.js';
import { csvFields } from '../../src/dataleaks/csvLine.js';
import { combolistRecord, ulpRecord } from '../../src/dataleaks/formats.js';
import { cardOf, normalizeExpiry, siteOf } from '../../src/dataleaks/records.js';
import { decodeCursor, PG_TIMESTAMP_PATTERN } from '../../src/core/cursors.js';
import { nestsDeeperThan, parseJson } from '../../src/http/body.js';
import { UUID_PATTERN } from '../../src/core/ids.js';
import { patternValues } from '../../src/iocs/stix.js';
import { detectIoc, normalizeDomain, normalizeEmail, refang } from '../../src/core/normalize.js';
import { acceptsTaxii, isTaxiiContentType } from '../../src/taxii/mediaTypes.js';
import { retryAfterSeconds } from '../../src/webhooks/worker.js';
import { bestTime } from '../support/timing.js';

/** Text of about `size` characters made by repeating `unit`, then `tail` (the part that makes a match fail late). */
const adversarial = (unit: string, size: number, tail = '') =>
  unit.repeat(Math.ceil((size - tail.length) / unit.length)).slice(0, size - tail.length) + tail;

/** The shapes that make backtracking parsers quadratic or worse. */
const SHAPES: [string, string, string][] = [
  ['spaces', ' ', 'x'],
  ['tabs and spaces', ' \t', '!'],
  ['letters', 'a', '!'],
  ['colons', ':', ''],
  ['separators', ':;|,', ''],
  ['dots', 'a.', '.'],
  ['dashes', 'a-', '-'],
  ['at signs', 'a@', '@'],
  ['slashes', '/a', ''],
  ['nested brackets', '[', ''],
  ['brackets and parentheses', '[(', ')]'],
  ['quotes', "'", ''],
  ['double quotes', '"', ''],
  ['escaped quotes', "\\'", ''],
  ['defanged dots', '[.]', 'x'],
  ['hxxp', 'hxxp://', ''],
  ['digits', '1', 'x'],
  ['date-like', '2026-01-01T', 'Z'],
  ['equals', 'a:b = ', ''],
];

const PARSERS: [string, (text: string) => unknown][] = [
  [
    'Authorization header',
    (text) => tryIt(() => presentedKey((name) => (name === 'authorization' ? `Bearer ${text}` : null))),
  ],
  [
    'Basic credentials',
    (text) => tryIt(() => presentedKey((name) => (name === 'authorization' ? `Basic ${text}` : null), { basic: true })),
  ],
  ['STIX pattern', patternValues],
  ['leak CSV line', csvFields],
  ['combolist line', combolistRecord],
  ['ULP line', ulpRecord],
  ['site URL', siteOf],
  ['card fields', (text) => cardOf({ pan: text, bin: text, last4: text, expiry: text, brand: text })],
  ['card expiry', normalizeExpiry],
  ['date', parseDateInput],
  ['defanged value', refang],
  ['IOC type detection', detectIoc],
  ['domain', normalizeDomain],
  ['email', normalizeEmail],
  ['cursor', (text) => tryIt(() => decodeCursor(text, [PG_TIMESTAMP_PATTERN, UUID_PATTERN]))],
  ['JSON nesting', (text) => nestsDeeperThan(text, 64)],
  ['JSON body', (text) => tryIt(() => parseJson(text))],
  ['Accept header', acceptsTaxii],
  ['Content-Type header', isTaxiiContentType],
  ['Retry-After', retryAfterSeconds],
];

function tryIt(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return error;
  }
}

const SMALL = 1024;
const LARGE = 64 * 1024;

describe('parsers a caller can reach run in linear time', () => {
  for (const [parser, parse] of PARSERS) {
    it(`${parser}: 64 KB of any adversarial shape costs about 64 × 1 KB of it`, () => {
      const worst: string[] = [];
      for (const [shape, unit, tail] of SHAPES) {
        const small = adversarial(unit, SMALL, tail);
        const large = adversarial(unit, LARGE, tail);
        // Warm the parser (JIT) before timing.
        for (let i = 0; i < 8; i++) parse(small);
        const smallTimes64 = bestTime(() => {
          for (let i = 0; i < LARGE / SMALL; i++) parse(small);
        });
        const largeOnce = bestTime(() => parse(large));
        // A linear parser gives about 1; a quadratic one about 64. Under 10 leaves room for noise and caches.
        const growth = largeOnce / Math.max(smallTimes64, 0.05);
        if (growth >= 10)
          worst.push(
            `${shape}: ${growth.toFixed(1)} (64 KB ${largeOnce.toFixed(2)} ms, 64 × 1 KB ${smallTimes64.toFixed(2)} ms)`,
          );
      }
      expect(worst).toEqual([]);
    });
  }
});
