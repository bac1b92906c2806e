/** `zfs inherit [-rS] <property> <filesystem|volume|snapshot> ...` (zfs_main.c zfs_do_inherit) */
import { checkInheritable, inheritProperty } from '../../lib/datasets/inherit.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['inherit [-rS] <property> <filesystem|volume|snapshot> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'rS' });
    if (p.operands.length < 1) throw new UsageError('missing property argument');
    if (p.operands.length < 2) throw new UsageError('missing dataset argument');
    const [propname, ...datasets] = p.operands;
    const check = checkInheritable(propname, p.flags.has('S'));
    if (check.kind === 'usage') throw new UsageError(check.reason);
    if (check.kind === 'fail') throw new ZfsError(check.lines);
    // -S reverts to the received value (send -R/-p): it clears only the local value.
    return inheritProperty(ctx.home, propname, check.def, datasets, p.flags.has('r'), p.flags.has('S'), ctx.historyLine, (line) => ctx.err.write(line + '\n'));
  },
};
