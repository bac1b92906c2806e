/** `zfs send [-nvPRp] [-i SNAP | -I SNAP] SNAP`: the stream on standard output, never to a terminal. */
import { nicebytes, nicenum } from '../format/nicenum.js';
import { send, type SendSummary } from '../../lib/send.js';
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
  ],
  run(ctx, args) {
    // -c, -e, -L and -w shape how OpenZFS packs blocks (compressed, embedded, large, raw); a tszfs
    // stream always carries whole logical records and no encryption, which is what each of them
    // then amounts to, so replication tools that pass them get a correct stream.
    const p = parseOptions(args, { flags: 'nvPRpceLwD', values: 'iI', hIsOption: true });
    if (p.flags.has('D')) {
      ctx.err.write('WARNING: deduplicated send is no longer supported.  A regular,\nnon-deduplicated stream will be generated.\n\n');
    }
    if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const dryRun = p.flags.has('n');
    if (!dryRun && ctx.out.isTTY) {
      throw new ZfsError(['Error: Stream can not be written to a terminal.', 'You must redirect standard output.']);
    }
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
    const opts = { from, intermediates: range !== undefined, replicate, props: p.flags.has('p'), dryRun, estimate };
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
