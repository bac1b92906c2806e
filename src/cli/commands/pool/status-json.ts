/**
 * `zpool status -j` (OpenZFS 2.3 zpool_main.c status_callback_json, vdev_stats_nvlist,
 * fill_vdev_info, scan_status_nvlist, errors_nvlist): a pool's identity, its status/action
 * texts, the last scan, the vdev tree (nested, or flat with --json-flat-vdevs) and its errors.
 */
import type { PoolHealth } from '../../../lib/health.js';
import type { VdevRow } from '../../../lib/vdev-status.js';
import { formatCtime } from '../../format/dates.js';
import { nicebytes, nicenum } from '../../format/nicenum.js';
import type { JsonValue } from '../../format/props.js';

export interface StatusJsonOptions {
  /** -p: numbers as digits */
  literal: boolean;
  /** --json-int: numbers as JSON numbers */
  asInt: boolean;
  flat: boolean;
  /** -v: the damaged files' list */
  verbose: boolean;
}

type Obj = { [key: string]: JsonValue };
type Format = 'bytes' | '1024' | 'time';

/** vdev_state_str and vdev_aux_str as status -j names them. */
const STATE: Record<string, string> = { ONLINE: 'ONLINE', DEGRADED: 'DEGRADED', UNAVAIL: 'CANT_OPEN', OFFLINE: 'OFFLINE', REMOVED: 'REMOVED', AVAIL: 'AVAIL' };
const AUX: Record<string, string> = { 'cannot open': 'OPEN_FAILED', 'insufficient replicas': 'NO_REPLICAS', 'currently in use': 'SPARED' };

/** format_timestamp: nl_langinfo(_DATE_FMT) of the C locale, `-` for 0. */
function timestamp(t: number): string {
  if (t === 0) return '-';
  const c = formatCtime(t);
  const zone = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(t * 1000)).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  return `${c.slice(0, 19)} ${zone}${c.slice(19)}`;
}

export function statusJson(
  name: string,
  identity: Obj,
  health: PoolHealth,
  rows: VdevRow[],
  paragraph: string,
  files: string[] | null,
  o: StatusJsonOptions,
): Obj {
  /** nice_num_str_nvlist */
  const num = (value: number, format: Format, literal = o.literal): JsonValue => {
    if (o.asInt) return BigInt(value);
    if (literal) return String(value);
    if (format === 'bytes') return nicebytes(value);
    if (format === 'time') return timestamp(value);
    return nicenum(value);
  };
  const item: Obj = { ...identity };
  // print_status_reason's texts without their `status: ` and `action: ` heads
  if (paragraph !== '') {
    const m = /^status: ([\s\S]*?)action: ([\s\S]*?)(?:   see: https:\/\/openzfs\.github\.io\/openzfs-docs\/msg\/(\S+)\n)?$/.exec(paragraph);
    if (m) {
      item.status = m[1];
      item.action = m[2];
      if (m[3]) {
        item.msgid = m[3];
        item.moreinfo = `https://openzfs.github.io/openzfs-docs/msg/${m[3]}`;
      }
    }
  }
  const scan = health.scan;
  if (scan) {
    const examined = scan.examined;
    item.scan_stats = {
      function: scan.func === 'scrub' ? 'SCRUB' : 'RESILVER',
      state: scan.state === 'finished' ? 'FINISHED' : 'CANCELED',
      start_time: num(scan.start, 'time'),
      end_time: num(scan.end, 'time'),
      to_examine: num(examined, 'bytes'),
      examined: num(examined, 'bytes'),
      skipped: num(0, 'bytes'),
      processed: num(scan.repaired ?? 0, 'bytes'),
      errors: num(scan.errors, '1024'),
      bytes_per_scan: num(examined, 'bytes'),
      pass_start: num(scan.start, '1024', true),
      scrub_pause: num(0, 'time'),
      scrub_spent_paused: num(0, '1024', true),
      issued_bytes_per_scan: num(examined, 'bytes'),
      issued: num(examined, 'bytes'),
    };
  }
  const removal = health.removal;
  if (removal) {
    // removal_status_nvlist: the vdev named without its id ("indirect"), which zpool_find_vdev
    // then does not find, so only its name
    item.removal_stats = {
      name: 'indirect',
      state: 'FINISHED',
      removing_vdev: num(removal.vdev, '1024', true),
      start_time: num(removal.start, 'time'),
      end_time: num(removal.end, 'time'),
      to_copy: num(removal.toCopy, 'bytes'),
      copied: num(removal.copied, 'bytes'),
      mapping_memory: num(removal.mappingMemory, 'bytes'),
    };
  }
  const vdevOf = (r: VdevRow, spare: boolean, parent: string | null): Obj => {
    const info = r.info!;
    const v: Obj = { name: r.name, vdev_type: info.type };
    if (info.guid !== '0') v.guid = o.asInt ? BigInt(info.guid) : info.guid;
    if (info.path) v.path = info.path;
    v.class = info.class;
    if (o.flat && parent !== null) v.parent = parent;
    if (spare) {
      v.state = r.state === 'INUSE' ? 'INUSE' : 'AVAIL';
    } else {
      v.state = STATE[r.state!] ?? r.state!;
      if (info.alloc) v.alloc_space = num(info.alloc, 'bytes');
      if (info.space) v.total_space = num(info.space, 'bytes');
      if (info.dspace) v.def_space = num(info.dspace, 'bytes');
      if (info.rsize) v.rep_dev_size = num(info.rsize, 'bytes');
      if (info.psize) v.phys_space = num(info.psize, 'bytes');
      const e = r.errors ?? { read: 0, write: 0, cksum: 0 };
      v.read_errors = num(e.read, '1024');
      v.write_errors = num(e.write, '1024');
      v.checksum_errors = num(e.cksum, '1024');
      if (info.leaf) v.slow_ios = num(0, '1024');
    }
    if (r.aux && AUX[r.aux]) v.aux = AUX[r.aux];
    if (r.noalloc) v.noalloc = o.asInt ? 1n : '1';
    return v;
  };
  // The rows as status prints them: the root, its top-level vdevs (depth 2) and their children
  // (depth 4); then a header row for each class section, with its vdevs.
  interface Node {
    row: VdevRow;
    children: Node[];
  }
  const build = (at: number, depth: number): [Node[], number] => {
    const out: Node[] = [];
    let i = at;
    while (i < rows.length && !rows[i].header && rows[i].depth === depth) {
      const [children, next] = build(i + 1, depth + 2);
      out.push({ row: rows[i], children });
      i = next;
    }
    return [out, i];
  };
  /** vdev_stats_nvlist, literally: with --json-flat-vdevs a child goes both into `item` (with
   *  its parent's name) and into its parent's `vdevs`. */
  const stats = (n: Node, spare: boolean, parent: string | null, into: Obj): void => {
    const v = vdevOf(n.row, spare, parent);
    const ch: Obj | null = n.children.length > 0 ? {} : null;
    if (o.flat && n.children.length === 0) into[n.row.name] = v;
    for (const c of n.children) {
      if (o.flat) stats(c, spare, n.row.name, into);
      stats(c, spare, n.row.name, ch!);
    }
    if (ch && Object.keys(ch).length > 0) v.vdevs = ch;
    delete into[n.row.name];
    into[n.row.name] = v;
  };
  const vdevs: Obj = {};
  const [top, after] = build(0, 0);
  stats(top[0], false, null, vdevs);
  const KEY: Record<string, string> = { dedup: 'dedup', special: 'special', logs: 'logs', cache: 'l2cache', spares: 'spares' };
  const sections: Array<[string, Obj]> = [];
  for (let i = after; i < rows.length; ) {
    const header = rows[i].name;
    const [nodes, next] = build(i + 1, 2);
    i = next;
    const obj: Obj = o.flat ? vdevs : {};
    for (const n of nodes) stats(n, header === 'spares', null, obj);
    if (!o.flat && Object.keys(obj).length > 0) sections.push([KEY[header] ?? header, obj]);
  }
  item.vdevs = vdevs;
  for (const [k, v] of sections) item[k] = v;
  item.error_count = num(health.dataErrors, '1024');
  if (files !== null && health.dataErrors > 0) item.errlist = files;
  return item;
}

/** A pool of one image: its root and one file vdev, as the text form shows them. */
export function imageRows(name: string, image: string, guid: string, errors: PoolHealth['errors'], size: number, alloc: number): VdevRow[] {
  const space = { alloc, space: size, dspace: size, rsize: size };
  return [
    { name, depth: 0, state: 'ONLINE', errors, info: { type: 'root', guid, class: 'normal', ...space, leaf: false } },
    { name: image, depth: 2, state: 'ONLINE', errors, info: { type: 'file', guid: '0', path: image, class: 'normal', ...space, psize: size, leaf: true } },
  ];
}
