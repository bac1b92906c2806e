/**
 * `zfs unmount [-fu] <-a | filesystem|mountpoint>`, also `umount` (zfs_main.c unshare_unmount
 * with OP_MOUNT). -f and -u change nothing here: no host mount is busy, no key is loaded.
 */
import { unmountOrUnshare, unmountOrUnshareAll, type MountOp } from '../../lib/datasets/mounts.js';
import type { Command, CommandContext } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['unmount [-fu] <-a | filesystem|mountpoint>'],
  run: (ctx, args) => unshareUnmount(ctx, args, 'mount'),
};

/** unshare_unmount: the argument rules of `zfs unmount` and `zfs unshare`. */
export function unshareUnmount(ctx: CommandContext, args: string[], op: MountOp): number {
  const p = op === 'mount' ? parseOptions(args, { flags: 'afu' }) : parseOptions(args, { flags: 'a', reportMissing: true });
  let operands = p.operands;
  if (p.flags.has('a')) {
    if (op === 'share' && operands.length > 0) {
      if (operands[0] !== 'nfs' && operands[0] !== 'smb') {
        ctx.err.write('share type must be one of: nfs, smb\n');
        throw new UsageError(null);
      }
      operands = operands.slice(1);
    }
    if (operands.length !== 0) throw new UsageError('too many arguments');
    unmountOrUnshareAll(ctx.home, op);
    return 0;
  }
  if (operands.length !== 1) throw new UsageError(operands.length === 0 ? 'missing filesystem argument' : 'too many arguments');
  unmountOrUnshare(ctx.home, op, operands[0]);
  return 0;
}
