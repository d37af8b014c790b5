/**
 * The IOC record, declared once. Every column of the `iocs` table has one entry here (the compiler
 * holds it: `satisfies` below names the table's columns), in the order clients see them, saying how
 * it travels through every door:
 *
 *   - read:   the SQL that selects it, when not the bare column (src/iocs/repository.ts)
 *   - shown:  whether clients see it: a GraphQL `Ioc` field, a REST body field (its snake_case),
 *             a CSV column, a key of the webhook payload's record (src/alerts/json.ts)
 *   - input:  whether imports, submissions and STIX bring it, how a given value is checked, and
 *             how it meets what is stored (`merge`) in the one upsert statement
 *   - stix:   the STIX indicator property it is, one to one, when it is (src/iocs/stix.ts maps the
 *             others, whose meaning in STIX is not a single property: labels, markings, patterns)
 *
 * From these come the select list and row decoder, the upsert's columns and rules, `IocUpsert`,
 * the checks of `checkIoc`, the merge of one batch, the CSV columns both ways, the GraphQL `Ioc`
 * and `IocInput` types, the REST submission body schema and the STIX properties. A new field is a
 * column in src/db/schema.ts, an entry here, and the migration and SDL they generate.
 */
import { DATE_EXAMPLE, parseDateInput } from '../core/dates.js';
import type { iocs } from '../db/schema.js';
import { isoTimestamp } from '../db/time.js';
import { normalizeText } from '../core/normalize.js';
import { restShaper, snakeName, type ShownField, type Sightings, type Snake } from '../core/records.js';
import { isOneOf, SEVERITIES, TLPS, type IocStatus, type IocType } from '../core/vocabulary.js';
import { EXPIRES_SQL } from './validity.js';
import { EXCLUDED_BY_SQL, FALSE_POSITIVE_REPORTS_SQL, FALSE_POSITIVE_SQL, SIGHTINGS_SQL } from './sightingsSql.js';

/**
 * How a given value meets the stored one when the IOC already exists: the given one replaces it
 * (`given`, when given), the earliest or latest of both stays, or the given one replaces it and
 * one not given is the column's default (`reset`: a source that sends an IOC without `revoked`
 * says it is not revoked).
 */
export type Merge = 'given' | 'earliest' | 'latest' | 'reset';

export interface FieldInput<T = unknown> {
  /** The given text (or number, or list for tags) checked and normalised; an Error says why not. */
  parse(input: string | number | boolean | readonly string[]): T | Error;
  /** What a submission's JSON schema allows (longest text, range). */
  max?: number;
  min?: number;
  merge: Merge;
  /**
   * Confidence wins (docs/api.md §13): when an upsert's confidence is lower than the stored one,
   * a field stays as stored, unless it says `apply` (it still meets the stored value by `merge`:
   * `last_seen` is renewed, a source's `valid_until` always applies) or `union` (its items are
   * added to the stored ones: tags).
   */
  lessConfident?: 'apply' | 'union';
  /**
   * The SQL of a new row's value, from `u.<column>` (the given one, null when not given) and the
   * other given columns; by default the given value, else the column's default.
   */
  insert?: string;
}

export interface FieldSpec extends ShownField {
  /** The SQL selecting it, when not the column itself. */
  read?: string;
  /**
   * Computed from the row's other columns where it is read, in TypeScript (src/iocs/validity.ts),
   * never selected: the same formula as the SQL that filters on it, without the planner's work.
   */
  derived?: true;
  input?: FieldInput;
  /** The STIX indicator property it is, one to one. */
  stix?: string;
  /** The CSV column comes last (where exports made before the field existed put it). */
  csvLast?: true;
  /** Not a CSV column (an object, not a cell). */
  csv?: false;
}

/** The spellings of a yes or a no a file or a caller may give. */
const BOOLEANS: Record<string, boolean> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

/** TLP 1.0's `white` is TLP 2.0's `clear`. */
const TLP_ALIASES: Record<string, string> = { white: 'clear' };

const textInput = (name: string, max: number): FieldInput<string> => ({
  max,
  merge: 'given',
  parse: (input) => normalizeText(String(input), max) ?? new Error(`${name} must be at most ${max} characters of text`),
});

const timeInput = (name: string, merge: Merge, insert?: string): FieldInput<string> => ({
  merge,
  ...(insert ? { insert } : {}),
  max: 64,
  parse: (input) =>
    parseDateInput(String(input).trim()) ??
    new Error(`${name} must be a real ISO 8601 date, years 0001 to 9999, e.g. ${DATE_EXAMPLE}`),
});

const ALL_FIELDS = {
  id: { kind: 'id', shown: true },
  workspaceId: { kind: 'id', shown: false, nullable: true },
  type: { kind: 'iocType', shown: true },
  value: { kind: 'text', shown: true },
  threatType: { kind: 'text', shown: true, nullable: true, input: textInput('threat_type', 200) },
  malwareFamily: { kind: 'text', shown: true, nullable: true, input: textInput('malware_family', 200) },
  confidence: {
    kind: 'int',
    shown: true,
    description: '0 to 100.',
    stix: 'confidence',
    input: {
      min: 0,
      max: 100,
      merge: 'given',
      parse: (input) => {
        const n = Number(input);
        return Number.isInteger(n) && n >= 0 && n <= 100
          ? n
          : new Error('confidence must be a whole number from 0 to 100');
      },
    },
  },
  severity: {
    kind: 'severity',
    shown: true,
    input: {
      max: 20,
      merge: 'given',
      parse: (input) => {
        const severity = String(input).trim().toLowerCase();
        return isOneOf(SEVERITIES, severity) ? severity : new Error(`severity must be one of ${SEVERITIES.join(', ')}`);
      },
    },
  },
  tlp: {
    kind: 'tlp',
    shown: true,
    input: {
      max: 20,
      merge: 'given',
      parse: (input) => {
        const given = String(input).trim().toLowerCase().replace(/^tlp:/, '');
        const tlp = TLP_ALIASES[given] ?? given;
        return isOneOf(TLPS, tlp) ? tlp : new Error(`tlp must be one of ${TLPS.join(', ')}`);
      },
    },
  },
  tags: {
    kind: 'tags',
    // As JSON: the driver's parser for `text[]` was a large part of a lookup's time (docs/performance.md).
    read: 'array_to_json(tags)',
    shown: true,
    input: {
      max: 100,
      merge: 'given',
      lessConfident: 'union',
      parse: (input) => {
        const tags = [...new Set((input as readonly string[]).map((tag) => tag.trim()).filter(Boolean))];
        // They travel to the upsert joined by `;`.
        return tags.some((tag) => normalizeText(tag, 100) === null || tag.includes(';'))
          ? new Error('tags must be at most 100 characters each, without ;')
          : tags;
      },
    },
  },
  source: { kind: 'text', shown: true, nullable: true, input: textInput('source', 200) },
  shared: {
    kind: 'boolean',
    shown: true,
    description: 'True for the shared feed, false for the workspace’s own IOC.',
    csvLast: true,
  },
  // A new IOC's first and last sightings default to each other, then to now.
  firstSeen: {
    kind: 'timestamp',
    shown: true,
    stix: 'valid_from',
    input: timeInput('first_seen', 'earliest', 'coalesce(u.first_seen, u.last_seen, now())'),
  },
  lastSeen: {
    kind: 'timestamp',
    shown: true,
    input: {
      ...timeInput('last_seen', 'latest', 'coalesce(u.last_seen, u.first_seen, now())'),
      lessConfident: 'apply',
    },
  },
  // Validity (docs/api.md §13, src/iocs/validity.ts): from the first sighting until the source's
  // `valid_until`, else the type's lifetime after the last sighting. The column holds what the
  // source said; the field shows when validity ends.
  validFrom: { kind: 'timestamp', shown: true, read: 'first_seen', csvLast: true },
  validUntil: {
    kind: 'timestamp',
    shown: true,
    nullable: true,
    description:
      'When the IOC stops being valid: the source’s date, else its last sighting plus its type’s lifetime; null for hashes.',
    read: EXPIRES_SQL,
    stix: 'valid_until',
    input: { ...timeInput('valid_until', 'given'), lessConfident: 'apply' },
  },
  revoked: {
    kind: 'boolean',
    shown: true,
    description: 'Withdrawn by its source, its owner or an exclusion list.',
    stix: 'revoked',
    csvLast: true,
    input: {
      max: 5,
      merge: 'reset',
      lessConfident: 'apply',
      parse: (input) =>
        typeof input === 'boolean'
          ? input
          : (BOOLEANS[String(input).trim().toLowerCase()] ?? new Error('revoked must be true or false')),
    },
  },
  status: {
    kind: 'iocStatus',
    shown: true,
    description: 'ACTIVE until its validity ends (then EXPIRED) or it is revoked (REVOKED).',
    derived: true,
    csvLast: true,
  },
  score: {
    kind: 'int',
    shown: true,
    description: 'Its confidence decayed with age since it was last seen, 0 to 100; 0 unless active.',
    derived: true,
    csvLast: true,
  },
  // The calling workspace's own view (docs/api.md §13, src/iocs/sightingsSql.ts).
  sightings: {
    kind: 'sightings',
    shown: true,
    description: 'How often and when last the calling workspace reported seeing it.',
    read: SIGHTINGS_SQL,
    csv: false,
  },
  falsePositive: {
    kind: 'boolean',
    shown: true,
    description:
      'The calling workspace judged it benign in its environment: it leaves that workspace’s listings, exports and alerts.',
    read: FALSE_POSITIVE_SQL,
    csvLast: true,
  },
  falsePositiveReports: {
    kind: 'int',
    shown: true,
    description: 'How many workspaces judged this shared-feed IOC a false positive (0 for a workspace’s own).',
    read: FALSE_POSITIVE_REPORTS_SQL,
    csvLast: true,
  },
  excludedBy: {
    kind: 'text',
    shown: true,
    nullable: true,
    description:
      'The calling workspace’s exclusion list that covers it, by name: it leaves that workspace’s listings, exports and alerts.',
    read: EXCLUDED_BY_SQL,
    csvLast: true,
  },
  createdAt: { kind: 'timestamp', shown: true },
  updatedAt: { kind: 'timestamp', shown: true },
} as const satisfies Record<keyof typeof iocs.$inferSelect | ComputedField, FieldSpec>;

/** Fields that are not columns: computed when read (`read`), or `shared`, which is `workspace_id is null`. */
type ComputedField =
  'shared' | 'validFrom' | 'status' | 'score' | 'sightings' | 'falsePositive' | 'falsePositiveReports' | 'excludedBy';

/** The fields, each with its declaration as the general shape. */
export const IOC_FIELDS: Readonly<Record<keyof typeof ALL_FIELDS, FieldSpec>> = ALL_FIELDS;
export { snakeName };
export type IocField = keyof typeof ALL_FIELDS;

/** The fields an import, a submission or a STIX object may bring, besides `type` and `value`. */
export type IocInputField = {
  [K in IocField]: (typeof ALL_FIELDS)[K] extends { input: FieldInput } ? K : never;
}[IocField];

const entries = Object.entries(IOC_FIELDS) as [IocField, FieldSpec][];
/** Every field a read selects, in order: all but `shared` (which is `workspace_id is null`) and the derived ones. */
export const SELECTED_FIELDS = entries
  .filter(([key, spec]) => key !== 'shared' && !spec.derived)
  .map(([key]) => key) as Exclude<IocField, 'shared' | 'status' | 'score'>[];
/** What clients see, in order: the GraphQL fields, the REST body, the webhook payload. */
export const SHOWN_FIELDS = entries.filter(([, spec]) => spec.shown).map(([key]) => key);
/** What an import or submission may bring besides type and value, in order. */
export const INPUT_FIELDS = entries.filter(([, spec]) => spec.input).map(([key]) => key) as IocInputField[];
export const inputOf = (field: IocInputField): FieldInput => IOC_FIELDS[field].input!;

/** The CSV columns, in order: every shown field (those marked `csvLast` at the end). */
export const CSV_COLUMNS = [
  ...SHOWN_FIELDS.filter((key) => !IOC_FIELDS[key].csvLast && IOC_FIELDS[key].csv !== false),
  ...SHOWN_FIELDS.filter((key) => IOC_FIELDS[key].csvLast),
].map(snakeName);

/** One IOC as an import brings it, checked and normalised; null fields were not given. */
export type IocUpsert = { type: IocType; value: string } & {
  [K in IocInputField]: ParsedOf<K> | null;
};
type ParsedOf<K extends IocInputField> = Exclude<ReturnType<(typeof ALL_FIELDS)[K]['input']['parse']>, Error>;

/** One incoming row before it is checked: text as a file holds it (numbers as JSON gives them). */
export type RawIoc = { type?: string; value?: string; shared?: string | boolean } & {
  [K in IocInputField]?: (typeof ALL_FIELDS)[K]['kind'] extends 'tags' ? readonly string[] : string | number | boolean;
};

/** An upsert with only its identity given: every other field null (not given). */
export function upsertOf(
  type: IocType,
  value: string,
  given: Partial<Omit<IocUpsert, 'type' | 'value'>> = {},
): IocUpsert {
  const upsert: Record<string, unknown> = { type, value };
  for (const field of INPUT_FIELDS) upsert[field] = given[field] ?? null;
  return upsert as IocUpsert;
}

/** Whether a raw field was given at all (a blank cell is not). */
export const isGiven = (input: RawIoc[IocInputField]): input is string | number | readonly string[] =>
  input !== undefined && input !== null && (typeof input !== 'string' || input.trim() !== '');

/** What an earlier value and a later one leave, by the field's rule (times compare as ISO text). */
function meet(rule: Merge, earlier: unknown, later: unknown): unknown {
  if (rule === 'reset') return later;
  if (rule === 'given' || earlier === null || later === null) return later ?? earlier;
  const laterWins =
    rule === 'earliest' ? (later as string) < (earlier as string) : (later as string) > (earlier as string);
  return laterWins ? later : earlier;
}

/** The same IOC twice in one batch: one row, as two imports one after the other would leave it. */
export function mergeUpserts(a: IocUpsert, b: IocUpsert): IocUpsert {
  const merged: Record<string, unknown> = { type: a.type, value: a.value };
  // Confidence wins: a later row that is less sure changes only what its fields allow.
  const lessConfident = a.confidence !== null && b.confidence !== null && b.confidence < a.confidence;
  for (const field of INPUT_FIELDS) {
    const { merge, lessConfident: rule } = inputOf(field);
    merged[field] = !lessConfident
      ? meet(merge, a[field], b[field])
      : rule === 'apply'
        ? meet(merge, a[field], b[field])
        : rule === 'union'
          ? [...new Set([...((a[field] as string[] | null) ?? []), ...((b[field] as string[] | null) ?? [])])]
          : a[field];
  }
  return merged as IocUpsert;
}

type Shown = { [K in IocField]: (typeof ALL_FIELDS)[K]['shown'] extends true ? K : never }[IocField];

/** An IOC's row, whether it belongs to the shared feed (no workspace), and what is computed when read. */
export type IocRow = typeof iocs.$inferSelect & {
  shared: boolean;
  validFrom: string;
  status: IocStatus;
  score: number;
  sightings: Sightings;
  falsePositive: boolean;
  falsePositiveReports: number;
  excludedBy: string | null;
};

/** An IOC as REST bodies, CSV and STIX read it: the shown fields under their snake_case names, times in ISO 8601. */
export type RestIoc = { [K in Shown as Snake<K>]: IocRow[K] };

/** An IOC row in the REST shape (as the REST operations select it through GraphQL). */
export const restIoc = restShaper(IOC_FIELDS, isoTimestamp) as (row: IocRow) => RestIoc;

/** The fields that are one STIX indicator property each: [REST name, STIX property, field]. */
export const STIX_PROPERTIES: readonly (readonly [string, string, IocInputField])[] = entries
  .filter(([, spec]) => spec.stix && spec.input)
  .map(([field, spec]) => [snakeName(field), spec.stix!, field as IocInputField] as const);
