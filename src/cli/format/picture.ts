/**
 * What `tree` and `blocks` share: cells made of styled runs, drawn with colour (chalk) on a
 * terminal, as plain text elsewhere or under NO_COLOR, and as SVG classes; and where `--svg`
 * writes its picture.
 */
import * as fs from 'node:fs';
import { Chalk, type ChalkInstance } from 'chalk';
import { strerror, ZfsError } from '../../lib/errors.js';
import type { CommandContext } from '../context.js';

/** A run of text and the style class it is drawn in ('' for the default). */
export interface Span {
  text: string;
  cls: string;
}
export type SpanCell = Span[];

export const span = (text: string, cls = ''): Span => ({ text, cls });

/** The terminal style of each class. */
export type Palette = Record<string, (c: ChalkInstance) => ChalkInstance>;

/** A painter for `ctx`'s output: colour only where Output.colour says so (a terminal, no NO_COLOR). */
export function painter(ctx: CommandContext, palette: Palette): (cell: SpanCell) => string {
  if (!ctx.out.colour) return (cell) => cell.map((s) => s.text).join('');
  const chalk = new Chalk({ level: 1 });
  return (cell) => cell.map((s) => (s.cls && palette[s.cls] ? palette[s.cls](chalk)(s.text) : s.text)).join('');
}

/** `--svg FILE`: the picture to FILE, or to standard output for `-`. */
export function writeSvg(ctx: CommandContext, file: string, svg: string): void {
  if (file === '-') {
    ctx.out.write(svg);
    return;
  }
  try {
    fs.writeFileSync(file, svg);
  } catch (err) {
    throw ZfsError.action(`cannot write '${file}'`, strerror(err).toLowerCase());
  }
}
