/** `zpool remove [-npsw] <pool> <device> ...` (zpool_do_remove): lib/pool-remove.ts. */
import { ZfsError } from '../../../lib/errors.js';
import { removalSize, removeDevice } from '../../../lib/pool-remove.js';
import { withPool } from '../../../lib/session.js';
import type { Command } from '../../context.js';
import { nicenum } from '../../format/nicenum.js';
import { parseOptions, UsageError } from '../../parse.js';

export const command: Command = {
  usage: ['remove [-npsw] <pool> <device> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'npsw' });
    if (p.operands.length < 1) throw new UsageError('missing pool name argument');
    const [pool, ...devices] = p.operands;
    withPool(ctx.home, pool, () => undefined);
    if (p.flags.has('s') && p.flags.has('n')) {
      ctx.err.write('stop request ignored\n');
      return 0;
    }
    if (p.flags.has('s')) {
      if (devices.length > 0) throw new UsageError('too many arguments');
      if (p.flags.has('w')) throw new UsageError('invalid option combination: -w cannot be used with -s');
      // zpool_vdev_remove_cancel: no removal is ever in progress here
      throw ZfsError.action('cannot cancel removal', 'operation is not in progress');
    }
    if (devices.length < 1) throw new UsageError('missing device');
    let failed = false;
    // zpool logs the command once, when every device is gone
    for (const [i, device] of devices.entries()) {
      try {
        if (p.flags.has('n')) {
          const size = removalSize(ctx.home, pool, device);
          ctx.out.write(p.flags.has('p') ? `${device} ${size}\n` : `Memory that will be used after removing ${device}: ${nicenum(size)}\n`);
        } else removeDevice(ctx.home, pool, device, i === devices.length - 1 ? ctx.historyLine : null);
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        ctx.err.write(err.lines.join('\n') + '\n');
        failed = true;
        break;
      }
    }
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};
