/**
 * How a record (an IOC, a credential leak, a card leak) is declared once: each field's kind, and
 * whether clients see it. A kind has one GraphQL type (src/graphql/records.ts), one REST spelling
 * and one JSON schema, so that a record's declaration is all a door needs to show it. The records
 * themselves are declared beside their data: src/iocs/record.ts, src/dataleaks/record.ts.
 */

export type FieldKind =
  'id' | 'iocType' | 'text' | 'int' | 'severity' | 'tlp' | 'tags' | 'timestamp' | 'boolean' | 'leakSourceType';

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
 * A row in the REST shape: its shown fields under their snake_case names, timestamps (stored as
 * PostgreSQL prints them) in ISO 8601 through `iso`. Built once per record as a list of steps.
 */
export function restShaper<F extends string>(fields: Readonly<Record<F, ShownField>>, iso: (value: string) => string) {
  const steps = shownFields(fields).map(
    (field) => [field, snakeName(field), fields[field].kind === 'timestamp'] as const,
  );
  return (row: Readonly<Record<F, unknown>>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [field, name, time] of steps) {
      const value = row[field] ?? null;
      out[name] = time && typeof value === 'string' ? iso(value) : value;
    }
    return out;
  };
}
