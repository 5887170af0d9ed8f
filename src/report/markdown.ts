/** How a column's cells sit: markdown's default rule `---` (left), or `---:` (right, for numbers). */
export type MarkdownAlign = 'left' | 'right';

/**
 * A markdown (GitHub) table: the header, the rule, one line per row, joined by
 * '\n' with no newline after the last. Cells go in as written: a caller that puts
 * `|` in a cell escapes it. Columns are left-aligned unless `align` says otherwise.
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly MarkdownAlign[] = [],
): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => (align[i] === 'right' ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}
