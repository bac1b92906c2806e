/**
 * `tszfs blocks [-c] [--svg FILE] FILESYSTEM|SNAPSHOT PATH`: a file's records in every layer of its
 * snapshot and clone chain (with -c, the clones made from its snapshots too), each marked new in
 * that layer (`+TXG`) or shared with the layer it descends from (`=TXG`), TXG being the txg the
 * record was born in: copy on write and block sharing, as a picture.
 */
import { fileLayers, type Layer } from '../../lib/pictures.js';
import type { Command } from '../context.js';
import { nicebytes } from '../format/nicenum.js';
import { painter, span, writeSvg, type Palette, type SpanCell } from '../format/picture.js';
import { CHAR_W, esc, LINE_H, MARGIN, svgDocument, textGrid } from '../format/svg.js';
import { drawTable, type Align, type Cell } from '../format/table.js';
import { parseOptions, UsageError } from '../parse.js';

/** Record columns per table in the text form (a wide file continues in further tables). */
const PER_TABLE = 16;

type Mark = 'new' | 'shared' | 'hole' | 'past';
interface RecordCell {
  mark: Mark;
  birth: number;
}

interface LayerRow {
  layer: Layer;
  /** null when the file is not in this layer */
  cells: RecordCell[] | null;
  /** bytes of the records new in this layer */
  newBytes: number;
}

/** Each layer's records against those of the layer it descends from. */
function compare(layers: readonly Layer[]): { rows: LayerRow[]; columns: number } {
  const count = (l: Layer) => (l.file === null || l.file.size === 0 ? 0 : Math.ceil(l.file.size / l.file.blksz));
  const columns = Math.max(0, ...layers.map(count));
  const rows = layers.map((layer): LayerRow => {
    if (layer.file === null) return { layer, cells: null, newBytes: 0 };
    const below = layer.parent === null ? null : layers[layer.parent].file;
    const before = new Map((below?.records ?? []).map((r) => [r.blockId, r]));
    const mine = new Map(layer.file.records.map((r) => [r.blockId, r]));
    let newBytes = 0;
    const cells: RecordCell[] = [];
    for (let id = 0; id < columns; id++) {
      const r = mine.get(id);
      if (id >= count(layer)) cells.push({ mark: 'past', birth: 0 });
      else if (!r) cells.push({ mark: 'hole', birth: 0 });
      else {
        const b = before.get(id);
        const shared = b !== undefined && b.offset === r.offset && b.birth === r.birth;
        if (!shared) newBytes += r.asize;
        cells.push({ mark: shared ? 'shared' : 'new', birth: r.birth });
      }
    }
    return { layer, cells, newBytes };
  });
  return { rows, columns };
}

/** The layer's name with its place in the genealogy: `└▶ ` starts a clone, indented per level. */
function layerName(l: Layer): SpanCell {
  if (l.depth === 0) return [span(l.name, l.kind === 'snapshot' ? 'snap' : 'fs')];
  const lead = '   '.repeat(l.depth - 1);
  return [span(lead), ...(l.cloneStart ? [span('└▶ ', 'arrow')] : [span('   ')]), span(l.name, l.kind === 'snapshot' ? 'snap' : 'fs')];
}

const cellText = (c: RecordCell) => (c.mark === 'new' ? `+${c.birth}` : c.mark === 'shared' ? `=${c.birth}` : c.mark === 'hole' ? '.' : '');

const PALETTE: Palette = {
  fs: (c) => c.bold,
  snap: (c) => c.cyan,
  arrow: (c) => c.yellow,
  new: (c) => c.green.bold,
  shared: (c) => c.dim,
  hole: (c) => c.dim,
  absent: (c) => c.dim,
};

const LEGEND =
  '+N: born in txg N, new in this layer; =N: born in txg N, the same block as in the layer it\n' +
  'descends from (shared); .: a hole; blank: past the end of the file\n';

function textForm(header: string, rows: readonly LayerRow[], columns: number, paint: (c: SpanCell) => string): string {
  let out = header + '\n';
  for (let from = 0; from === 0 || from < columns; from += PER_TABLE) {
    const ids = Array.from({ length: Math.max(0, Math.min(PER_TABLE, columns - from)) }, (_, i) => from + i);
    const first = from === 0;
    const head = ['LAYER', ...(first ? ['TXG', 'NEW'] : []), ...ids.map(String)];
    const aligns: Align[] = ['left', ...(first ? (['right', 'right'] as Align[]) : []), ...ids.map((): Align => 'left')];
    const body = rows.map((row): Cell[] => {
      const l = row.layer;
      const lead: Cell[] = [paint(layerName(l)), ...(first ? [l.txg === null ? '-' : String(l.txg), row.cells === null ? '-' : nicebytes(row.newBytes)] : [])];
      if (row.cells === null) return ids.length === 0 ? lead : [...lead, { content: paint([span('(no file)', 'absent')]), colSpan: ids.length }];
      return [...lead, ...ids.map((id) => paint([span(cellText(row.cells![id]), row.cells![id].mark)]))];
    });
    out += '\n' + drawTable(head, body, aligns);
  }
  return out + '\n' + LEGEND;
}

/** Colours by birth txg: a record keeps its colour in every layer that shares it. */
const FILLS = ['#4c72b0', '#dd8452', '#55a868', '#c44e52', '#8172b3', '#937860', '#da8bc3', '#8c8c8c', '#ccb974', '#64b5cd'];
/** The narrowest record cell; wider when births have more digits (`+12345`). */
const MIN_CELL_W = 44;

function svgForm(header: string, rows: readonly LayerRow[], columns: number): string {
  const head: SpanCell[] = [[span('LAYER', 'head')], [span('TXG', 'head')], [span('NEW', 'head')]];
  const labelRows = rows.map((r) => [layerName(r.layer), [span(r.layer.txg === null ? '-' : String(r.layer.txg))], [span(r.cells === null ? '-' : nicebytes(r.newBytes))]]);
  const labels = textGrid([head, ...labelRows], ['left', 'right', 'right'], MARGIN + LINE_H);
  const headY = MARGIN + LINE_H * 2 - 5;
  const x0 = labels.width;
  const births = [...new Set(rows.flatMap((r) => (r.cells ?? []).filter((c) => c.mark === 'new' || c.mark === 'shared').map((c) => c.birth)))].sort((a, b) => a - b);
  const fill = (birth: number) => FILLS[births.indexOf(birth) % FILLS.length];
  const CELL_W = Math.max(MIN_CELL_W, (String(births[births.length - 1] ?? 0).length + 2) * CHAR_W);
  let body = `<text x="${MARGIN}" y="${MARGIN + LINE_H - 5}" class="title">${esc(header)}</text>\n`;
  for (let id = 0; id < columns; id++) body += `<text x="${x0 + id * CELL_W + CELL_W / 2}" y="${headY}" text-anchor="middle" class="head">${id}</text>\n`;
  rows.forEach((row, r) => {
    const y = MARGIN + LINE_H * (r + 2);
    if (row.cells === null) {
      body += `<text x="${x0 + 4}" y="${y + LINE_H - 5}" class="absent">(no file)</text>\n`;
      return;
    }
    row.cells.forEach((c, id) => {
      const x = x0 + id * CELL_W;
      if (c.mark === 'past') return;
      if (c.mark === 'hole') body += `<rect x="${x + 1}" y="${y + 1}" width="${CELL_W - 2}" height="${LINE_H - 2}" class="hole"/>\n`;
      else body += `<rect x="${x + 1}" y="${y + 1}" width="${CELL_W - 2}" height="${LINE_H - 2}" fill="${fill(c.birth)}" class="${c.mark}"/>\n`;
      body += `<text x="${x + CELL_W / 2}" y="${y + LINE_H - 5}" text-anchor="middle" class="${c.mark === 'new' ? 'newtext' : 'sharedtext'}">${esc(cellText(c))}</text>\n`;
    });
  });
  const legendY = MARGIN + LINE_H * (rows.length + 3) - 5;
  body += LEGEND.trimEnd().split('\n').map((line, i) => `<text x="${MARGIN}" y="${legendY + i * LINE_H}" class="legend">${esc(line)}</text>\n`).join('');
  const width = Math.max(x0 + columns * CELL_W + MARGIN, MARGIN * 2 + (LEGEND.indexOf('\n') + 1) * CHAR_W, MARGIN * 2 + header.length * CHAR_W);
  const height = legendY + LINE_H + MARGIN;
  const style = `.title { font-weight: bold; }
.head { font-weight: bold; fill: #555; }
.snap { fill: #0b7285; }
.fs { font-weight: bold; }
.arrow { fill: #b8860b; }
.new { stroke: #222; stroke-width: 1.5; }
.shared { opacity: 0.35; }
.hole { fill: none; stroke: #999; stroke-dasharray: 3 2; }
.newtext { fill: #fff; font-weight: bold; }
.sharedtext { fill: #222; }
.absent, .legend { fill: #777; }
`;
  return svgDocument(width, height, style, body + labels.svg);
}

export const command: Command = {
  usage: ['blocks [-c] [--svg <file>] <filesystem|snapshot> <path>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'c', longValues: ['svg'] });
    const [dataset, path, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (path === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const { layers } = fileLayers(ctx.home, dataset, path, p.flags.has('c'));
    const { rows, columns } = compare(layers);
    const mine = layers.find((l) => l.name === dataset)?.file;
    const records = mine && mine.size > 0 ? Math.ceil(mine.size / mine.blksz) : 0;
    const header = mine ? `${dataset}:${path}: ${mine.size} bytes in ${records} record${records === 1 ? '' : 's'} of ${nicebytes(mine.blksz)}` : `${dataset}:${path}`;
    const svg = p.values.get('svg')?.[0];
    if (svg !== undefined) writeSvg(ctx, svg, svgForm(header, rows, columns));
    else ctx.out.write(textForm(header, rows, columns, painter(ctx, PALETTE)));
    return 0;
  },
};
