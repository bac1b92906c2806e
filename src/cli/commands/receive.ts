/** `zfs receive [-Fhnsuv] [-o PROP=VALUE]... [-x PROP]... [-d | -e] TARGET` (alias recv): a stream
 *  from standard input; `zfs receive -A FS` drops what a receive -s kept. */
import { ZfsError } from '../../lib/errors.js';
import { abortReceive, receive, type ReceiveEvent } from '../../lib/receive.js';
import { nicebytes } from '../format/nicenum.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: [
    'receive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...',
    '    <filesystem|volume|snapshot>',
    'receive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...',
    '    [-d | -e] <filesystem>',
    'receive -A <filesystem|volume>',
  ],
  run(ctx, args) {
    // -u (do not mount): a file system received anew is left unmounted. -s (resumable): a stream
    // cut short keeps what came and sets receive_resume_token (lib/resumable.ts). -h: holds a
    // stream carries (send -h) are not placed.
    const p = parseOptions(args, { flags: 'vnFudeshA', values: 'ox', repeated: 'ox', reportMissing: true, hIsOption: true });
    if (p.flags.has('d') && p.flags.has('e')) throw new UsageError('invalid option combination: -d and -e are mutually exclusive');
    // parseprop and parsepropname, in command-line order: one mention per property.
    const set: Array<[string, string]> = [];
    const exclude: string[] = [];
    const seen = new Set<string>();
    for (const [option, value] of p.sequence) {
      if (option !== 'o' && option !== 'x') continue;
      const eq = value.indexOf('=');
      if (option === 'o' && eq < 0) throw new UsageError("missing '=' for property=value argument");
      if (option === 'x' && eq >= 0) throw new UsageError("invalid character '=' in property argument");
      const name = option === 'o' ? value.slice(0, eq) : value;
      if (seen.has(name)) throw new UsageError(`property '${name}' specified multiple times`);
      seen.add(name);
      if (option === 'o') set.push([name, value.slice(eq + 1)]);
      else exclude.push(name);
    }
    if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    if (p.flags.has('A')) {
      if (['d', 'e', 'n', 's', 'u'].some((f) => p.flags.has(f))) throw new UsageError('invalid option');
      abortReceive(ctx.home, p.operands[0], ctx.historyLine);
      return 0;
    }
    if (ctx.in.isTTY) throw new ZfsError(['Error: Backup stream can not be read from a terminal.', 'You must redirect standard input.']);
    const source = {
      // A stream from a regular file is read inside the transaction as it is; a pipe's is staged.
      settled: ctx.in.regularFileSize() !== null,
      read(buf: Buffer, offset: number, length: number): number {
        try {
          return ctx.in.read(buf, offset, length);
        } catch (err) {
          // recv_read(): a read that fails is EZFS_BADSTREAM, as a short one is.
          if ((err as NodeJS.ErrnoException).code !== undefined) throw ZfsError.action('cannot receive', 'failed to read from stream');
          throw err;
        }
      },
    };
    const naming = p.flags.has('d') ? 'd' : p.flags.has('e') ? 'e' : 'target';
    const dryRun = p.flags.has('n');
    const verbose = p.flags.has('v');
    const report = (e: ReceiveEvent) => {
      if (!verbose) return;
      ctx.out.write(verboseLine(e, dryRun) + '\n');
    };
    const warn = (line: string) => ctx.err.write(line + '\n');
    const opts = {
      force: p.flags.has('F'),
      dryRun,
      naming,
      noMount: p.flags.has('u'),
      set,
      exclude,
      warn,
      resumable: p.flags.has('s'),
      skipHolds: p.flags.has('h'),
    } as const;
    receive(ctx.home, p.operands[0], opts, source, ctx.historyLine, report);
    return 0;
  },
};

/** zfs_receive_one's -v lines. */
function verboseLine(e: ReceiveEvent, dryRun: boolean): string {
  switch (e.kind) {
    case 'receiving':
      return `${dryRun ? 'would receive' : 'receiving'} ${e.stream} stream of ${e.sent} into ${e.into}`;
    case 'received': {
      const rate = nicebytes(Math.floor(e.bytes / Math.max(e.seconds, 1e-6)));
      return `received ${nicebytes(e.bytes)} stream in ${e.seconds.toFixed(2)} seconds (${rate}/sec)`;
    }
    case 'exists':
      return `snap ${e.into} already exists; ignoring`;
  }
}
