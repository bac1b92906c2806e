/** `zfs rename [-f] [-p] FS FS` and `zfs rename [-r] SNAP SNAP` */
import { rename } from '../../lib/datasets/rename.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: [
    'rename [-f] <filesystem|volume|snapshot> <filesystem|volume|snapshot>',
    'rename -p [-f] <filesystem|volume> <filesystem|volume>',
    'rename -u [-f] <filesystem> <filesystem>',
    'rename -r <snapshot> <snapshot>',
  ],
  run(ctx, args) {
    // -f and -u govern unmounting and remounting; nothing is mounted here.
    const p = parseOptions(args, { flags: 'pruf' });
    if (p.operands.length === 0) throw new UsageError('missing source dataset argument');
    if (p.operands.length === 1) throw new UsageError('missing target dataset argument');
    if (p.operands.length > 2) throw new UsageError('too many arguments');
    const recursive = p.flags.has('r');
    const parents = p.flags.has('p');
    if (parents && recursive) throw new UsageError('-p and -r options are mutually exclusive');
    if (p.flags.has('u') && parents) throw new UsageError('-u and -p options are mutually exclusive');
    if (recursive && !p.operands[0].includes('@')) throw new UsageError('source dataset for recursive rename must be a snapshot');
    rename(ctx.home, p.operands[0], p.operands[1], { recursive, parents, filesystemOnly: p.flags.has('u') }, ctx.historyLine);
    return 0;
  },
};
