// The column printer shared by `zfs list`, `zpool list` and `zfs get`
// (spec §4.3, §5.1; zfs_main.c print_header()/collect_dataset() and
// libzfs zprop_print_headers()/zprop_print_one_property()).
//
// Widths and padding are measured in UTF-8 bytes because the C code uses
// strlen() and printf("%*s"), which count bytes: a multi-byte user-property
// value misaligns the table in real ZFS, and so it does here.

export type Align = 'left' | 'right';

export interface ColumnSpec {
  /** Column title, e.g. 'NAME', 'USED'. */
  header: string;
  /** Alignment of the values (and of the header unless headerAlign is set). */
  align: Align;
  /** Lower bound for the width, e.g. 5 for numbers, longest index value. */
  minWidth?: number;
  /** Numeric "fixed" column: not widened by its values in human mode. */
  fixed?: boolean;
  /**
   * Alignment of the header only. `zfs list -o userquota@x,written@s` prints
   * those headers left-aligned while their values are right-aligned
   * (print_header() only right-justifies native properties).
   */
  headerAlign?: Align;
}

export interface RenderOptions {
  /** -H: no header, TAB separators, no padding. */
  scripted: boolean;
  /** Print the header line (ignored when scripted). */
  header: boolean;
  /** -p: literal values. */
  parsable: boolean;
  /**
   * Whether -p widens fixed columns by their values. `zfs list` does
   * (ZFS_ITER_LITERAL_PROPS), `zfs get` does not, hence its misalignment.
   */
  widenFixedWhenParsable: boolean;
}

const SEPARATOR = '  ';

/**
 * Render a whole table, every line '\n'-terminated.
 *
 * The header is emitted whenever opts.header is set (and not scripted), even
 * for zero rows. OpenZFS never prints a header without data (`zfs list`
 * prints `no datasets available` instead), so callers wanting that behaviour
 * pass `header: rows.length > 0`.
 *
 * Callers that need widths from datasets that are iterated but not printed
 * (e.g. `zfs get -s local` still sizes VALUE from filtered rows) should fold
 * those into minWidth.
 */
export function renderTable(
  columns: ColumnSpec[],
  rows: string[][],
  opts: RenderOptions,
): string {
  for (const [i, row] of rows.entries()) {
    if (row.length !== columns.length) {
      throw new RangeError(
        `renderTable: row ${i} has ${row.length} cells, expected ${columns.length}`,
      );
    }
  }

  if (opts.scripted) {
    return rows.map((row) => row.join('\t') + '\n').join('');
  }

  const widths = columnWidths(columns, rows, opts);
  const lines: string[] = [];
  if (opts.header) {
    lines.push(
      renderLine(
        columns.map((c) => c.header),
        columns.map((c) => c.headerAlign ?? c.align),
        widths,
      ),
    );
  }
  const aligns = columns.map((c) => c.align);
  for (const row of rows) {
    lines.push(renderLine(row, aligns, widths));
  }
  return lines.map((l) => l + '\n').join('');
}

/** Column widths as render computes them (exported for callers and tests). */
export function columnWidths(
  columns: ColumnSpec[],
  rows: string[][],
  opts: Pick<RenderOptions, 'parsable' | 'widenFixedWhenParsable'>,
): number[] {
  const widenFixed = opts.parsable && opts.widenFixedWhenParsable;
  return columns.map((col, i) => {
    let w = Math.max(byteLength(col.header), col.minWidth ?? 0);
    if (!col.fixed || widenFixed) {
      for (const row of rows) w = Math.max(w, byteLength(row[i]));
    }
    return w;
  });
}

function renderLine(cells: string[], aligns: Align[], widths: number[]): string {
  let out = '';
  const last = cells.length - 1;
  for (let i = 0; i <= last; i++) {
    if (i > 0) out += SEPARATOR;
    const cell = cells[i];
    // A left-aligned last column is printed with plain "%s" so lines carry no
    // trailing blanks; a right-aligned one still needs "%*s" to line up.
    if (i === last && aligns[i] === 'left') {
      out += cell;
      continue;
    }
    // printf never truncates: an over-long cell just pushes the line right.
    const pad = ' '.repeat(Math.max(0, widths[i] - byteLength(cell)));
    out += aligns[i] === 'right' ? pad + cell : cell + pad;
  }
  return out;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
