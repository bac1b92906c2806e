/** `zfs change-key [-l] [-o keyformat=..] [-o keylocation=..] [-o pbkdf2iters=..] <filesystem|volume>` and `zfs change-key -i [-l] <filesystem|volume>` */
import { changeKey } from '../../lib/crypto/keys.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { errorLines, keyIoOf, propertyArgs } from './shared.js';

export const command: Command = {
  usage: [
    'change-key [-l] [-o keyformat=<value>]\n\t    [-o keylocation=<value>] [-o pbkdf2iters=<value>]\n\t    <filesystem|volume>',
    'change-key -i [-l] <filesystem|volume>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'li', values: 'o', repeated: 'o' });
    const props = propertyArgs(p.values.get('o'));
    if (p.operands.length < 1) throw new UsageError('Missing dataset argument');
    if (p.operands.length > 1) throw new UsageError('Too many arguments');
    const report = errorLines(ctx);
    try {
      changeKey(ctx.home, p.operands[0], { props, inherit: p.flags.has('i'), load: p.flags.has('l'), io: keyIoOf(ctx), onError: report }, ctx.historyLine);
    } catch (err) {
      if (!(err instanceof ZfsError)) throw err;
      // zfs_open failing is followed by the usage (exit 2), as zfs_do_change_key has it.
      if (err.lines[0].startsWith('cannot open')) {
        report(err.lines);
        throw new UsageError(null);
      }
      report(err.lines);
      return 255;
    }
    return 0;
  },
};
