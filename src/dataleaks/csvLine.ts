/**
 * One line of a leak CSV split into its fields (docs/api.md §9, §12). Leak dumps are one record per line;
 * reading them line by line, through the same bounded line reader as every other format, is what
 * keeps a record's size and the time to read it bounded: a field of 200 MB, or a quote never
 * closed, is one overlong or refused line, never the rest of the file.
 *
 * Why not csv-parse here (it still reads IOC imports): its `max_record_size` with
 * `skip_records_with_error` drops the rows after an overlong one, and an unclosed quote swallows
 * every line after it until the end of the file.
 *
 * Fields are comma-separated; a field that starts with `"` is quoted (`""` inside is one quote).
 * A quote anywhere else is part of the text, and so is a quoted field followed by more text
 * (`"pw"x` is the password `"pw"x`), as dumps write passwords.
 */

/** The fields of `line`, or null when a quoted field does not close on it. Linear in its length. */
export function csvFields(line: string): string[] | null {
  const fields: string[] = [];
  let start = 0;
  for (;;) {
    let end: number;
    if (line[start] === '"') {
      let value = '';
      let from = start + 1;
      let close = -1;
      while (close < 0) {
        const quote = line.indexOf('"', from);
        if (quote < 0) return null;
        if (line[quote + 1] === '"') {
          value += line.slice(from, quote + 1);
          from = quote + 2;
        } else {
          value += line.slice(from, quote);
          close = quote;
        }
      }
      if (close + 1 === line.length || line[close + 1] === ',') {
        fields.push(value);
        end = close + 1;
      } else {
        // More text after the closing quote: the field is the text as written.
        const comma = line.indexOf(',', close + 1);
        end = comma < 0 ? line.length : comma;
        fields.push(line.slice(start, end));
      }
    } else {
      const comma = line.indexOf(',', start);
      end = comma < 0 ? line.length : comma;
      fields.push(line.slice(start, end));
    }
    if (end >= line.length) return fields;
    start = end + 1;
  }
}
