/** `zfs send [-DLPbcehnpvw] [-R] [-i SNAP | -I SNAP] SNAP` and `zfs send [-LPcenvw] -t TOKEN`: the
 *  stream on standard output, never to a terminal. */
import { nicebytes, nicenum } from '../format/nicenum.js';
import { parseResumeToken, printResumeState, send, sendResume, type ResumeState, type SendSummary, type StreamFeature } from '../../lib/send.js';
import { dieOfBrokenPipe, type Command } from '../context.js';
import { strerror, ZfsError } from '../../lib/errors.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

/** The -v/-P lines: -R and -I take the range path, which names the from-snapshot by its short name. */
function verbose(streams: SendSummary[], parsable: boolean, range: boolean): string {
  const total = streams.reduce((sum, s) => sum + s.bytes, 0);
  const short = (name: string | null) => (range && name ? name.slice(name.indexOf('@') + (parsable ? 1 : 0)) : name);
  const lines = streams.map((s) => {
    if (parsable) return s.kind === 'full' ? `full\t${s.to}\t${s.bytes}` : `incremental\t${short(s.from)}\t${s.to}\t${s.bytes}`;
    const what = s.kind === 'full' ? `full send of ${s.to}` : `send from ${short(s.from)} to ${s.to}`;
    return `${what} estimated size is ${nicebytes(s.bytes)}`;
  });
  lines.push(parsable ? `size\t${total}` : `total estimated size is ${range ? nicebytes(total) : nicenum(total)}`);
  return lines.join('\n') + '\n';
}

export const command: Command = {
  usage: [
    'send [-DLPbcehnpsVvw] [-i|-I snapshot]',
    '     [-R [-X dataset[,dataset]...]]     <snapshot>',
    'send [-DnVvPLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>',
    'send [-nVvPe] -t <receive_resume_token>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'nvPRpceLwDbh', values: 'iIt', hIsOption: true });
    if (p.flags.has('D')) {
      ctx.err.write('WARNING: deduplicated send is no longer supported.  A regular,\nnon-deduplicated stream will be generated.\n\n');
    }
    // How records are sent (lzc_flags_from_sendflags): -w implies -c, -e and -L, as in zfs_do_send.
    const raw = p.flags.has('w');
    const features: StreamFeature[] = [];
    if (raw || p.flags.has('L')) features.push('largeblocks');
    if (raw || p.flags.has('c')) features.push('compressed');
    if (raw || p.flags.has('e')) features.push('embedded');
    if (raw) features.push('raw');
    const token = valueOf(p, 't');
    if (token !== undefined) {
      if (valueOf(p, 'i') !== undefined || valueOf(p, 'I') !== undefined || ['R', 'p', 'b', 'h'].some((f) => p.flags.has(f))) {
        throw new UsageError('invalid flags combined with -t');
      }
      if (p.operands.length > 0) throw new UsageError('too many arguments');
    } else {
      if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
      if (p.operands.length > 1) throw new UsageError('too many arguments');
    }
    const dryRun = p.flags.has('n');
    if (!dryRun && ctx.out.isTTY) {
      throw new ZfsError(['Error: Stream can not be written to a terminal.', 'You must redirect standard output.']);
    }
    if (token !== undefined) return resume(ctx, token, features, dryRun, p.flags.has('v') || p.flags.has('P'), p.flags.has('P'));
    const range = valueOf(p, 'I');
    if (range !== undefined && valueOf(p, 'i') !== undefined) throw new UsageError(null);
    const fromArg = range ?? valueOf(p, 'i');
    const replicate = p.flags.has('R');
    const snapshot = p.operands[0];
    let from = fromArg;
    // -R and -I take zfs_send's path, which wants a snapshot and a source in the same filesystem.
    if (replicate || range !== undefined) {
      if (from?.includes('#')) throw new ZfsError(['Error: multiple snapshots cannot be sent from a bookmark.']);
      const at = snapshot.indexOf('@');
      if (at < 0) throw new ZfsError(['Error: Unsupported flag with filesystem or bookmark.']);
      const fromAt = from?.indexOf('@') ?? -1;
      if (replicate && from !== undefined && fromAt > 0 && from.slice(0, fromAt) !== snapshot.slice(0, at)) {
        throw new UsageError('incremental source must be in same filesystem');
      }
    } else if (from !== undefined) {
      // zfs_do_send's simple path names the source in full: a bare name is taken for a snapshot,
      // and `@snap` or `#book` is of the filesystem sent.
      if (!from.includes('@') && !from.includes('#')) {
        ctx.err.write("Warning: incremental source didn't specify type, assuming snapshot. Use '@' or '#' prefix to avoid ambiguity.\n");
        from = '@' + from;
      }
      if (from.startsWith('@') || from.startsWith('#')) from = snapshot.split('@', 1)[0] + from;
    }
    const estimate = p.flags.has('P') || p.flags.has('v');
    const opts = {
      from,
      intermediates: range !== undefined,
      replicate,
      props: p.flags.has('p'),
      holds: p.flags.has('h'),
      backup: p.flags.has('b'),
      features,
      dryRun,
      estimate,
    };
    // zfs send on Linux writes the stream from the ioctl, in the process: a reader that went away
    // kills it with SIGPIPE, silently (pipe_write); another failure of the output ends the send
    // with `warning: cannot send 'SNAP': <strerror>` and status 1 (zfs_send_one, EZFS_BADBACKUP).
    ctx.out.onBrokenPipe = dieOfBrokenPipe;
    const write = (chunk: Buffer) => {
      try {
        ctx.out.write(chunk);
      } catch (err) {
        if (!(err as NodeJS.ErrnoException).code) throw err;
        throw ZfsError.action(`warning: cannot send '${snapshot}'`, strerror(err));
      }
    };
    const streams = send(ctx.home, snapshot, opts, write);
    if (estimate) {
      // Verbose lines go to standard output with -n, else to standard error (the stream owns stdout).
      (dryRun ? ctx.out : ctx.err).write(verbose(streams, p.flags.has('P'), replicate || range !== undefined));
    }
    return 0;
  },
};

/**
 * `send -t TOKEN` (zfs_send_resume): with -v the token's contents first (nvlist_print), then the
 * estimate of what is left, as estimate_size prints it; the stream resumes after the records the
 * partial receive kept, with the options the token names besides those given.
 */
function resume(ctx: Parameters<Command['run']>[0], token: string, features: StreamFeature[], dryRun: boolean, verbose: boolean, parsable: boolean): number {
  const state: ResumeState = parseResumeToken(token);
  const fout = verbose && dryRun ? ctx.out : ctx.err;
  if (verbose) fout.write('resume token contents:\n' + printResumeState(state));
  ctx.out.onBrokenPipe = dieOfBrokenPipe;
  const streams = sendResume(ctx.home, state, { features, dryRun, estimate: verbose }, (chunk) => {
    try {
      ctx.out.write(chunk);
    } catch (err) {
      if (!(err as NodeJS.ErrnoException).code) throw err;
      throw ZfsError.action(`warning: cannot send '${state.toname}'`, strerror(err));
    }
  });
  if (verbose) fout.write(verbose_(streams, parsable));
  return 0;
}

/** estimate_size's lines for the one stream a resume sends (the simple path's). */
const verbose_ = (streams: SendSummary[], parsable: boolean) => verbose(streams, parsable, false);
