/** `zfs holds [-rHp] SNAPSHOT...`: print_holds's layout (openzfs-reference.md §7.10). */
import { listHolds, type HoldRow } from '../../lib/datasets/holds.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { formatHoldTime } from '../format/dates.js';
import { parseOptions, UsageError } from '../parse.js';

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
      const time = parsable ? String(r.time) : formatHoldTime(r.time);
      out += scripted ? `${r.snapshot}\t${r.tag}\t${time}\n` : `${pad(r.snapshot, nameWidth)}  ${pad(r.tag, tagWidth)}  ${time}\n`;
    }
    ctx.out.write(out);
    if (!examinedAny) ctx.err.write('no datasets available\n');
    return errors ? 1 : 0;
  },
};
