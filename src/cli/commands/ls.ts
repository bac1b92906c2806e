/** `tszfs ls [-l] [-R] [-d] DATASET[@SNAP] [PATH]`: names, or with -l as GNU `ls -l` prints them. */
import { listDirectory, type DirectoryListing } from '../../lib/files.js';
import { groupName, userName } from '../../lib/ids.js';
import { nowSeconds } from '../../lib/trees.js';
import type { Dnode } from '../../engine/model.js';
import type { Command } from '../context.js';
import { lsTime, modeString } from '../format/files.js';
import { parseOptions, UsageError } from '../parse.js';

/** st_size as ls shows it; a device shows `major, minor` instead. */
function sizeColumn(dn: Dnode): string {
  switch (dn.type) {
    case 'file':
      return String(dn.size);
    case 'dir':
      return String(dn.count + 2);
    case 'symlink':
      return String(Buffer.byteLength(dn.target));
    case 'chardev':
    case 'blockdev':
      return `${dn.rdev[0]}, ${dn.rdev[1]}`;
    default:
      return '0';
  }
}

/** ls -l's lines: columns as wide as their widest cell, as GNU ls aligns them. */
function long(listing: DirectoryListing, now: number, total: boolean): string {
  const rows = listing.entries.map((e) => {
    const acl = e.dnode.xattrs?.some(([n]) => n.toString() === 'system.posix_acl_access') ? '+' : '';
    return {
      mode: modeString(e.dnode) + acl,
      links: String(e.dnode.nlink),
      owner: userName(e.dnode.uid),
      group: groupName(e.dnode.gid),
      size: sizeColumn(e.dnode),
      time: lsTime(e.dnode.mtime, now),
      name: e.name + (e.dnode.type === 'symlink' ? ` -> ${e.dnode.target}` : ''),
    };
  });
  const width = (k: 'mode' | 'links' | 'owner' | 'group' | 'size') => Math.max(0, ...rows.map((r) => r[k].length));
  const [m, l, o, g, s] = [width('mode'), width('links'), width('owner'), width('group'), width('size')];
  const blocks = Math.ceil(listing.entries.reduce((n, e) => n + Math.ceil(e.allocated / 512), 0) / 2);
  return (
    (total ? `total ${blocks}\n` : '') +
    rows.map((r) => `${r.mode.padEnd(m)} ${r.links.padStart(l)} ${r.owner.padEnd(o)} ${r.group.padEnd(g)} ${r.size.padStart(s)} ${r.time} ${r.name}\n`).join('')
  );
}

export const command: Command = {
  usage: ['ls [-lR] <filesystem|snapshot> [<path>]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'lR' });
    const [dataset, path = '/', ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const recursive = p.flags.has('R');
    const isLong = p.flags.has('l');
    const listings = listDirectory(ctx.home, dataset, path, recursive, !isLong);
    const now = nowSeconds();
    // A single non-directory operand: its line alone, without a total.
    const single = listings[0]?.single === true;
    ctx.out.write(
      listings
        .map((l) => (recursive ? `${l.path}:\n` : '') + (isLong ? long(l, now, !single) : l.entries.map((e) => e.name + '\n').join('')))
        .join(recursive ? '\n' : ''),
    );
    return 0;
  },
};
