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
    lines.push(rawLine.split('\t').map((text) => ({ text, width: [...text].length })));
  }
  // A trailing newline leaves one empty line that is not printed.
  const endsWithNewline = input.endsWith('\n');
  if (endsWithNewline) lines.pop();
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
