import { Kind, valueFromASTUntyped } from 'graphql';
import { invalidParameter } from '../core/errors.js';
import { ApiError } from '../core/errors.js';
import { isoTimestamp } from '../db/time.js';
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { builder } from './builder.js';

/** Read by the one date reader and passed on as text: no `Date` objects on the way out (docs/performance.md, "Where the time went"). */
function parseDateTime(value: unknown): string {
  const parsed = typeof value === 'string' ? parseDateInput(value) : null;
  if (parsed === null)
    throw new ApiError(
      'invalid_parameter',
      `DateTime must be a real ISO 8601 date, years 0001 to 9999, e.g. ${DATE_EXAMPLE}.`,
    );
  return parsed;
}

builder.scalarType('DateTime', {
  description: 'A point in time, ISO 8601 in UTC with milliseconds: 2026-01-31T12:00:00.000Z',
  serialize: (value) => isoTimestamp(value as string | Date),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

/** Any JSON object, checked where it is read (TAXII envelopes: src/taxii/objects.ts). */
function parseStixObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidParameter('objects', 'must hold STIX objects (JSON objects).');
  return value as Record<string, unknown>;
}

builder.scalarType('StixObject', {
  description: 'A STIX 2.1 object, as JSON.',
  serialize: (value) => value,
  parseValue: parseStixObject,
  parseLiteral: (ast) => parseStixObject(valueFromASTUntyped(ast)),
});

builder.scalarType('MispDocument', {
  description: 'A MISP feed document (a manifest, an event, an attribute), as JSON: read, never taken.',
  serialize: (value) => value,
  parseValue: () => {
    throw invalidParameter('MispDocument', 'is read only.');
  },
});
