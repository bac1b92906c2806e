/** `zfs send [-nvP] [-i SNAP] SNAP`: the stream on standard output, never to a terminal. */
import { nicebytes, nicenum } from '../format/nicenum.js';
import { send } from '../../lib/send.js';
import { ZfsError } from '../../lib/errors.js';
import * as tty from 'node:tty';
import type { Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

export const command: Command = {
  usage: [
    'send [-DLPbcehnpsVvw] [-i|-I snapshot]',
    '     [-R [-X dataset[,dataset]...]]     <snapshot>',
    'send [-DnVvPLecw] [-i snapshot|bookmark] <filesystem|volume|snapshot>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'nvP', values: 'i' });
    if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const dryRun = p.flags.has('n');
    if (!dryRun && tty.isatty(1)) {
      throw new ZfsError(['Error: Stream can not be written to a terminal.', 'You must redirect standard output.']);
    }
    const summary = send(ctx.home, p.operands[0], { from: valueOf(p, 'i'), dryRun }, (chunk) => ctx.out.write(chunk));
    const parsable = p.flags.has('P');
    if (parsable || p.flags.has('v')) {
      // Verbose lines go to standard output with -n, else to standard error (the stream owns stdout).
      const info = dryRun ? ctx.out : ctx.err;
      if (parsable) {
        info.write(
          (summary.kind === 'full'
            ? `full\t${summary.to}\t${summary.bytes}\n`
            : `incremental\t${summary.from}\t${summary.to}\t${summary.bytes}\n`) + `size\t${summary.bytes}\n`,
        );
      } else {
        const what = summary.kind === 'full' ? `full send of ${summary.to}` : `send from ${summary.from} to ${summary.to}`;
        info.write(`${what} estimated size is ${nicebytes(summary.bytes)}\ntotal estimated size is ${nicenum(summary.bytes)}\n`);
      }
    }
    return 0;
  },
};
