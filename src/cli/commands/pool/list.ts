/** `zpool list [-Hp] [-o property[,...]] [pool] ...`, in OpenZFS's columns. */
import { ZfsError } from '../../../lib/errors.js';
import { poolSummary, type PoolSummary } from '../../../lib/pools.js';
import { PoolHandle } from '../../../lib/pool-handle.js';
import { renderTable, type ColumnSpec } from '../../format/columns.js';
import { nicenum } from '../../format/nicenum.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';

interface PoolColumn {
  spec: ColumnSpec;
  value(p: PoolSummary, parsable: boolean): string;
}

const percent = (p: PoolSummary) => Math.floor((p.allocated * 100) / p.size);

const COLUMNS: Record<string, PoolColumn> = {
  name: { spec: { header: 'NAME', align: 'left' }, value: (p) => p.name },
  size: { spec: { header: 'SIZE', align: 'right', minWidth: 5, fixed: true }, value: (p, raw) => (raw ? String(p.size) : nicenum(p.size)) },
  allocated: { spec: { header: 'ALLOC', align: 'right', minWidth: 5, fixed: true }, value: (p, raw) => (raw ? String(p.allocated) : nicenum(p.allocated)) },
  free: { spec: { header: 'FREE', align: 'right', minWidth: 5, fixed: true }, value: (p, raw) => (raw ? String(p.free) : nicenum(p.free)) },
  checkpoint: { spec: { header: 'CKPOINT', align: 'right', minWidth: 7, fixed: true }, value: () => '-' },
  expandsize: { spec: { header: 'EXPANDSZ', align: 'right', minWidth: 8, fixed: true }, value: () => '-' },
  fragmentation: { spec: { header: 'FRAG', align: 'right', minWidth: 5, fixed: true }, value: (_p, raw) => (raw ? '0' : '0%') },
  capacity: { spec: { header: 'CAP', align: 'right', minWidth: 5, fixed: true }, value: (p, raw) => (raw ? String(percent(p)) : `${percent(p)}%`) },
  dedupratio: { spec: { header: 'DEDUP', align: 'right', minWidth: 5, fixed: true }, value: (_p, raw) => (raw ? '1.00' : '1.00x') },
  health: { spec: { header: 'HEALTH', align: 'right', minWidth: 8, fixed: true }, value: () => 'ONLINE' },
  altroot: { spec: { header: 'ALTROOT', align: 'left' }, value: () => '-' },
  guid: { spec: { header: 'GUID', align: 'right', minWidth: 5 }, value: (p) => p.guid },
};
const ALIASES: Record<string, string> = { alloc: 'allocated', cap: 'capacity', frag: 'fragmentation', dedup: 'dedupratio', ckpoint: 'checkpoint', expandsz: 'expandsize' };
const DEFAULT = 'name,size,allocated,free,checkpoint,expandsize,fragmentation,capacity,dedupratio,health,altroot';

export const command: Command = {
  usage: ['list [-gHLpPv] [-o property[,...]] [-j [--json-int, --json-pool-key-guid]] ...', '    [-T d|u] [pool] [interval [count]]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'Hp', values: 'o' });
    const fields = (valueOf(p, 'o') ?? DEFAULT).split(',').map((f) => ALIASES[f] ?? f);
    for (const f of fields) if (!COLUMNS[f]) throw new UsageError(`invalid property '${f}'`);
    const names = p.operands.length > 0 ? p.operands : ctx.home.pools().map((e) => e.name);
    const summaries: PoolSummary[] = [];
    let status = 0;
    for (const name of names) {
      const h = PoolHandle.open(ctx.home, name);
      if (!h) {
        ctx.err.write(`cannot open '${name}': no such pool\n`);
        status = 1;
        continue;
      }
      try {
        summaries.push(poolSummary(h));
      } finally {
        h.close();
      }
    }
    if (summaries.length === 0 && p.operands.length === 0) {
      if (!p.flags.has('H')) ctx.out.write('no pools available\n');
      return 0;
    }
    const parsable = p.flags.has('p');
    const rows = summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((s) => fields.map((f) => COLUMNS[f].value(s, parsable)));
    ctx.out.write(
      renderTable(fields.map((f) => COLUMNS[f].spec), rows, {
        scripted: p.flags.has('H'),
        header: rows.length > 0,
        parsable,
        widenFixedWhenParsable: true,
      }),
    );
    if (status !== 0) throw new ZfsError([], 1);
    return 0;
  },
};
