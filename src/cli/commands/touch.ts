/** `tszfs touch [-a] [-m] [-c] [-d DATE | -r REF] FILESYSTEM PATH...`: set times (now by default), making empty files. */
import { ZfsError } from '../../lib/errors.js';
import { touch } from '../../lib/trees.js';
import type { Command } from '../context.js';
import { parseDate } from '../format/parse-date.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

export const command: Command = {
  usage: ['touch [-acm] [-d date|-r ref] <filesystem> <path>...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'acm', values: 'dr' });
    const [dataset, ...paths] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    const date = valueOf(p, 'd');
    const ref = valueOf(p, 'r');
    if (date !== undefined && ref !== undefined) throw new UsageError('cannot specify times from more than one source');
    let time: Parameters<typeof touch>[3]['time'] = 'now';
    if (date !== undefined) {
      const t = parseDate(date);
      if (!t) throw new ZfsError([`touch: invalid date format '${date}'`]);
      time = t;
    } else if (ref !== undefined) time = { ref };
    // Neither -a nor -m: both.
    const both = !p.flags.has('a') && !p.flags.has('m');
    touch(ctx.home, dataset, paths, { atime: both || p.flags.has('a'), mtime: both || p.flags.has('m'), time, noCreate: p.flags.has('c') });
    return 0;
  },
};
