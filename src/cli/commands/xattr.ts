/**
 * `tszfs xattr list|get|set|remove`: extended attributes, names and values of any bytes.
 *   xattr list [-h] DATASET[@SNAP] PATH          names, one a line
 *   xattr get [-h] DATASET[@SNAP] PATH NAME      the value's bytes, as they are
 *   xattr set [-h] FILESYSTEM PATH NAME [VALUE]  VALUE, or standard input without it
 *   xattr remove [-h] FILESYSTEM PATH NAME
 * -h: a symlink itself, not what it points at (as getfattr/setfattr -h).
 */
import { ZfsError } from '../../lib/errors.js';
import { lookupPath } from '../../lib/tree-read.js';
import { fileName, setAttributes } from '../../lib/trees.js';
import type { Command, Input } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

const USAGE = [
  'xattr list [-h] <filesystem|snapshot> <path>',
  'xattr get [-h] <filesystem|snapshot> <path> <name>',
  'xattr set [-h] <filesystem> <path> <name> [<value>]',
  'xattr remove [-h] <filesystem> <path> <name>',
];

/** All of standard input (an xattr value is at most 64 KiB: more is refused when set). */
function readAll(input: Input): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.alloc(65536);
    const n = input.read(buf, 0, buf.length);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(buf.subarray(0, n));
  }
}

export const command: Command = {
  usage: USAGE,
  run(ctx, args) {
    const [verb, ...rest] = args;
    if (verb === undefined) throw new UsageError('missing subcommand');
    if (['--help', '-?', '-h'].includes(verb)) parseOptions([verb], {}); // help, as every command gives it
    const p = parseOptions(rest, { flags: 'h' });
    const noFollow = p.flags.has('h');
    const [dataset, path, name, value, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (path === undefined) throw new UsageError('missing path argument');
    const needsName = verb !== 'list';
    if (needsName && name === undefined) throw new UsageError('missing attribute name');
    if (extra.length > 0 || (verb !== 'set' && value !== undefined) || (verb === 'list' && name !== undefined)) throw new UsageError('too many arguments');
    switch (verb) {
      case 'list':
      case 'get': {
        const xattrs = lookupPath(ctx.home, dataset, path, (f) => `xattr: cannot access '${f}'`, noFollow).xattrs ?? [];
        if (verb === 'list') {
          ctx.out.write(xattrs.map(([n]) => n.toString('utf8') + '\n').join(''));
          return 0;
        }
        const found = xattrs.find(([n]) => n.equals(Buffer.from(name)));
        if (!found) throw new ZfsError([`xattr: cannot get '${name}' of '${fileName(dataset, path)}': No data available`]);
        ctx.out.write(found[1]);
        return 0;
      }
      case 'set': {
        const bytes = value !== undefined ? Buffer.from(value) : readAll(ctx.in);
        setAttributes(ctx.home, dataset, [path], () => ({ setXattrs: [[name, bytes]] }), {
          follow: !noFollow,
          action: (f) => `xattr: cannot set '${name}' of '${f}'`,
        });
        return 0;
      }
      case 'remove':
        setAttributes(ctx.home, dataset, [path], () => ({ removeXattrs: [name] }), {
          follow: !noFollow,
          action: (f) => `xattr: cannot remove '${name}' of '${f}'`,
        });
        return 0;
      default:
        throw new UsageError(`invalid subcommand '${verb}'`);
    }
  },
};
