/** `zfs unshare <-a [nfs|smb] | filesystem|mountpoint>` (zfs_main.c unshare_unmount with
 *  OP_SHARE). */
import type { Command } from '../context.js';
import { unshareUnmount } from './unmount.js';

export const command: Command = {
  usage: ['unshare <-a [nfs|smb] | filesystem|mountpoint>'],
  run: (ctx, args) => unshareUnmount(ctx, args, 'share'),
};
