/**
 * tszfs's own human tables (tree, blocks, bench reports), drawn by cli-table3 without borders:
 * columns two spaces apart, as OpenZFS's column layouts are, so that the pictures sit beside
 * `zfs list` output. Cells may carry colour; cli-table3 measures them without it.
 */
import Table from 'cli-table3';

export type Align = 'left' | 'right';
/** A cell's text, or one that spans several columns. */
export type Cell = string | { content: string; colSpan: number };

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '',
};

/** `head` and `rows` as aligned columns `gap` spaces apart, every line ending in `\n`, with no
 *  trailing blanks. */
export function drawTable(head: readonly string[] | null, rows: readonly Cell[][], aligns: readonly Align[], gap = 2): string {
  const table = new Table({
    ...(head ? { head: [...head] } : {}),
    chars: { ...NO_BORDER, middle: ' '.repeat(gap) },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
    colAligns: [...aligns],
  });
  for (const row of rows) table.push(row.map((c) => (typeof c === 'string' ? c : { content: c.content, colSpan: c.colSpan })));
  return table.toString().split('\n').map((line) => line.trimEnd() + '\n').join('');
}
