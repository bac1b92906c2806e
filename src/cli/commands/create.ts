/** `zfs create [-p] [-o property=value]... FILESYSTEM` */
import { createFilesystem } from '../../lib/datasets/create.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { propertyArgs } from './shared.js';

export const command: Command = {
  usage: [
    'create [-Pnpuv] [-o property=value] ... <filesystem>',
    'create [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'p', values: 'o', repeated: 'o', reportMissing: true });
    if (p.operands.length === 0) throw new UsageError('missing filesystem argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const props = propertyArgs(p.values.get('o'));
    createFilesystem(ctx.home, p.operands[0], { parents: p.flags.has('p'), props }, ctx.historyLine);
    return 0;
  },
};
