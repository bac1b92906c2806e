/** `zfs share [-l] <-a [nfs|smb] | filesystem>` (zfs_main.c share_mount with OP_SHARE): the
 *  shared state is kept in the pool; nothing is exported from the host. */
import type { Command } from '../context.js';
import { shareMount } from './mount.js';

export const command: Command = {
  usage: ['share [-l] <-a [nfs|smb] | filesystem>'],
  run: (ctx, args) => shareMount(ctx, args, 'share'),
};
