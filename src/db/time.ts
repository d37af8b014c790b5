/**
 * PostgreSQL prints a UTC `timestamptz(3)` as `2026-11-22 11:24:02.12+00` (trailing zeros of the
 * fraction dropped). The API speaks ISO 8601 with milliseconds: `2026-11-22T11:24:02.120Z`.
 * Converting the text is far cheaper than a round trip through `Date` on the hot path.
 */
export function isoTimestamp(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  if (value.endsWith('Z')) return value;
  // The common case, with all three digits of milliseconds: 2026-11-22 11:24:02.123+00
  if (value.length === 26 && value[10] === ' ' && value[19] === '.' && value.endsWith('+00')) {
    return `${value.slice(0, 10)}T${value.slice(11, 23)}Z`;
  }
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(\+00(?::00)?)?$/.exec(value);
  if (!match) return new Date(value).toISOString();
  const fraction = (match[3] ?? '').padEnd(3, '0').slice(0, 3);
  return `${match[1]}T${match[2]}.${fraction}Z`;
}

/** The instant of a timestamp as PostgreSQL prints it (or ISO 8601), in epoch milliseconds: no `Date` made. */
export function epochMs(value: string): number {
  return value.endsWith('+00')
    ? Date.parse(`${value.slice(0, 10)}T${value.slice(11, -3)}Z`)
    : Date.parse(isoTimestamp(value));
}

/**
 * The same instant as TAXII 2.1 writes its timestamps (`date_added`, `X-TAXII-Date-Added-*`,
 * `request_timestamp`): UTC with six digits of fraction, `2026-11-22T11:24:02.120000Z`.
 */
export function taxiiTimestamp(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:\+00(?::00)?|Z)$/.exec(value);
  if (!match) return isoTimestamp(value).replace(/Z$/, '000Z');
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(6, '0')}Z`;
}
