/** `zpool wait [-Hp] [-T d|u] [-t activity[,...]] POOL [interval]` (zpool_do_wait): scrubs and
 *  resilvers here finish inside their own command, so there is never anything to wait for. */
import { WAIT_ACTIVITIES, waitPool } from '../../../lib/pool-resilver.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';

const isNumber = (s: string) => /^[0-9.]+$/.test(s);

export const command: Command = {
  usage: ['wait [-Hp] [-T d|u] [-t <activity>[,...]] <pool> [interval]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'Hp', values: 'Tt' });
    const stamp = valueOf(p, 'T');
    if (stamp !== undefined && stamp !== 'd' && stamp !== 'u') throw new UsageError(null);
    const activities = valueOf(p, 't');
    if (activities !== undefined) {
      for (const tok of activities.split(',')) if (!WAIT_ACTIVITIES.includes(tok)) throw new UsageError(`invalid activity '${tok}'`);
    }
    const operands = [...p.operands];
    // get_interval_count: a number last is the interval, a number before it a count.
    if (operands.length > 0 && isNumber(operands[operands.length - 1])) {
      operands.pop();
      if (operands.length > 0 && isNumber(operands[operands.length - 1])) throw new UsageError('too many arguments');
    }
    if (operands.length < 1) throw new UsageError("missing 'pool' argument");
    if (operands.length > 1) throw new UsageError('too many arguments');
    waitPool(ctx.home, operands[0]);
    return 0;
  },
};
