/** Ids are UUIDs (API.md §6): one pattern and one check for every id a caller sends. */
import { invalidParameter } from './errors.js';

/** A UUID in either case, as callers may write it; stored and printed in lower case. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The id in lower case; anything else is refused with `invalid_parameter` before it reaches the database. */
export function requireUuid(value: string, parameter: string): string {
  if (!UUID_PATTERN.test(value)) throw invalidParameter(parameter, 'is not a valid id.');
  return value.toLowerCase();
}
