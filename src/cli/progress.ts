/**
 * A one-line progress bar on standard error for long transfers (`write`, `cat`; later send,
 * receive and scrub). It is for a person watching: it appears only when standard error is a
 * terminal and the command prints nothing machine-readable, only once the transfer has run for
 * a moment (quick commands stay silent), at most a few times a second, and it erases itself when
 * done so that the terminal holds exactly what the command printed.
 *
 *   writing /big   412M / 1.00G  [########..............]  41%  380M/s
 */
import { Chalk } from 'chalk';
import { invocationEnv } from '../lib/env.js';
import type { Output } from './context.js';
import { nicenum } from './format/nicenum.js';

/** How long a transfer runs before its bar appears; TSZFS_PROGRESS_DELAY_MS overrides (tests). */
const DEFAULT_DELAY_MS = 500;
const REDRAW_MS = 100;
const BAR_WIDTH = 24;

export interface ProgressOptions {
  /** e.g. `writing /big` */
  label: string;
  /** bytes expected, when known (a regular file's size); otherwise only bytes and rate show */
  total: number | null;
  /** -H, -p, -j or anything else meant for a program: no bar, whatever the terminal */
  machineOutput?: boolean;
  /** the bar would interleave with what the terminal shows: the command's output, or typed input */
  sharesTerminalWithOutput?: boolean;
}

export class Progress {
  private done = 0;
  private drawn = false;
  private lastDraw = 0;
  private readonly started = Date.now();
  private readonly delayMs: number;
  private readonly paint: InstanceType<typeof Chalk>;

  private constructor(
    private readonly err: Output,
    private opts: ProgressOptions,
  ) {
    const delay = Number(invocationEnv().TSZFS_PROGRESS_DELAY_MS);
    this.delayMs = Number.isFinite(delay) && delay >= 0 ? delay : DEFAULT_DELAY_MS;
    this.opts = { ...opts };
    this.paint = new Chalk({ level: err.colour ? 1 : 0 });
  }

  /** A bar for this transfer, or null when none may be shown. */
  static start(err: Output, opts: ProgressOptions): Progress | null {
    if (!err.isTTY || opts.machineOutput || opts.sharesTerminalWithOutput) return null;
    return new Progress(err, opts);
  }

  /** Count `bytes` more transferred; redraws when it is time to. */
  advance(bytes: number): void {
    this.done += bytes;
    const now = Date.now();
    if (now - this.started < this.delayMs || now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.draw(now);
  }

  /** A new label (the next layer of an image), shown at the next advance; the count of bytes goes on. */
  relabel(label: string): void {
    this.opts.label = label;
    this.lastDraw = 0;
  }

  /** Erase the bar (success or failure alike: errors then print on a clean line). */
  finish(): void {
    if (this.drawn) this.err.write('\r\x1b[K');
    this.drawn = false;
  }

  private draw(now: number): void {
    const { label, total } = this.opts;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = `${nicenum(Math.round(this.done / seconds))}/s`;
    let line = `${label}  ${nicenum(this.done)}`;
    if (total !== null && total > 0) {
      const fraction = Math.min(1, this.done / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const bar = this.paint.green('#'.repeat(filled)) + this.paint.dim('.'.repeat(BAR_WIDTH - filled));
      line += ` / ${nicenum(total)}  [${bar}]  ${String(Math.floor(fraction * 100)).padStart(3)}%`;
    }
    this.err.write(`\r${line}  ${rate}\x1b[K`);
    this.drawn = true;
  }
}
