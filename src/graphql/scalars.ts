import { Kind } from 'graphql';
import { ApiError } from '../errors.js';
import { isoTimestamp } from '../db/time.js';
import { builder } from './builder.js';

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/** Read as ISO 8601 text and passed on as text: no `Date` objects on the way out (PERF-FACTS.md). */
function parseDateTime(value: unknown): string {
  if (typeof value !== 'string' || !ISO_8601.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ApiError('invalid_parameter', 'DateTime must be an ISO 8601 date and time, e.g. 2026-01-31T12:00:00Z.');
  }
  return new Date(value).toISOString();
}

builder.scalarType('DateTime', {
  description: 'A point in time, ISO 8601 in UTC with milliseconds: 2026-01-31T12:00:00.000Z',
  serialize: (value) => isoTimestamp(value as string | Date),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});
