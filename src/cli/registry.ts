/**
 * The subcommand tables (zfs_main.c's command_table): each entry loads its module only when run,
 * so start-up stays small. Groups follow the blank-line groups of the global usage text.
 */
import type { Command } from './context.js';

type Loader = () => Promise<{ command: Command }>;

export const ZFS_GROUPS: Array<Array<[string, Loader]>> = [
  [
    ['version', () => import('./commands/version.js')],
  ],
  [
    ['create', () => import('./commands/create.js')],
    ['destroy', () => import('./commands/destroy.js')],
  ],
  [
    ['snapshot', () => import('./commands/snapshot.js')],
    ['rollback', () => import('./commands/rollback.js')],
    ['clone', () => import('./commands/clone.js')],
    ['promote', () => import('./commands/promote.js')],
    ['rename', () => import('./commands/rename.js')],
    ['bookmark', () => import('./commands/bookmark.js')],
    ['diff', () => import('./commands/diff.js')],
  ],
  [
    ['list', () => import('./commands/list.js')],
    ['tree', () => import('./commands/tree.js')],
  ],
  [
    ['set', () => import('./commands/set.js')],
    ['get', () => import('./commands/get.js')],
    ['inherit', () => import('./commands/inherit.js')],
    ['upgrade', () => import('./commands/upgrade.js')],
    ['userspace', () => import('./commands/userspace.js')],
    ['groupspace', () => import('./commands/groupspace.js')],
  ],
  [
    ['hold', () => import('./commands/hold.js')],
    ['holds', () => import('./commands/holds.js')],
    ['release', () => import('./commands/release.js')],
  ],
  [
    ['load-key', () => import('./commands/load-key.js')],
    ['unload-key', () => import('./commands/unload-key.js')],
    ['change-key', () => import('./commands/change-key.js')],
  ],
  [
    ['mount', () => import('./commands/mount.js')],
    ['unmount', () => import('./commands/unmount.js')],
    ['share', () => import('./commands/share.js')],
    ['unshare', () => import('./commands/unshare.js')],
  ],
  [
    ['send', () => import('./commands/send.js')],
    ['receive', () => import('./commands/receive.js')],
  ],
  [
    ['write', () => import('./commands/write.js')],
    ['cat', () => import('./commands/cat.js')],
    ['ls', () => import('./commands/ls.js')],
    ['blocks', () => import('./commands/blocks.js')],
    ['mkdir', () => import('./commands/mkdir.js')],
    ['rm', () => import('./commands/rm.js')],
    ['ln', () => import('./commands/ln.js')],
    ['mv', () => import('./commands/mv.js')],
    ['chmod', () => import('./commands/chmod.js')],
    ['chown', () => import('./commands/chown.js')],
    ['touch', () => import('./commands/touch.js')],
    ['stat', () => import('./commands/stat.js')],
    ['readlink', () => import('./commands/readlink.js')],
    ['mknod', () => import('./commands/mknod.js')],
    ['xattr', () => import('./commands/xattr.js')],
    ['find', () => import('./commands/find.js')],
    ['du', () => import('./commands/du.js')],
    ['tar', () => import('./commands/tar.js')],
    ['image', () => import('./commands/image.js')],
    ['container', () => import('./commands/container.js')],
    ['system', () => import('./commands/system.js')],
    ['shims', () => import('./commands/shims.js')],
    ['inject', () => import('./commands/inject.js')],
    ['completion', () => import('./commands/completion.js')],
    ['batch', () => import('./commands/batch.js')],
  ],
];

export const ZPOOL_GROUPS: Array<Array<[string, Loader]>> = [
  [
    ['create', () => import('./commands/pool/create.js')],
    ['destroy', () => import('./commands/pool/destroy.js')],
  ],
  [
    ['add', () => import('./commands/pool/add.js')],
    ['remove', () => import('./commands/pool/remove.js')],
  ],
  [
    ['labelclear', () => import('./commands/pool/labelclear.js')],
  ],
  [
    ['list', () => import('./commands/pool/list.js')],
    ['iostat', () => import('./commands/pool/iostat.js')],
    ['status', () => import('./commands/pool/status.js')],
  ],
  [
    ['clear', () => import('./commands/pool/clear.js')],
    ['sync', () => import('./commands/pool/sync.js')],
  ],
  [
    ['attach', () => import('./commands/pool/attach.js')],
    ['detach', () => import('./commands/pool/detach.js')],
  ],
  [
    ['online', () => import('./commands/pool/online.js')],
    ['offline', () => import('./commands/pool/offline.js')],
  ],
  [
    ['replace', () => import('./commands/pool/replace.js')],
    ['split', () => import('./commands/pool/split.js')],
  ],
  [
    ['resilver', () => import('./commands/pool/resilver.js')],
    ['scrub', () => import('./commands/pool/scrub.js')],
  ],
  [
    ['import', () => import('./commands/pool/import.js')],
    ['export', () => import('./commands/pool/export.js')],
    ['upgrade', () => import('./commands/pool/upgrade.js')],
  ],
  [
    ['history', () => import('./commands/pool/history.js')],
  ],
  [
    ['get', () => import('./commands/pool/get.js')],
    ['set', () => import('./commands/pool/set.js')],
  ],
  [
    ['wait', () => import('./commands/pool/wait.js')],
  ],
];

export const ZFS_ALIASES: Record<string, string> = { snap: 'snapshot', recv: 'receive', umount: 'unmount' };

export function findLoader(groups: Array<Array<[string, Loader]>>, name: string): Loader | undefined {
  for (const group of groups) for (const [n, load] of group) if (n === name) return load;
  return undefined;
}
