/** What every command receives: where pools live, how it was invoked, and where output goes. */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import type { Home } from '../lib/home.js';

export type Family = 'zfs' | 'zpool';

export interface CommandContext {
  home: Home;
  family: Family;
  /** the command line as pool history records it, e.g. `zfs create tank/a` */
  historyLine: string;
  out: Output;
  err: Output;
}

/** Synchronous writes to a file descriptor: output order is exact and no buffer grows unbounded. */
export class Output {
  /** whether the descriptor is a terminal (progress bars and colour are for people, not pipes) */
  readonly isTTY: boolean;

  /** A write to a pipe whose reader is gone ends the command quietly with status 0, unless a
   *  command says otherwise (send: dieOfBrokenPipe). */
  onBrokenPipe: () => void = () => process.exit(0);

  constructor(readonly fd: number) {
    this.isTTY = tty.isatty(fd);
  }

  /**
   * Colour only on a terminal, never with NO_COLOR set (any value, https://no-color.org) or on a
   * `dumb` terminal. Machine-readable output (-H, -p, -j) asks for none whatever this says.
   */
  get colour(): boolean {
    return this.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  }

  write(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < buf.length) {
      try {
        done += fs.writeSync(this.fd, buf, done, buf.length - done);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') waitBriefly();
        else if (code === 'EPIPE') {
          this.onBrokenPipe();
          throw err;
        } else throw err;
      }
    }
  }
}

/**
 * End as a C program does that writes to a pipe nobody reads: killed by SIGPIPE (status 141 in a
 * shell). Node ignores SIGPIPE; a listener added and removed puts back its default action.
 */
export function dieOfBrokenPipe(): never {
  const listener = () => {};
  process.on('SIGPIPE', listener);
  process.off('SIGPIPE', listener);
  process.kill(process.pid, 'SIGPIPE');
  process.exit(128 + 13);
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function waitBriefly(): void {
  Atomics.wait(sleeper, 0, 0, 2);
}

export interface Command {
  /** usage lines (without the leading tab) as zfs_main prints them */
  usage: string[];
  /** loads what run() needs and cannot import synchronously (main awaits it before run) */
  prepare?(): Promise<void>;
  run(ctx: CommandContext, args: string[]): number;
}
