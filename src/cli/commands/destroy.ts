/** `zfs destroy [-fnpRrv] FILESYSTEM` and `zfs destroy [-dnpRrv] FILESYSTEM@SNAP[%SNAP][,...]` */
import { destroyBookmark } from '../../lib/datasets/bookmark.js';
import { destroy } from '../../lib/datasets/destroy.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { nicebytes } from '../format/nicenum.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: [
    'destroy [-fnpRrv] <filesystem|volume>',
    'destroy [-dnpRrv] <filesystem|volume>@<snap>[%<snap>][,...]',
    'destroy <filesystem|volume>#<bookmark>',
  ],
  run(ctx, args) {
    // -f (force unmount) has nothing to unmount here.
    const p = parseOptions(args, { flags: 'vpndfrR' });
    if (p.operands.length === 0) throw new UsageError('missing dataset argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const dependents = p.flags.has('R');
    const dryRun = p.flags.has('n');
    const parsable = p.flags.has('p');
    const verbose = parsable || p.flags.has('v');
    const target = p.operands[0];
    if (!target.includes('@') && target.includes('#')) {
      // zfs_do_destroy's bookmark branch: these refusals return -1 (status 255), unprefixed.
      const refused = dryRun ? 'dryrun' : p.flags.has('d') ? 'defer destroy' : p.flags.has('r') || dependents ? 'recursive' : null;
      if (refused) throw new ZfsError([`${refused} is not supported with bookmark`], 255);
      destroyBookmark(ctx.home, target, ctx.historyLine);
      return 0;
    }
    const verb = parsable ? 'destroy\t' : dryRun ? 'would destroy ' : 'will destroy ';
    destroy(
      ctx.home,
      p.operands[0],
      { recursive: p.flags.has('r') || dependents, dependents, defer: p.flags.has('d'), dryRun },
      ctx.historyLine,
      (r) => {
        if (!verbose) return;
        if (r.kind === 'destroy') ctx.out.write(`${verb}${r.name}\n`);
        else if (parsable) ctx.out.write(`reclaim\t${r.bytes}\n`);
        else ctx.out.write(`${dryRun ? 'would' : 'will'} reclaim ${nicebytes(r.bytes)}\n`);
      },
    );
    return 0;
  },
};
