/**
 * The breached-password range answer (docs/api.md §9), as Pwned Passwords clients read it: `SUFFIX:COUNT`
 * lines, CRLF between them. Padding hides how many real hashes a range holds: random suffixes of
 * count 0 bring every padded answer to between 800 and 1000 lines, all sorted together.
 */
import { randomBytes, randomInt } from 'node:crypto';

export const PADDED_LINES = { min: 800, max: 1000 } as const;

export interface HashCount {
  suffix: string;
  count: number;
}

/** 35 random upper-case hex digits. */
function randomSuffix(): string {
  return randomBytes(18).toString('hex').slice(0, 35).toUpperCase();
}

export function hashRangeText(found: readonly HashCount[], pad: boolean): string {
  let lines = found;
  if (pad) {
    const target = randomInt(PADDED_LINES.min, PADDED_LINES.max + 1);
    const taken = new Set(found.map((line) => line.suffix));
    const padded = [...found];
    while (padded.length < target) {
      const suffix = randomSuffix();
      if (taken.has(suffix)) continue;
      taken.add(suffix);
      padded.push({ suffix, count: 0 });
    }
    lines = padded.sort((a, b) => (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0));
  }
  return lines.map((line) => `${line.suffix}:${line.count}`).join('\r\n');
}
