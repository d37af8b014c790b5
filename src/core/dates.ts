/**
 * The one reader of dates in input (docs/api.md §12), for GraphQL's `DateTime`, REST parameters, cursors
 * and imports alike: real calendar dates, years 0001 to 9999; a date alone means midnight UTC; a
 * date with a time needs its zone (`Z` or `±hh:mm`). `Date.parse` is not used: it reads
 * `2026-02-30` as 2 March and years before 100 as the 1900s.
 */

const DATE_INPUT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;

/** The example every error message shows. */
export const DATE_EXAMPLE = '2026-01-31T12:00:00Z (or 2026-01-31 for midnight UTC)';

/** The instant as ISO 8601 in UTC with milliseconds, or null when the text is not such a date. */
export function parseDateInput(text: string): string | null {
  const match = DATE_INPUT.exec(text);
  if (!match) return null;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) return null;
  // Already in the form given back (UTC, milliseconds): as it is, without a Date (an import reads two a row).
  if (zone === 'Z' && fraction.length === 3 && text.length === 24) return text;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const offsetHours = Number(digits.slice(1, 3));
    const offsetMins = Number(digits.slice(3, 5));
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, keeps years below 100 as they are.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const utcYear = date.getUTCFullYear();
  // An offset may carry 0001-01-01 or 9999-12-31 past the range PostgreSQL and ISO 8601 share.
  if (utcYear < 1 || utcYear > 9999) return null;
  return date.toISOString();
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
