/** `zfs create [-p] [-o property=value]... FILESYSTEM` and `zfs create [-ps] [-b blocksize] [-o property=value]... -V SIZE VOLUME` */
import { createFilesystem, createVolume } from '../../lib/datasets/create.js';
import { ZfsError } from '../../lib/errors.js';
import { parseSize, SizeError } from '../../lib/sizes.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { propertyArgs } from './shared.js';

/** `-V`/`-b` read as zfs_nicestrtonum does; a bad one fails the command (exit 1), not its usage. */
function sizeOption(value: string, what: string): bigint {
  try {
    return parseSize(value);
  } catch (err) {
    if (err instanceof SizeError) throw new ZfsError([`bad ${what} '${value}': ${err.aux}`]);
    throw err;
  }
}

export const command: Command = {
  usage: [
    'create [-Pnpuv] [-o property=value] ... <filesystem>',
    'create [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'ps', values: 'oVb', repeated: 'o', missingMessage: 'missing size argument' });
    const sizeArg = valueOf(p, 'V');
    const blocksizeArg = valueOf(p, 'b');
    // Each -V and -b is parsed where it stands, as getopt meets them.
    const size = sizeArg === undefined ? undefined : sizeOption(sizeArg, 'volume size');
    const blocksize = blocksizeArg === undefined ? undefined : String(sizeOption(blocksizeArg, 'volume block size'));
    if ((blocksize !== undefined || p.flags.has('s')) && size === undefined) {
      throw new UsageError("'-s' and '-b' can only be used when creating a volume");
    }
    if (p.operands.length === 0) throw new UsageError(`missing ${size === undefined ? 'filesystem' : 'volume'} argument`);
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const props = propertyArgs(p.values.get('o'));
    const parents = p.flags.has('p');
    if (size === undefined) {
      createFilesystem(ctx.home, p.operands[0], { parents, props }, ctx.historyLine);
      return 0;
    }
    const warn = (lines: string[]) => ctx.err.write(lines.map((l) => l + '\n').join(''));
    createVolume(ctx.home, p.operands[0], { parents, props, size, blocksize, sparse: p.flags.has('s'), warn }, ctx.historyLine);
    return 0;
  },
};
