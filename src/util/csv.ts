import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { UserError } from './errors';
import { atomicWriteFile } from './files';

export type CsvValue = string | number | boolean | undefined | null;
export type CsvRow = Record<string, CsvValue>;

/**
 * RFC 4180 CSV with a header row (csv-stringify): a field is quoted only when it holds
 * a quote, a comma or a line break; numbers keep full precision (String(n), so NaN is
 * `NaN`) and files round-trip exactly; undefined and null are empty fields; lines end
 * in `\n`, the last one too.
 */
export function toCsv(columns: readonly string[], rows: readonly CsvRow[]): string {
  // Records go in as arrays, not objects with `columns`: csv-stringify reads a column
  // named `a.b` as a path into the row, and these column names are plain keys.
  const records = [[...columns], ...rows.map((row) => columns.map((c) => row[c]))];
  // csv-stringify writes true as `1` and false as an empty field; dresnet's files say `true`/`false`.
  return stringify(records, { cast: { boolean: String } });
}

export function writeCsv(file: string, columns: readonly string[], rows: readonly CsvRow[]): void {
  atomicWriteFile(file, toCsv(columns, rows));
}

/**
 * Splits CSV text into records of fields (csv-parse: quoted fields, doubled quotes,
 * CRLF). Records may differ in length (a file whose columns grew reads back whole);
 * malformed quoting throws csv-parse's CsvError, which names the line.
 */
export function parseCsv(text: string): string[][] {
  return parse(text, { relax_column_count: true });
}

/** Reads a CSV with a header into rows of strings keyed by column; a field missing from a short row reads as ''. */
export function readCsv(file: string): Record<string, string>[] {
  const [header, ...body] = parseCsvFile(file);
  if (!header) return [];
  return body.map((fields) => Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ''])));
}

function parseCsvFile(file: string): string[][] {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return parseCsv(text);
  } catch (err) {
    throw new UserError(`${file}: not a readable CSV file (${(err as Error).message})`);
  }
}
