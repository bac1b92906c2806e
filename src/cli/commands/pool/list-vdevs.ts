/**
 * `zpool list -v` (OpenZFS 2.3 zpool_main.c collect_list_stats, collect_vdev_prop, max_width):
 * a line per vdev under its pool, with the columns that apply to it, and the same in `-j`.
 */
import type { VdevRow } from '../../../lib/vdev-status.js';
import { nicenum } from '../../format/nicenum.js';
import { jsonProperty, type JsonValue } from '../../format/props.js';

type Obj = { [key: string]: JsonValue };

/** The column widths of collect_vdev_prop (zprop_width; HEALTH is 8). */
const COLUMNS: Array<[string, number]> = [
  ['size', 5],
  ['allocated', 5],
  ['free', 5],
  ['checkpoint', 7],
  ['expandsize', 8],
  ['fragmentation', 5],
  ['capacity', 5],
  ['dedupratio', 5],
  ['health', 8],
];

/** The values of one vdev, in COLUMNS' order. */
function values(r: VdevRow, spare: boolean, literal: boolean): string[] {
  const info = r.info!;
  const space = info.space ?? 0;
  const alloc = info.alloc ?? 0;
  const top = space !== 0;
  const n = (v: number, valid = top) => (!valid ? '-' : literal ? String(v) : nicenum(v));
  const size = info.psize ? n(info.psize, true) : n(space);
  const cap = space === 0 ? 0 : Math.floor((alloc * 10000) / space);
  const capText = literal ? String(Math.floor(cap / 100)) : cap < 1000 ? `${(cap / 100).toFixed(2)}%` : cap < 10000 ? `${(cap / 100).toFixed(1)}%` : `${(cap / 100).toFixed(0)}%`;
  const state = spare ? (r.state === 'INUSE' ? 'INUSE' : 'AVAIL') : r.state!;
  return [size, n(alloc), n(space - alloc), '-', '-', top ? (literal ? '0' : '0%') : '-', top ? capText : '-', '-', state];
}

/** max_width: the NAME column of `list -v`, at least 9. */
export function nameWidth(rows: VdevRow[]): number {
  return Math.max(9, rows[0]?.nameFloor ?? 0, ...rows.filter((r) => !r.header).map((r) => r.name.length + r.depth));
}

/** The lines under a pool's line: its vdevs, then a `dashes` line for each class section. */
export function vdevLines(rows: VdevRow[], width: number, literal: boolean, scripted: boolean): string {
  let out = '';
  let spare = false;
  for (const r of rows.slice(1)) {
    if (r.header) {
      spare = r.name === 'spares';
      const label = r.name === 'spares' ? 'spare' : r.name;
      out += `${label.padEnd(width)}      -      -      -        -         -      -      -      -         -\n`;
      continue;
    }
    const cells = values(r, spare, literal);
    if (scripted) out += `\t${r.name}` + cells.map((c) => `\t${c}`).join('') + '\n';
    else {
      const name = r.name.length + r.depth > width ? ' '.repeat(r.depth) + r.name : ' '.repeat(r.depth) + r.name.padEnd(width - r.depth);
      out += name + cells.map((c, i) => `  ${c.padStart(COLUMNS[i][1])}`).join('') + '\n';
    }
  }
  return out;
}

/** The `vdevs` object of a pool in `list -v -j`. */
export function vdevsJson(rows: VdevRow[], literal: boolean, asInt: boolean): Obj {
  const STATE: Record<string, string> = { UNAVAIL: 'CANT_OPEN', AVAIL: 'ONLINE' };
  const entry = (r: VdevRow, spare: boolean): Obj => {
    const info = r.info!;
    const e: Obj = { name: r.name, vdev_type: info.type };
    if (info.guid !== '0') e.guid = asInt ? BigInt(info.guid) : info.guid;
    if (info.path) e.path = info.path;
    e.class = info.class;
    e.state = STATE[r.state!] ?? r.state!;
    const props: Obj = {};
    values(r, spare, literal).forEach((v, i) => (props[COLUMNS[i][0]] = jsonProperty(v, null, asInt)));
    e.properties = props;
    return e;
  };
  const out: Obj = {};
  const KEY: Record<string, string> = { cache: 'l2cache' };
  let target = out;
  let spare = false;
  let parent: Obj | null = null;
  for (const r of rows.slice(1)) {
    if (r.header) {
      spare = r.name === 'spares';
      target = {};
      out[KEY[r.name] ?? r.name] = target;
      parent = null;
      continue;
    }
    const e = entry(r, spare);
    if (r.depth === 2) {
      target[r.name] = e;
      parent = e;
    } else if (parent) {
      ((parent.vdevs as Obj | undefined) ?? (parent.vdevs = {}))[r.name] = e;
    }
  }
  return out;
}
