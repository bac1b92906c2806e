/**
 * `tszfs tree [-p] [--svg FILE] [FILESYSTEM|VOLUME]`: the genealogy of datasets, snapshots and
 * clones with each one's used and referenced bytes. A clone hangs below the snapshot it was made
 * from (`└▶`), where `zfs list` shows only an origin column; one whose origin is not drawn stays
 * below its parent and names its origin (`◀ tank/x@snap`).
 */
import { genealogy, type FamilyNode } from '../../lib/pictures.js';
import type { Command } from '../context.js';
import { nicebytes } from '../format/nicenum.js';
import { painter, span, writeSvg, type Palette, type SpanCell } from '../format/picture.js';
import { MARGIN, svgDocument, textGrid } from '../format/svg.js';
import { drawTable, type Align } from '../format/table.js';
import { parseOptions, UsageError } from '../parse.js';

const PALETTE: Palette = {
  fs: (c) => c.bold,
  vol: (c) => c.bold.magenta,
  snap: (c) => c.cyan,
  arrow: (c) => c.yellow,
  line: (c) => c.dim,
  origin: (c) => c.yellow,
};

const SVG_STYLE = `.fs { font-weight: bold; }
.vol { font-weight: bold; fill: #8b1a8b; }
.snap { fill: #0b7285; }
.arrow, .origin { fill: #b8860b; }
.line { fill: #999; }
.head { font-weight: bold; fill: #555; }
`;

const ALIGNS: Align[] = ['left', 'right', 'right', 'left'];

/** One row per node, depth first: the tree-drawn name, used, refer, and an origin not drawn. */
function rowsOf(roots: readonly FamilyNode[], parsable: boolean): SpanCell[][] {
  const size = (n: number) => [span(parsable ? String(n) : nicebytes(n))];
  const rows: SpanCell[][] = [];
  const visit = (node: FamilyNode, parent: FamilyNode | null, lead: string, last: boolean) => {
    const name: SpanCell = [];
    if (parent) {
      name.push(span(lead + (last ? '└' : '├'), 'line'));
      name.push(node.underOrigin ? span('▶ ', 'arrow') : span('─ ', 'line'));
    }
    // A snapshot below its own dataset shows only its @name.
    if (node.type === 'snapshot' && parent && node.name.startsWith(parent.name + '@')) name.push(span(node.name.slice(parent.name.length), 'snap'));
    else name.push(span(node.name, node.type === 'snapshot' ? 'snap' : node.type === 'volume' ? 'vol' : 'fs'));
    const origin = node.origin !== null && !node.underOrigin ? [span('◀ ', 'origin'), span(node.origin, 'snap')] : [];
    rows.push([name, size(node.used), size(node.referenced), origin]);
    const below = parent ? lead + (last ? '   ' : '│  ') : '';
    node.children.forEach((child, i) => visit(child, node, below, i === node.children.length - 1));
  };
  for (const root of roots) visit(root, null, '', true);
  return rows;
}

const HEAD: SpanCell[] = [[span('NAME', 'head')], [span('USED', 'head')], [span('REFER', 'head')], []];

export function treeSvg(rows: readonly SpanCell[][]): string {
  const grid = textGrid([HEAD, ...rows], ALIGNS, MARGIN);
  return svgDocument(grid.width, grid.height + 2 * MARGIN, SVG_STYLE, grid.svg);
}

export const command: Command = {
  usage: ['tree [-p] [--svg <file>] [filesystem|volume]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'p', longValues: ['svg'] });
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const rows = rowsOf(genealogy(ctx.home, p.operands[0] ?? null), p.flags.has('p'));
    const svg = p.values.get('svg')?.[0];
    if (svg !== undefined) {
      writeSvg(ctx, svg, treeSvg(rows));
      return 0;
    }
    if (rows.length === 0) return 0;
    const paint = painter(ctx, PALETTE);
    const hasOrigin = rows.some((r) => r[3].length > 0);
    const cells = (r: readonly SpanCell[]) => (hasOrigin ? r : r.slice(0, 3)).map(paint);
    ctx.out.write(drawTable(cells(HEAD), rows.map(cells), ALIGNS));
    return 0;
  },
};
