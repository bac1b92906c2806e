/**
 * `zpool split [-gLlnP] [-o property=value]... [-R root] POOL NEWPOOL [DEVICE...]`
 * (zpool_do_split, lib/pool-split.ts): each mirror gives a child to a new, exported pool; -n
 * prints the new pool's layout (-g: devices by guid), -R imports it. -L and -P name devices by
 * their full path, as tszfs always does.
 */
import { splitPool } from '../../../lib/pool-split.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';

export const command: Command = {
  usage: ['split [-gLnPl] [-R altroot] [-o mntopts]', '    [-o property=value] <pool> <newpool> [<device> ...]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'gLlnP', values: 'Ro', repeated: 'o', reportMissing: true });
    const altroot = valueOf(p, 'R');
    const props: Array<[string, string]> = [];
    let mntopts: string | undefined;
    for (const o of p.values.get('o') ?? []) {
      const eq = o.indexOf('=');
      if (eq < 0) mntopts = o;
      else props.push([o.slice(0, eq), o.slice(eq + 1)]);
    }
    if (altroot === undefined && mntopts !== undefined) throw new UsageError('setting mntopts is only valid when importing the pool');
    if (altroot === undefined && p.flags.has('l')) throw new UsageError('loading keys is only valid when importing the pool');
    const [pool, newPool, ...devices] = p.operands;
    if (pool === undefined) throw new UsageError('Missing pool name');
    if (newPool === undefined) throw new UsageError('Missing new pool name');
    const dryRun = p.flags.has('n');
    const layout = splitPool(ctx.home, pool, newPool, devices, { dryRun, props, altroot, guids: p.flags.has('g') }, ctx.historyLine);
    if (layout !== null) ctx.out.write(`would create '${newPool}' with the following layout:\n\n${layout}`);
    return 0;
  },
};
