/** `tszfs ln [-s] [-f] FILESYSTEM TARGET LINK_NAME`: a symbolic link (TARGET kept as given) or a hard link. */
import { makeLink } from '../../lib/trees.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['ln [-sf] <filesystem> <target> <link_name>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'sf' });
    const [dataset, target, link, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (target === undefined || link === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    makeLink(ctx.home, dataset, target, link, { symbolic: p.flags.has('s'), force: p.flags.has('f') });
    return 0;
  },
};
