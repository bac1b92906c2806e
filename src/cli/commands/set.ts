/** `zfs set [-u] <property=value> ... <filesystem|volume|snapshot> ...` (zfs_main.c zfs_do_set) */
import { setProperties } from '../../lib/datasets/set.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['set [-u] <property=value> ... <filesystem|volume|snapshot> ...'],
  run(ctx, args) {
    // -u: the mounted and shared states stay as they were (lib/datasets/mounts.ts).
    const parsed = parseOptions(args, { flags: 'u' });
    const argv = parsed.operands;
    if (argv.length < 1) throw new UsageError('missing arguments');
    if (argv.length < 2) {
      throw new UsageError(argv[0].includes('=') ? 'missing dataset name(s)' : 'missing property=value argument(s)');
    }
    // Assignments first, then datasets. As in zfs_do_set, an assignment after a first operand
    // without '=' is only caught when that operand is not the very first argument.
    let dsStart = -1;
    for (let i = 0; i < argv.length; i++) {
      if (argv[i].includes('=')) {
        if (dsStart > 0) throw new UsageError('invalid argument order');
      } else if (dsStart < 0) {
        dsStart = i;
      }
    }
    if (dsStart < 0) throw new UsageError('missing dataset name(s)');

    const assignments: Array<[string, string]> = [];
    for (const arg of argv.slice(0, dsStart)) {
      const eq = arg.indexOf('=');
      const name = arg.slice(0, eq);
      // parseprop() failures are not usage errors: zfs_do_set returns -1, exit 255.
      if (assignments.some(([n]) => n === name)) {
        ctx.err.write(`property '${name}' specified multiple times\n`);
        return 255;
      }
      assignments.push([name, arg.slice(eq + 1)]);
    }
    const datasets = argv.slice(dsStart);
    return setProperties(ctx.home, assignments, datasets, ctx.historyLine, (line) => ctx.err.write(line + '\n'), parsed.flags.has('u'));
  },
};
