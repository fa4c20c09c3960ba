/**
 * A port of the parts of Go's text/tabwriter that Docker's tables use (minwidth 10, tabwidth
 * 1, padding 3, left aligned). Cells end at a tab, lines at a newline; a column's width is
 * set by the block of consecutive lines that have a cell in it. Following the algorithm, not
 * just "pad every column", keeps Berth's tables identical to Docker's, odd cases included
 * (newlines inside a CREATED BY cell).
 */

interface Cell {
  text: string;
  width: number;
}

export interface TabwriterOptions {
  minWidth: number;
  padding: number;
}

const DOCKER: TabwriterOptions = { minWidth: 10, padding: 3 };

export function tabwrite(input: string, options: TabwriterOptions = DOCKER): string {
  const lines: Cell[][] = [];
  for (const rawLine of input.split('\n')) {
    lines.push(rawLine.split('\t').map((text) => ({ text, width: runeCount(text) })));
  }
  // A trailing newline leaves one empty line that is not printed.
  const endsWithNewline = input.endsWith('\n');
  if (endsWithNewline) lines.pop();
  const uniform = uniformTable(lines, options);
  if (uniform !== undefined) return uniform + (endsWithNewline ? '\n' : '');
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      let text = '';
      for (let j = 0; j < line.length; j++) {
        const c = line[j]!;
        if (j < widths.length && j < line.length - 1) text += c.text + ' '.repeat(Math.max(0, widths[j]! - c.width));
        else text += c.text;
      }
      out.push(text);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      writeLines(line0, current);
      line0 = current;
      let width = options.minWidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        const w = line[column]!.width + options.padding;
        if (w > width) width = w;
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}

/**
 * The common case, every line with the same number of cells: one column block per column,
 * which the general algorithm would also find, computed directly (it matters at start-up,
 * where the table code still runs in V8's interpreter).
 */
function uniformTable(lines: Cell[][], options: TabwriterOptions): string | undefined {
  const first = lines[0];
  if (first === undefined || first.length < 2) return undefined;
  const columns = first.length;
  const widths = new Array<number>(columns - 1).fill(options.minWidth);
  for (const line of lines) {
    if (line.length !== columns) return undefined;
    for (let j = 0; j < columns - 1; j++) {
      const w = line[j]!.width + options.padding;
      if (w > widths[j]!) widths[j] = w;
    }
  }
  const out: string[] = [];
  for (const line of lines) {
    const parts: string[] = [];
    for (let j = 0; j < columns - 1; j++) parts.push(line[j]!.text, ' '.repeat(widths[j]! - line[j]!.width));
    parts.push(line[columns - 1]!.text);
    out.push(parts.join(''));
  }
  return out.join('\n');
}

const SURROGATE = /[\ud800-\udfff]/;

/** Characters as Go counts runes: UTF-16 low surrogates belong to the character before them. */
function runeCount(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) n--;
  }
  return n;
}

/**
 * A table whose rows all have the same cells (Docker's `images`), laid out exactly as the
 * tabwriter would (each column as wide as its widest cell plus padding, at least minWidth;
 * the last column unpadded), without building and re-splitting tab-separated text.
 */
export function renderTable(rows: readonly (readonly string[])[], options: TabwriterOptions = DOCKER): string {
  const first = rows[0];
  if (first === undefined) return '';
  const columns = first.length;
  const widths = new Array<number>(columns).fill(options.minWidth);
  const cellWidths = new Int32Array(rows.length * columns);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    for (let j = 0; j < columns - 1; j++) {
      const w = runeCount(row[j]!);
      cellWidths[i * columns + j] = w;
      if (w + options.padding > widths[j]!) widths[j] = w + options.padding;
    }
  }
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let line = '';
    for (let j = 0; j < columns - 1; j++) line += row[j]! + ' '.repeat(widths[j]! - cellWidths[i * columns + j]!);
    lines[i] = line + row[columns - 1]!;
  }
  return `${lines.join('\n')}\n`;
}
