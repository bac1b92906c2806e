/** `zpool set <property=value> <pool>` (zpool_main.c zpool_do_set) */
import { setPoolProperty } from '../../../lib/pools.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['set <property=value> <pool>', 'set <vdev_property=value> <pool> <vdev>'],
  run(ctx, args) {
    const argv = parseOptions(args, {}).operands;
    if (argv.length < 1) throw new UsageError('missing property=value argument');
    if (argv.length < 2) throw new UsageError('missing pool name');
    if (argv.length > 2) throw new UsageError('too many pool names');
    const eq = argv[0].indexOf('=');
    if (eq < 0) throw new UsageError('missing value in property=value argument');
    setPoolProperty(ctx.home, argv[1], argv[0].slice(0, eq), argv[0].slice(eq + 1), ctx.historyLine, (line) => ctx.err.write(line + '\n'));
    return 0;
  },
};
