/**
 * REST parameters (docs/api.md §6): how a path or query parameter is read, checked for its form and
 * turned into a GraphQL variable. Only the form is checked here; what a value means (is it in the
 * scope, does the id exist) is for the resolvers to say.
 */
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import { ApiError, invalidParameter } from '../core/errors.js';
import { UUID_PATTERN } from '../core/ids.js';

export type ParamSchema =
  | { type: 'string'; maxLength: number }
  | { type: 'id' }
  | { type: 'integer'; minimum: number; maximum: number; default?: number }
  | { type: 'date-time' }
  | { type: 'boolean' }
  /** REST spelling -> GraphQL enum name. */
  | { type: 'enum'; values: Record<string, string> };

export interface ParamSpec {
  /** The REST name: `min_confidence`. */
  name: string;
  in: 'path' | 'query' | 'header';
  /** The GraphQL variable it fills: `minConfidence`. */
  variable: string;
  schema: ParamSchema;
  description: string;
  /**
   * A scoped input the resolver insists on (docs/api.md §5): when absent it is passed as an empty
   * string, so the resolver answers `missing_parameter` like for any other empty input.
   */
  scoped?: boolean;
}

/** A single value longer than this is refused before anything else looks at it. */
export const MAX_PARAMETER_LENGTH = 2048;

function convert(spec: ParamSpec, raw: string): unknown {
  const { schema, name } = spec;
  if (raw.length > MAX_PARAMETER_LENGTH)
    throw invalidParameter(name, `must be at most ${MAX_PARAMETER_LENGTH} characters.`);
  switch (schema.type) {
    case 'string':
      if (raw.length > schema.maxLength)
        throw invalidParameter(name, `must be at most ${schema.maxLength} characters.`);
      return raw;
    case 'id':
      if (!UUID_PATTERN.test(raw)) throw invalidParameter(name, 'is not a valid id.');
      return raw.toLowerCase();
    case 'integer': {
      const value = /^-?\d{1,10}$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(value) || value < schema.minimum || value > schema.maximum) {
        throw invalidParameter(name, `must be a whole number from ${schema.minimum} to ${schema.maximum}.`);
      }
      return value;
    }
    case 'date-time': {
      const parsed = parseDateInput(raw);
      if (parsed === null)
        throw invalidParameter(name, `must be a real ISO 8601 date, years 0001 to 9999, e.g. ${DATE_EXAMPLE}.`);
      return parsed;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw invalidParameter(name, 'must be true or false.');
      return raw === 'true';
    case 'enum': {
      const value = schema.values[raw];
      if (value === undefined) throw invalidParameter(name, `must be one of ${Object.keys(schema.values).join(', ')}.`);
      return value;
    }
  }
}

/** The GraphQL variables of a request's path, query and header parameters. */
export function readParams(
  specs: readonly ParamSpec[],
  pathValues: Record<string, string>,
  query: URLSearchParams,
  header: (name: string) => string | null,
): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const spec of specs) {
    let raw: string | undefined;
    if (spec.in === 'path') raw = pathValues[spec.name];
    else if (spec.in === 'header') raw = header(spec.name.toLowerCase()) ?? undefined;
    else {
      const all = query.getAll(spec.name);
      if (all.length > 1) throw invalidParameter(spec.name, 'must be given once.');
      raw = all[0];
    }
    if (raw === undefined) {
      if (spec.scoped) variables[spec.variable] = '';
      else if (spec.schema.type === 'integer' && spec.schema.default !== undefined)
        variables[spec.variable] = spec.schema.default;
      continue;
    }
    if (raw === '' && !spec.scoped) throw invalidParameter(spec.name, 'must not be empty.');
    variables[spec.variable] = spec.scoped ? convertScoped(spec, raw) : convert(spec, raw);
  }
  return variables;
}

/** Scoped inputs are only bounded in length here: their form is the resolver's to judge. */
function convertScoped(spec: ParamSpec, raw: string): string {
  if (raw.length > MAX_PARAMETER_LENGTH)
    throw invalidParameter(spec.name, `must be at most ${MAX_PARAMETER_LENGTH} characters.`);
  return raw;
}

/** A GraphQL parameter error, renamed for REST callers (`first` is `limit` here, `after` is `cursor`). */
export function renameParameter(
  error: ApiError,
  specs: readonly ParamSpec[],
  extra: Record<string, string> = {},
): ApiError {
  if (error.parameter === undefined) return error;
  const spec = specs.find((s) => s.variable === error.parameter);
  const name = spec?.name ?? extra[error.parameter];
  if (name === undefined || name === error.parameter) return error;
  const message =
    error.code === 'missing_parameter'
      ? `Missing required parameter: ${name}.`
      : `Invalid parameter ${name}: ${error.detail ?? 'is malformed.'}`;
  return new ApiError(error.code, message, { parameter: name, ...(error.detail ? { detail: error.detail } : {}) });
}
