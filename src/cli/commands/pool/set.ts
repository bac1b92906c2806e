/** `zpool set <property=value> <pool>` and `zpool set <vdev_property=value> <pool> <vdev>`
 *  (zpool_main.c zpool_do_set) */
import { ZfsError } from '../../../lib/errors.js';
import { setPoolProperty } from '../../../lib/pools.js';
import { setVdevProperty } from '../../../lib/pool-vdevs.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['set <property=value> <pool>', 'set <vdev_property=value> <pool> <vdev>'],
  run(ctx, args) {
    const argv = parseOptions(args, {}).operands;
    if (argv.length < 1) throw new UsageError('missing property=value argument');
    if (argv.length < 2) throw new UsageError('missing pool name');
    if (argv.length > 3) throw new UsageError('too many pool names');
    const eq = argv[0].indexOf('=');
    if (eq < 0) throw new UsageError('missing value in property=value argument');
    const [prop, value] = [argv[0].slice(0, eq), argv[0].slice(eq + 1)];
    // zpool_do_set checks the pool first, and returns EINVAL (its exit status) when it is none
    if (!ctx.home.find(argv[1])) throw new ZfsError([`cannot open '${argv[1]}': is not a pool`], 22);
    if (argv.length === 3) {
      setVdevProperty(ctx.home, argv[1], argv[2], prop, value, ctx.historyLine);
      return 0;
    }
    setPoolProperty(ctx.home, argv[1], prop, value, ctx.historyLine, (line) => ctx.err.write(line + '\n'));
    return 0;
  },
};
