/**
 * The breached-password range answer (docs/api.md §9), as Pwned Passwords clients read it: `SUFFIX:COUNT`
 * lines, CRLF between them. Padding hides how many real hashes a range holds: random suffixes of
 * count 0 bring every padded answer to between 800 and 1000 lines, all sorted together.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

export const PADDED_LINES = { min: 800, max: 1000 } as const;

/**
 * How long a cache may serve a range answer without asking again: leaks imported meanwhile show
 * up within the hour; a cache that asks with `If-None-Match` gets a 304 while nothing changed.
 */
export const HASH_RANGE_MAX_AGE_S = 3600;

export interface HashCount {
  suffix: string;
  count: number;
}

/** `length` random upper-case hex digits. */
function randomSuffix(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length)
    .toUpperCase();
}

/** A strong tag of what a range holds (its suffixes and counts), the same on every process. */
export function hashRangeTag(found: readonly HashCount[]): string {
  const digest = createHash('sha256');
  for (const line of found) digest.update(`${line.suffix}:${line.count}\n`);
  return `"${digest.digest('base64url').slice(0, 27)}"`;
}

/** The answer's lines; padded with random suffixes of `suffixLength` digits (35 for SHA-1, 27 for NTLM). */
export function hashRangeText(found: readonly HashCount[], pad: boolean, suffixLength = 35): string {
  let lines = found;
  if (pad) {
    const target = randomInt(PADDED_LINES.min, PADDED_LINES.max + 1);
    const taken = new Set(found.map((line) => line.suffix));
    const padded = [...found];
    while (padded.length < target) {
      const suffix = randomSuffix(suffixLength);
      if (taken.has(suffix)) continue;
      taken.add(suffix);
      padded.push({ suffix, count: 0 });
    }
    lines = padded.sort((a, b) => (a.suffix < b.suffix ? -1 : a.suffix > b.suffix ? 1 : 0));
  }
  return lines.map((line) => `${line.suffix}:${line.count}`).join('\r\n');
}
