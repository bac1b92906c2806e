/** `zfs send [-nvP] [-i SNAP] SNAP`: the stream on standard output, never to a terminal. */
import { nicebytes, nicenum } from '../format/nicenum.js';
import { send, type SendSummary } from '../../lib/send.js';
import { ZfsError } from '../../lib/errors.js';
import * as tty from 'node:tty';
import type { Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

/** The -v/-P lines: -I takes the range path, which names the from-snapshot by its short name. */
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
    const p = parseOptions(args, { flags: 'nvP', values: 'iI' });
    if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const dryRun = p.flags.has('n');
    if (!dryRun && tty.isatty(1)) {
      throw new ZfsError(['Error: Stream can not be written to a terminal.', 'You must redirect standard output.']);
    }
    const range = valueOf(p, 'I');
    if (range !== undefined && valueOf(p, 'i') !== undefined) throw new UsageError(null);
    const from = range ?? valueOf(p, 'i');
    const streams = send(ctx.home, p.operands[0], { from, intermediates: range !== undefined, dryRun }, (chunk) => ctx.out.write(chunk));
    if (p.flags.has('P') || p.flags.has('v')) {
      // Verbose lines go to standard output with -n, else to standard error (the stream owns stdout).
      (dryRun ? ctx.out : ctx.err).write(verbose(streams, p.flags.has('P'), range !== undefined));
    }
    return 0;
  },
};
