/** What every command receives: where pools live, how it was invoked, and where output goes. */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { invocationEnv } from '../lib/env.js';
import type { Home } from '../lib/home.js';

export type Family = 'zfs' | 'zpool';

export interface CommandContext {
  home: Home;
  family: Family;
  /** the command line as pool history records it, e.g. `zfs create tank/a` */
  historyLine: string;
  out: Output;
  err: Output;
  /** standard input */
  in: Input;
  /** the path the program was run by (argv[1]) */
  program: string | undefined;
}

/** Where an in-process run's output goes (cli/main.ts run): each write is handed over at once. */
export interface Sink {
  write(data: Buffer): unknown;
  isTTY?: boolean;
}

/** Synchronous writes to a file descriptor (or a Sink in-process): output order is exact and no
 *  buffer grows unbounded. */
export class Output {
  private tty: boolean | null;
  /** the descriptor written to; null for a Sink */
  readonly fd: number | null;
  private readonly sink: Sink | null;

  /** A write to a pipe whose reader is gone ends the command quietly with status 0, unless a
   *  command says otherwise (send: dieOfBrokenPipe). Only a descriptor has one. */
  onBrokenPipe: () => void = () => process.exit(0);

  constructor(target: number | Sink) {
    this.fd = typeof target === 'number' ? target : null;
    this.sink = typeof target === 'number' ? null : target;
    this.tty = typeof target === 'number' ? null : target.isTTY === true;
  }

  /** whether the descriptor is a terminal (progress bars and colour are for people, not pipes);
   *  asked only when needed: node:tty loads node:net and node:stream, ~2 ms of a start-up */
  get isTTY(): boolean {
    return (this.tty ??= tty.isatty(this.fd as number));
  }

  /**
   * Colour only on a terminal, never with NO_COLOR set (any value, https://no-color.org) or on a
   * `dumb` terminal. Machine-readable output (-H, -p, -j) asks for none whatever this says.
   */
  get colour(): boolean {
    const env = invocationEnv();
    return this.isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
  }

  write(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (this.fd === null) {
      this.sink?.write(buf);
      return;
    }
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

/** Synchronous reads of standard input: a descriptor, or bytes given whole (an in-process run,
 *  read as a pipe would be: not a regular file, not a terminal). */
export class Input {
  private tty: boolean | null;
  /** the descriptor read, or null for bytes given whole */
  readonly fd: number | null;
  private readonly bytes: Buffer;
  private at = 0;

  constructor(source: number | Buffer) {
    this.fd = typeof source === 'number' ? source : null;
    this.bytes = typeof source === 'number' ? Buffer.alloc(0) : source;
    this.tty = typeof source === 'number' ? null : false;
  }

  /** whether the descriptor is a terminal (asked only when needed, as Output's) */
  get isTTY(): boolean {
    return (this.tty ??= tty.isatty(this.fd as number));
  }

  /** The size to expect when the input is a regular file (a pipe's is unknown: null). */
  regularFileSize(): number | null {
    if (this.fd === null) return null;
    try {
      const st = fs.fstatSync(this.fd);
      return st.isFile() ? st.size : null;
    } catch {
      return null; // a closed standard input fails where it is read, with the usual message
    }
  }

  /** Up to `length` bytes into `buf` at `offset`; 0 at the end. */
  read(buf: Buffer, offset: number, length: number): number {
    if (this.fd === null) {
      const n = this.bytes.copy(buf, offset, this.at, Math.min(this.bytes.length, this.at + length));
      this.at += n;
      return n;
    }
    for (;;) {
      try {
        return fs.readSync(this.fd, buf, offset, length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') waitBriefly();
        else if (code === 'EOF') return 0;
        else throw err;
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
