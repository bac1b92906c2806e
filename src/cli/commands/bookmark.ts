/** `zfs bookmark SNAPSHOT|BOOKMARK NEWBOOKMARK` (zfs_do_bookmark): either name may be short
 *  (`@snap`, `#book`), taking the other's dataset. */
import { createBookmark } from '../../lib/datasets/bookmark.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['bookmark <snapshot|bookmark> <newbookmark>'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    if (p.operands.length < 1) throw new UsageError('missing source argument');
    if (p.operands.length < 2) throw new UsageError('missing bookmark argument');
    let [source, target] = p.operands;
    if (!source.includes('@') && !source.includes('#')) throw new UsageError(`invalid source name '${source}': must contain a '@' or '#'`);
    if (!target.includes('#')) throw new UsageError(`invalid bookmark name '${target}': must contain a '#'`);
    const sourceShort = source.search(/[@#]/) === 0;
    const targetShort = target.indexOf('#') === 0;
    // zfs_main prints this one without a newline: `usage:` follows on the same line.
    if (sourceShort && targetShort) throw new UsageError('either source or bookmark must be specified as full dataset paths', false);
    if (sourceShort) source = target.slice(0, target.search(/[@#]/)) + source;
    else if (targetShort) target = source.slice(0, source.search(/[@#]/)) + target;
    createBookmark(ctx.home, source, target, ctx.historyLine);
    return 0;
  },
};
