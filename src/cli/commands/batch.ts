/**
 * `tszfs batch [-k] [-f file|-]`: many command lines (one per line, the same grammar, `zfs ...`
 * and `zpool ...` lines allowed) run in one process. Each line goes through the very path a
 * process takes (main.ts runLoaded: routing, its own atomic command, messages, exit status), so
 * it means exactly what it would as `tszfs LINE`; what a batch saves is the start-up (Node, the
 * modules, their compilation), paid once instead of per line.
 *
 * Each command opens and closes its pool as a process would: another process may change the pool
 * between two lines, and nothing read by one line is trusted by the next. (Keeping the pool open
 * would save about a tenth of a `snapshot`, whose time is mostly its durable commit.)
 *
 * The whole script is read and split into words first: a line that cannot be read (an
 * unterminated quote) is a usage error and nothing runs. Then the lines run in order; the first
 * that fails ends the batch with its exit status, unless -k, which runs every line and exits 1
 * if any failed. Lines read standard input only when the script comes from a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { invocationEnv } from '../../lib/env.js';
import { strerror, ZfsError } from '../../lib/errors.js';
import type { Command, CommandContext, Input, Sink } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { splitWords } from '../words.js';

type RunLoaded = (typeof import('../main.js'))['runLoaded'];
let runLoaded: RunLoaded | null = null;
/** a batch line that is itself `batch` is refused: one script at a time */
let running = false;

export const command: Command = {
  usage: ['batch [-k] [-f file|-]'],
  async prepare() {
    // Every command a line may name, loaded once: main.ts leaves this one out while it prepares.
    const main = await import('../main.js');
    await main.preloadCommands();
    runLoaded = main.runLoaded;
  },
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'k', values: 'f', reportMissing: true });
    if (p.operands.length > 0) throw new UsageError('too many arguments');
    if (running) throw ZfsError.action('cannot run batch', 'a batch cannot run another batch');
    const file = valueOf(p, 'f') ?? '-';
    const lines = commandLines(file === '-' ? readAll(ctx.in) : readScript(file));
    const stdin = file === '-' ? Buffer.alloc(0) : (ctx.in.fd ?? Buffer.alloc(0));
    running = true;
    try {
      let failed = false;
      for (const words of lines) {
        const status = runLine(ctx, words, stdin);
        if (status === 0) continue;
        if (!p.flags.has('k')) return status;
        failed = true;
      }
      return failed ? 1 : 0;
    } finally {
      running = false;
    }
  },
};

/** One line as `tszfs WORDS` would run it, with the batch's home, environment and output. */
function runLine(ctx: CommandContext, words: string[], stdin: number | Buffer): number {
  if (runLoaded === null) throw new Error('batch: not prepared');
  const args = words[0] === 'tszfs' ? words.slice(1) : words;
  return runLoaded([process.execPath, tszfsProgram(ctx.program), ...args], {
    stdin,
    stdout: ctx.out.fd ?? sinkOf(ctx.out),
    stderr: ctx.err.fd ?? sinkOf(ctx.err),
    env: { ...invocationEnv(), TSZFS_HOME: ctx.home.dir },
  });
}

/** The program under the name `tszfs`: a `zfs`/`zpool` line is routed by its first word, not
 *  by the name the batch was run by. */
function tszfsProgram(program: string | undefined): string {
  const name = path.basename(program ?? '');
  return name === 'zfs' || name === 'zpool' ? path.join(path.dirname(program!), 'tszfs') : (program ?? 'tszfs');
}

const sinkOf = (out: CommandContext['out']): Sink => ({ write: (b: Buffer) => out.write(b), isTTY: out.isTTY });

/** The script's command lines as words: blank and comment lines dropped, every line checked. */
function commandLines(script: string): string[][] {
  const lines: string[][] = [];
  script.split('\n').forEach((line, i) => {
    const split = splitWords(line);
    if ('error' in split) throw new UsageError(`line ${i + 1}: ${split.error}`);
    if (split.words.length > 0) lines.push(split.words);
  });
  return lines;
}

function readScript(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw ZfsError.action(`cannot open '${file}'`, strerror(err).toLowerCase());
  }
}

function readAll(input: Input): string {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.alloc(1 << 16);
    const n = input.read(buf, 0, buf.length);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
  }
  return Buffer.concat(chunks).toString('utf8');
}
