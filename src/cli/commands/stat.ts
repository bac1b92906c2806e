/** `tszfs stat [-L] [-c FORMAT] DATASET[@SNAP] PATH...`: GNU stat's output, or its -c subset. */
import { groupName, userName } from '../../lib/ids.js';
import { statPaths, type StatInfo } from '../../lib/tree-read.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { modeString, quoteName, statTime, typeName } from '../format/files.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

const octal = (n: number) => n.toString(8);

/** `%N`: the name quoted, and a symlink's target after ` -> `. */
function quotedName(s: StatInfo, always: boolean): string {
  const name = quoteName(s.path, always);
  return s.dnode.type === 'symlink' ? `${name} -> ${quoteName(s.dnode.target, always)}` : name;
}

const size = (s: StatInfo) => (s.dnode.type === 'file' ? s.dnode.size : s.dnode.type === 'dir' ? s.dnode.count + 2 : s.dnode.type === 'symlink' ? Buffer.byteLength(s.dnode.target) : 0);
const ioBlock = (s: StatInfo) => (s.dnode.type === 'file' && s.dnode.blksz > 0 ? s.dnode.blksz : 512);

/** One directive of the -c subset; null: not one of them (printed as it is, as stat does with an unknown one). */
function directive(c: string, s: StatInfo): string | null {
  const dn = s.dnode;
  switch (c) {
    case 'n':
      return s.path;
    case 'N':
      return quotedName(s, true);
    case 's':
      return String(size(s));
    case 'b':
      return String(Math.ceil(s.allocated / 512));
    case 'B':
      return '512';
    case 'o':
      return String(ioBlock(s));
    case 'a':
      return octal(dn.mode);
    case 'A':
      return modeString(dn);
    case 'f':
      return (({ file: 0o100000, dir: 0o40000, symlink: 0o120000, chardev: 0o20000, blockdev: 0o60000, fifo: 0o10000, socket: 0o140000 })[dn.type] | dn.mode).toString(16);
    case 'u':
      return String(dn.uid);
    case 'U':
      return userName(dn.uid);
    case 'g':
      return String(dn.gid);
    case 'G':
      return groupName(dn.gid);
    case 'h':
      return String(dn.nlink);
    case 'i':
      return String(s.object);
    case 'F':
      return typeName(dn);
    case 't':
      return dn.type === 'chardev' || dn.type === 'blockdev' ? dn.rdev[0].toString(16) : '0';
    case 'T':
      return dn.type === 'chardev' || dn.type === 'blockdev' ? dn.rdev[1].toString(16) : '0';
    case 'x':
      return statTime(dn.atime);
    case 'y':
      return statTime(dn.mtime);
    case 'z':
      return statTime(dn.ctime);
    case 'w':
      return statTime(dn.crtime);
    case 'X':
      return String(dn.atime[0]);
    case 'Y':
      return String(dn.mtime[0]);
    case 'Z':
      return String(dn.ctime[0]);
    case 'W':
      return String(dn.crtime[0]);
    case '%':
      return '%';
    default:
      return null;
  }
}

export function formatStat(format: string, s: StatInfo): string {
  return format.replace(/%(.?)/g, (all, c: string) => directive(c, s) ?? all);
}

/** GNU stat's default output. */
function defaultStat(s: StatInfo): string {
  const dn = s.dnode;
  const device = dn.type === 'chardev' || dn.type === 'blockdev';
  const blocks = String(Math.ceil(s.allocated / 512));
  return (
    `  File: ${s.dnode.type === 'symlink' ? `${quoteName(s.path)} -> ${quoteName(dn.type === 'symlink' ? dn.target : '')}` : quoteName(s.path)}\n` +
    `  Size: ${String(size(s)).padEnd(10)}\tBlocks: ${blocks.padEnd(10)} IO Block: ${String(ioBlock(s)).padEnd(6)} ${typeName(dn)}\n` +
    `Device: 0,0\tInode: ${String(s.object).padEnd(11)} Links: ${String(dn.nlink).padEnd(device ? 5 : 0)}` +
    (device ? ` Device type: ${dn.rdev[0]},${dn.rdev[1]}\n` : '\n') +
    `Access: (${octal(dn.mode).padStart(4, '0')}/${modeString(dn)})  Uid: (${String(dn.uid).padStart(5)}/${userName(dn.uid).padStart(8)})   Gid: (${String(dn.gid).padStart(5)}/${groupName(dn.gid).padStart(8)})\n` +
    `Access: ${statTime(dn.atime)}\nModify: ${statTime(dn.mtime)}\nChange: ${statTime(dn.ctime)}\n Birth: ${statTime(dn.crtime)}\n`
  );
}

export const command: Command = {
  usage: ['stat [-L] [-c format] <filesystem|snapshot> <path>...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'L', values: 'c' });
    const [dataset, ...paths] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    const format = valueOf(p, 'c');
    const { results, failures } = statPaths(ctx.home, dataset, paths, p.flags.has('L'));
    ctx.out.write(results.map((s) => (format === undefined ? defaultStat(s) : formatStat(format, s) + '\n')).join(''));
    if (failures.length > 0) throw new ZfsError(failures);
    return 0;
  },
};
