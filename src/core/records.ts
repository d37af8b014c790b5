/**
 * How a record (an IOC, a credential leak, a card leak) is declared once: each field's kind, and
 * whether clients see it. A kind has one GraphQL type (src/graphql/records.ts), one REST spelling
 * and one JSON schema, so that a record's declaration is all a door needs to show it. The records
 * themselves are declared beside their data: src/iocs/record.ts, src/dataleaks/record.ts.
 */

export type FieldKind =
  | 'id'
  | 'iocType'
  | 'text'
  | 'int'
  | 'severity'
  | 'tlp'
  | 'tags'
  | 'timestamp'
  | 'boolean'
  | 'leakSourceType'
  | 'iocStatus'
  | 'sightings';

/** A workspace's sightings of a record (kind `sightings`), as read and as REST shows them. */
export interface Sightings {
  count: number;
  /** ISO 8601, or null when never seen. */
  last_seen: string | null;
}

/** What every door needs of a field it shows. */
export interface ShownField {
  kind: FieldKind;
  /** False for columns only the server uses. */
  shown: boolean;
  nullable?: boolean;
  description?: string;
}

/** A field's name in REST bodies, CSV, SQL and webhook payloads: `threatType` is `threat_type`. */
export const snakeName = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** `threatType` → `threat_type`, as a type. */
export type Snake<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Uppercase<Head> ? (Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`) : Head}${Snake<Tail>}`
  : S;

/** The fields clients see, in the declaration's order. */
export function shownFields<F extends string>(fields: Readonly<Record<F, ShownField>>): F[] {
  return (Object.entries(fields) as [F, ShownField][]).filter(([, spec]) => spec.shown).map(([field]) => field);
}

/**
 * A function that builds one object literal of fixed shape, written once from a declaration's
 * field names (never from input): as fast as one written by hand. Filling an object field by field
 * in a loop cost twelve times as much per row, which showed on pages of 100 rows (TAXII, lookups).
 */
export function objectBuilder<A extends unknown[], R>(
  parameters: string[],
  properties: [name: string, expression: string][],
  ...bound: unknown[]
): (...args: A) => R {
  const literal = properties.map(([name, expression]) => `${JSON.stringify(name)}: ${expression}`).join(', ');
  const names = bound.map((_, i) => `bound${i}`);
  // The text comes from declarations in the code, never from input.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function(...names, `return (${parameters.join(', ')}) => ({ ${literal} });`) as (
    ...bound: unknown[]
  ) => (...args: A) => R;
  return make(...bound);
}

/**
 * A row in the REST shape: its shown fields under their snake_case names, timestamps (stored as
 * PostgreSQL prints them) in ISO 8601 through `iso`, absent values as null.
 */
export function restShaper<F extends string>(fields: Readonly<Record<F, ShownField>>, iso: (value: string) => string) {
  const properties = shownFields(fields).map((field): [string, string] => {
    const read = `row[${JSON.stringify(field)}]`;
    return [
      snakeName(field),
      fields[field].kind === 'timestamp'
        ? `typeof ${read} === 'string' ? bound0(${read}) : (${read} ?? null)`
        : `${read} ?? null`,
    ];
  });
  return objectBuilder<[Readonly<Record<F, unknown>>], Record<string, unknown>>(['row'], properties, iso);
}
