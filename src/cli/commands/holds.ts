/** `zfs holds [-rHp] SNAPSHOT...`: print_holds's layout (openzfs-reference.md §7.10). */
import { listHolds, type HoldRow } from '../../lib/datasets/holds.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** strftime "%a %b %e %H:%M %Y" in local time: `Tue Jan  7 09:05 2025`. */
function holdTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const z2 = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${z2(d.getHours())}:${z2(d.getMinutes())} ${d.getFullYear()}`;
}

export const command: Command = {
  usage: ['holds [-rHp] <snapshot> ...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'rHp' });
    if (p.operands.length === 0) throw new UsageError(null);
    const scripted = p.flags.has('H');
    const parsable = p.flags.has('p');
    let errors = false;
    let nameWidth = 0;
    let examinedAny = false;
    const rows: HoldRow[] = [];
    for (const operand of p.operands) {
      if (!operand.includes('@')) {
        ctx.err.write(`'${operand}' is not a snapshot\n`);
        errors = true;
        continue;
      }
      try {
        rows.push(
          ...listHolds(ctx.home, operand, p.flags.has('r'), (name) => {
            examinedAny = true;
            nameWidth = Math.max(nameWidth, Buffer.byteLength(name));
          }),
        );
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        ctx.err.write(err.lines.join('\n') + '\n');
        errors = true;
      }
    }
    const tagWidth = rows.reduce((w, r) => Math.max(w, Buffer.byteLength(r.tag)), 0);
    const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - Buffer.byteLength(s)));
    let out = scripted ? '' : `${pad('NAME', nameWidth)}  ${pad('TAG', tagWidth)}  TIMESTAMP\n`;
    for (const r of rows) {
      const time = parsable ? String(r.time) : holdTime(r.time);
      out += scripted ? `${r.snapshot}\t${r.tag}\t${time}\n` : `${pad(r.snapshot, nameWidth)}  ${pad(r.tag, tagWidth)}  ${time}\n`;
    }
    ctx.out.write(out);
    if (!examinedAny) ctx.err.write('no datasets available\n');
    return errors ? 1 : 0;
  },
};
