/**
 * `zpool get [-Hp] [-o field[,...]] [-j [--json-int]] <"all" | property[,...]> POOL
 * VDEV...|root|all-vdevs` (zpool_main.c get_callback, get_callback_vdev, libzfs
 * vdev_expand_proplist and zprop_print_one_property): the vdev form of `zpool get`.
 *
 * Column widths are OpenZFS's: each property's width starts at its column name's (numbers at
 * least 5), properties marked flex widen for the values of the vdevs expanded so far, and the
 * header is sized when the first line prints: after every named vdev is expanded, but for
 * `all-vdevs` after the root alone (each vdev is expanded just before it prints).
 */
import { poolStats } from '../../../lib/pools.js';
import { poolVdevs } from '../../../lib/pool-vdevs.js';
import { withPool } from '../../../lib/session.js';
import { ALL_VDEV_PROPERTIES, findVdevProperty, vdevPropValue, type VdevPropValue } from '../../../lib/vdev-props.js';
import { findVdev, type VdevNode } from '../../../lib/vdev-tree.js';
import { isUserPropName } from '../../../lib/names.js';
import type { CommandContext } from '../../context.js';
import { formatSource, jsonProperty, toJson, type JsonValue } from '../../format/props.js';
import { nicenum } from '../../format/nicenum.js';
import { UsageError } from '../../usage-error.js';

export type Field = 'name' | 'property' | 'value' | 'source';

export interface VdevGetOptions {
  fields: Field[];
  scripted: boolean;
  literal: boolean;
  json: boolean;
  asInt: boolean;
}

/** One line of the property list (zprop_list_t): the first is the `name` placeholder. */
interface Entry {
  prop: string;
  width: number;
  fixed: boolean;
}

const bytes = (s: string) => Buffer.byteLength(s);

/** zprop_width for a vdev property. */
function initialWidth(prop: string): Entry {
  const def = findVdevProperty(prop);
  if (!def) return { prop, width: bytes(prop), fixed: false };
  let w = def.column.length;
  if (def.kind === 'number') w = Math.max(w, 5);
  for (const v of def.values ?? []) w = Math.max(w, v.length);
  return { prop: def.name, width: w, fixed: !def.flex };
}

/** zprop_get_list for ZFS_TYPE_VDEV: null for `all`. */
export function parseVdevPropList(text: string): string[] | null {
  if (text === 'all') return null;
  if (text === '') throw new UsageError('bad property list: no properties specified', true, 'vdev');
  return text.split(',').map((word) => {
    const def = findVdevProperty(word);
    if (def) return def.name;
    if (isUserPropName(word)) return word;
    throw new UsageError(`bad property list: invalid property '${word}'`, true, 'vdev');
  });
}

/** VDEV_STATE_* as vdev_state_str names them in JSON. */
const JSON_STATE: Record<string, string> = { UNAVAIL: 'CANT_OPEN' };

export function getVdevProps(ctx: CommandContext, pool: string, vdevArgs: string[], props: string[] | null, o: VdevGetOptions): number {
  return withPool(ctx.home, pool, (h) => {
    const meta = h.pool.meta();
    const nodes = poolVdevs(h);
    const allVdevs = vdevArgs.length === 1 && vdevArgs[0] === 'all-vdevs';
    // the names as given (root as root-0) and what they stand for; all-vdevs: every vdev by name
    const targets: Array<[string, VdevNode]> = allVdevs
      ? nodes.map((n) => [n.name, n])
      : (vdevArgs[0] === 'root' && vdevArgs.length === 1 ? ['root-0'] : vdevArgs).map((n) => [n, findVdev(nodes, n)!]);
    const value = (n: VdevNode, prop: string): VdevPropValue | null => vdevPropValue(meta, n, prop, nicenum);
    const entries: Entry[] = [{ prop: 'name', width: 4, fixed: false }, ...(props ?? ALL_VDEV_PROPERTIES).map(initialWidth)];
    const expand = (name: string, n: VdevNode) => {
      for (const e of entries) {
        if (e.fixed) continue;
        const v = value(n, e.prop);
        if (v) e.width = Math.max(e.width, bytes(v.human));
        if (e.prop === 'name') e.width = Math.max(e.width, bytes(name));
      }
      // `all`: the vdev's user properties join the list (each once, though OpenZFS repeats one
      // that several vdevs have)
      if (props === null) {
        for (const [k, v] of Object.entries(meta.vdevProps?.[n.guid] ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
          if (isUserPropName(k) && !entries.some((e) => e.prop === k)) entries.push({ prop: k, width: bytes(v), fixed: false });
        }
      }
    };
    let widths: Record<Field, number> | null = o.scripted ? { name: 0, property: 0, value: 0, source: 0 } : null;
    const headerWidths = (): Record<Field, number> => {
      const w = { name: 4, property: 8, value: 5, source: 6 };
      entries.forEach((e, i) => {
        w.property = Math.max(w.property, bytes(e.prop));
        if (i > 0) w.value = Math.max(w.value, e.width);
        if (e.prop === 'name' && e.width > w.name) {
          w.name = e.width;
          w.source = e.width + 'inherited from'.length;
        }
      });
      return w;
    };
    let out = '';
    const line = (cells: Record<Field, string>) => {
      if (widths === null) {
        widths = headerWidths();
        out += row({ name: 'NAME', property: 'PROPERTY', value: 'VALUE', source: 'SOURCE' });
      }
      out += row(cells);
    };
    const row = (cells: Record<Field, string>) =>
      o.fields
        .map((f, i) => {
          const s = cells[f];
          if (i === o.fields.length - 1) return s;
          if (o.scripted) return s + '\t';
          return s + ' '.repeat(Math.max(0, widths![f] - bytes(s))) + '  ';
        })
        .join('') + '\n';
    const vdevsJson: Record<string, JsonValue> = {};
    const show = (name: string, n: VdevNode) => {
      const properties: Record<string, JsonValue> = {};
      for (const e of entries.slice(1)) {
        const v = value(n, e.prop);
        if (!v) continue;
        const text = o.literal ? v.literal : v.human;
        if (o.json) properties[e.prop] = jsonProperty(text, v.source, o.asInt);
        else line({ name, property: e.prop, value: text, source: formatSource(v.source) });
      }
      if (o.json && Object.keys(properties).length > 0) {
        delete vdevsJson[name];
        vdevsJson[name] = { ...vdevInfo(name, n, o.asInt), properties };
      }
    };
    if (allVdevs) {
      for (const [name, n] of targets) {
        expand(name, n);
        show(name, n);
      }
    } else {
      for (const [name, n] of targets) expand(name, n);
      for (const [name, n] of targets) show(name, n);
    }
    if (o.json) {
      const stats = poolStats(h);
      const num = (s: string): JsonValue => (o.asInt ? BigInt(s) : s);
      const poolInfo = { name: stats.name, state: stats.health, pool_guid: num(stats.guid), txg: num(String(stats.txg)), spa_version: num('5000'), zpl_version: num('5') };
      out = toJson({ output_version: { command: 'zpool get', vers_major: 0n, vers_minor: 1n }, pool: poolInfo, vdevs: vdevsJson }) + '\n';
    }
    ctx.out.write(out);
    return 0;
  });
}

/** fill_vdev_info with its type: what identifies a vdev in `zpool get -j`. */
function vdevInfo(name: string, n: VdevNode, asInt: boolean): Record<string, JsonValue> {
  const info: Record<string, JsonValue> = { name, type: 'VDEV', vdev_type: n.type };
  if (n.guid !== '0') info.guid = asInt ? BigInt(n.guid) : n.guid;
  if (n.path !== undefined) info.path = n.path;
  info.class = n.class;
  info.state = JSON_STATE[n.state] ?? n.state;
  return info;
}
