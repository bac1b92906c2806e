/** `tszfs ls [-l] [-R] DATASET[@SNAP] [PATH]`: names, or with -l type and mode, size, mtime. */
import { dnodeSize, listDirectory, type DirectoryListing } from '../../lib/files.js';
import type { Dnode } from '../../engine/files/objset.js';
import type { Command } from '../context.js';
import { localParts } from '../format/dates.js';
import { parseOptions, UsageError } from '../parse.js';


function mtime(seconds: number): string {
  const d = localParts(seconds);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.year}-${two(d.month)}-${two(d.day)} ${two(d.hour)}:${two(d.min)}`;
}

const mode = (dn: Dnode) => (dn.type === 'dir' ? 'drwxr-xr-x' : '-rw-r--r--');
// A directory's size is its entries plus . and .., as ZFS reports it.
const size = (dn: Dnode) => dnodeSize(dn);

function render(listing: DirectoryListing, long: boolean): string {
  if (!long) return listing.entries.map((e) => e.name + '\n').join('');
  const width = Math.max(0, ...listing.entries.map((e) => String(size(e.dnode)).length));
  return listing.entries
    .map((e) => `${mode(e.dnode)} ${String(size(e.dnode)).padStart(width)} ${mtime(e.dnode.mtime[0])} ${e.name}\n`)
    .join('');
}

export const command: Command = {
  usage: ['ls [-lR] <filesystem|snapshot> [<path>]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'lR' });
    const [dataset, path = '/', ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const recursive = p.flags.has('R');
    const listings = listDirectory(ctx.home, dataset, path, recursive);
    ctx.out.write(
      listings
        .map((l) => (recursive ? `${l.path}:\n` : '') + render(l, p.flags.has('l')))
        .join(recursive ? '\n' : ''),
    );
    return 0;
  },
};
