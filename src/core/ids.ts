/** Ids are UUIDs (docs/api.md §6): one pattern and one check for every id a caller sends. */
import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';
import { invalidParameter } from './errors.js';

/** A UUID in either case, as callers may write it; stored and printed in lower case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id in lower case; anything else is refused with `invalid_parameter` before it reaches the database. */
export function requireUuid(value: string, parameter: string): string {
  if (!UUID_PATTERN.test(value)) throw invalidParameter(parameter, 'is not a valid id.');
  return value.toLowerCase();
}

/**
 * Time-ordered ids (UUIDv7) for bulk loads, millions at a time: the same generator as the
 * tables' default, its random bits drawn from a pooled CSPRNG buffer instead of one system call
 * per id (which cost half of a leak import's own time).
 */
const pool = new Uint32Array(16_384);
let drawn = pool.length;
const generator = new V7Generator({
  nextUint32() {
    if (drawn === pool.length) {
      randomFillSync(pool);
      drawn = 0;
    }
    return pool[drawn++]!;
  },
});

export function bulkUuidv7(): string {
  return generator.generate().toString();
}
