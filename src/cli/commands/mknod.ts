/** `tszfs mknod [-m MODE] FILESYSTEM PATH TYPE [MAJOR MINOR]`: TYPE p (FIFO), c or u (character device), b (block device). */
import { ZfsError } from '../../lib/errors.js';
import { makeNode } from '../../lib/trees.js';
import type { Command } from '../context.js';
import { parseMode } from '../format/modes.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

const number = (s: string): number => {
  if (!/^(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.test(s)) throw new ZfsError([`mknod: invalid major device number '${s}'`]);
  const n = s.toLowerCase().startsWith('0x') ? parseInt(s, 16) : s.startsWith('0') && s.length > 1 ? parseInt(s, 8) : Number(s);
  if (n > 0xffffffff) throw new ZfsError([`mknod: invalid major device number '${s}'`]);
  return n;
};

export const command: Command = {
  usage: ['mknod [-m mode] <filesystem> <path> p|c|b [<major> <minor>]'],
  run(ctx, args) {
    const p = parseOptions(args, { values: 'm' });
    const [dataset, path, type, major, minor, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (path === undefined || type === undefined) throw new UsageError('missing operand');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const mode = valueOf(p, 'm');
    const bits = mode === undefined ? 0o644 : parseMode(mode, 'mknod').apply(0o666, false);
    if (type === 'p') {
      if (major !== undefined) throw new UsageError('Fifos do not have major and minor device numbers.');
      makeNode(ctx.home, dataset, path, { type: 'fifo' }, bits);
    } else if (type === 'c' || type === 'u' || type === 'b') {
      if (major === undefined || minor === undefined) throw new UsageError('Special files require major and minor device numbers.');
      makeNode(ctx.home, dataset, path, { type: type === 'b' ? 'blockdev' : 'chardev', rdev: [number(major), number(minor)] }, bits);
    } else throw new UsageError(`invalid device type '${type}'`);
    return 0;
  },
};
