/**
 * Hand-written SVG for `tree --svg` and `blocks --svg`: a text grid in a monospace font (each
 * cell placed at its column, left or right aligned) and rectangles. The output depends on nothing
 * but its input, so golden files hold it byte for byte.
 */
import type { SpanCell } from './picture.js';
import type { Align } from './table.js';

export const CHAR_W = 8;
export const LINE_H = 18;
export const MARGIN = 12;

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const widthOf = (cell: SpanCell) => cell.reduce((n, s) => n + [...s.text].length, 0);

/** The x (in characters) where each column starts, columns `gap` characters apart. */
export function columnStarts(rows: readonly SpanCell[][], gap = 2): { starts: number[]; widths: number[] } {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, widthOf(cell))));
  const starts: number[] = [];
  let x = 0;
  for (const w of widths) {
    starts.push(x);
    x += w + gap;
  }
  return { starts, widths };
}

/** `rows` as `<text>` lines from `top`, each cell at its column. */
export function textGrid(rows: readonly SpanCell[][], aligns: readonly Align[], top: number, gap = 2): { svg: string; width: number; height: number } {
  const { starts, widths } = columnStarts(rows, gap);
  let svg = '';
  rows.forEach((row, r) => {
    const y = top + (r + 1) * LINE_H - 5;
    row.forEach((cell, i) => {
      if (widthOf(cell) === 0) return;
      const right = aligns[i] === 'right';
      const x = MARGIN + (starts[i] + (right ? widths[i] : 0)) * CHAR_W;
      const spans = cell.map((s) => (s.cls ? `<tspan class="${s.cls}">${esc(s.text)}</tspan>` : esc(s.text))).join('');
      svg += `<text x="${x}" y="${y}"${right ? ' text-anchor="end"' : ''}>${spans}</text>\n`;
    });
  });
  const chars = starts.length === 0 ? 0 : starts[starts.length - 1] + widths[widths.length - 1];
  return { svg, width: 2 * MARGIN + chars * CHAR_W, height: rows.length * LINE_H };
}

/** A whole SVG document of `width` × `height` with `style` rules and `body`. */
export function svgDocument(width: number, height: number, style: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">\n` +
    `<style>\ntext { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; fill: #222; white-space: pre; }\n${style}</style>\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n` +
    body +
    '</svg>\n'
  );
}
