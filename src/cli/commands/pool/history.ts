/** `zpool history [-il] [<pool>] ...`: the commands that changed each pool, oldest first. */
import { forEachNamedPool } from '../../../lib/session.js';
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
    const skipped = forEachNamedPool(ctx.home, names, (lines) => ctx.err.write(lines.join('\n') + '\n'), (h) => {
      let text = `History for '${h.name}':\n`;
      for (const r of poolHistory(h)) text += `${formatHistoryTime(r.time)} ${r.line}${suffix(r.who)}\n`;
      ctx.out.write(text + '\n');
    });
    return skipped ? 1 : 0;
  },
};
