import * as fs from 'node:fs';
import { atomicWriteFile } from '../util/files';

export type CsvValue = string | number | boolean | undefined | null;
export type CsvRow = Record<string, CsvValue>;

function formatCell(v: CsvValue): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header row; numbers keep full precision (String(n)) so files round-trip exactly. */
export function toCsv(columns: readonly string[], rows: readonly CsvRow[]): string {
  const lines = [columns.map(formatCell).join(',')];
  for (const row of rows) lines.push(columns.map((c) => formatCell(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

export function writeCsv(file: string, columns: readonly string[], rows: readonly CsvRow[]): void {
  atomicWriteFile(file, toCsv(columns, rows));
}

/** Splits CSV text into records of fields (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** Reads a CSV with a header into rows of strings keyed by column. */
export function readCsv(file: string): Record<string, string>[] {
  const [header, ...body] = parseCsv(fs.readFileSync(file, 'utf8'));
  if (!header) return [];
  return body.map((fields) => Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ''])));
}
