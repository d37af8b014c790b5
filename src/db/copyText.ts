/**
 * PostgreSQL's COPY text format (tab-separated, one row per line), as the bulk loads write it:
 * `\N` for null, backslash escapes for the characters that would end a field or a row.
 */
/** A Buffer is written as bytea (`\\x` and hex). */
export type CopyValue = string | number | null | readonly string[] | Buffer;

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Thrown for text PostgreSQL cannot store: the writers reject such records before they get here. */
export class UnstorableText extends Error {}

export function copyField(value: CopyValue): string {
  if (value === null) return '\\N';
  if (typeof value === 'number') return String(value);
  // The backslash of bytea's `\x` escaped for COPY.
  if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
  if (typeof value !== 'string')
    return copyField(`{${value.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  // COPY would refuse the whole statement for one NUL (invalid byte sequence 0x00): say so here instead.
  if (value.includes('\u0000'))
    throw new UnstorableText('a value holds a NUL byte, which PostgreSQL text cannot store');
  return SPECIAL.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : value;
}

/** One row, with its line end. */
export function copyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyField(values[i]!);
  return `${line}\n`;
}
