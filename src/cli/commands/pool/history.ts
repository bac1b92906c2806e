/** `zpool history [-il] [<pool>] ...`: the commands that changed each pool, oldest first. */
import { PoolHandle } from '../../../lib/pool-handle.js';
import { poolHistory } from '../../../lib/pools.js';
import type { Command } from '../../context.js';
import { formatHistoryTime } from '../../format/dates.js';
import { parseOptions } from '../../parse.js';

export const command: Command = {
  usage: ['history [-il] [<pool>] ...'],
  run(ctx, args) {
    // -i adds internal events; tszfs records none, so the output is the same.
    const p = parseOptions(args, { flags: 'il' });
    const names = p.operands.length > 0 ? p.operands : ctx.home.pools().map((e) => e.name);
    if (names.length === 0) {
      ctx.err.write('no pools available\n');
      return 0;
    }
    // -l: who ran each command and where, as recorded with it.
    const suffix = (who: string | undefined) => (p.flags.has('l') && who ? ` [${who}]` : '');
    let status = 0;
    for (const name of names) {
      const h = PoolHandle.open(ctx.home, name);
      if (!h) {
        ctx.err.write(`cannot open '${name}': no such pool\n`);
        status = 1;
        continue;
      }
      try {
        let text = `History for '${name}':\n`;
        for (const r of poolHistory(h)) text += `${formatHistoryTime(r.time)} ${r.line}${suffix(r.who)}\n`;
        ctx.out.write(text + '\n');
      } finally {
        h.close();
      }
    }
    return status;
  },
};
