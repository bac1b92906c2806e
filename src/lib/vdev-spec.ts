/**
 * `zpool create`'s vdev specification (cmd/zpool/zpool_vdev.c construct_spec, get_replication,
 * check_replication): plain files as a stripe of top-level vdevs, `mirror`, `raidz[1-3]`, and the
 * `spare`, `log`, `cache`, `special` and `dedup` sections, with OpenZFS's refusals and messages.
 * dRAID is refused. Every device is a file named by a full path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Image } from '../engine/pool/image.js';
import type { VdevClass } from '../engine/pool/vdevs/config.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';

export interface SpecTop {
  type: 'file' | 'mirror' | 'raidz';
  nparity: number;
  children: string[];
  class?: VdevClass;
}

export interface VdevSpec {
  tops: SpecTop[];
  spares: string[];
  cache: string[];
}

const invalid = (text: string) => new ZfsError([`invalid vdev specification: ${text}`]);

/** get_parity: `raidz` is 1, `raidz1`..`raidz3` their number; anything else (raidz0, raidz01,
 *  raidz4) is no keyword at all (0). */
function raidzParity(word: string): number {
  const rest = word.slice('raidz'.length);
  if (rest === '') return 1;
  return /^[1-3]$/.test(rest) ? Number(rest) : 0;
}

/** is_grouping: the vdev keyword a word is, with its least number of devices, or null. */
function grouping(word: string): { type: string; min: number } | null {
  if (word.startsWith('raidz')) {
    const p = raidzParity(word);
    return p ? { type: 'raidz', min: p + 1 } : null;
  }
  if (word.startsWith('draid')) return /^draid([1-3])?(:|$)/.test(word) ? { type: 'draid', min: 2 } : null;
  const min: Record<string, number> = { mirror: 2, spare: 1, log: 1, special: 1, dedup: 1, cache: 1 };
  return word in min ? { type: word, min: min[word] } : null;
}

/** make_leaf_vdev: a device must be a full path; a name that is not one is looked up in /dev. */
function leaf(arg: string): string {
  if (!arg.startsWith('/')) {
    throw new ZfsError([`cannot open '${arg}': no such device in /dev`, 'must be a full path or shorthand device name']);
  }
  const stat = fs.statSync(arg, { throwIfNoEntry: false });
  if (stat && !stat.isFile()) throw new ZfsError([`cannot use '${arg}': must be a block device or regular file`]);
  return path.resolve(arg);
}

/** make_leaf_vdev and is_device_in_use for the one new device of `zpool attach` or `replace`:
 *  it must exist, be a file, and belong to no pool (an exported one's, with -f). */
export function newLeafDevice(home: Home, device: string, force: boolean): fs.Stats {
  if (!device.startsWith('/')) {
    throw new ZfsError([`cannot open '${device}': no such device in /dev`, 'must be a full path or shorthand device name']);
  }
  const stat = fs.statSync(device, { throwIfNoEntry: false });
  if (!stat) throw new ZfsError([`cannot resolve path '${device}'`]);
  if (!stat.isFile()) throw new ZfsError([`cannot use '${device}': must be a block device or regular file`]);
  const label = Image.readLabel(device);
  if (label) {
    const active = home.find(label.pool) !== undefined;
    if (active || !force) throw vdevErrors(force, [`${device} is part of ${active ? 'active' : 'exported'} pool '${label.pool}'`]);
  }
  return stat;
}

/** construct_spec. */
export function parseVdevSpec(args: string[]): VdevSpec {
  const spec: VdevSpec = { tops: [], spares: [], cache: [] };
  let cls: VdevClass | 'spare' | undefined;
  let seenLogs = false;
  let seenSpares = false;
  let seenCache = false;
  let nlogs = 0;
  let i = 0;
  while (i < args.length) {
    const word = args[i];
    const g = grouping(word);
    if (!g) {
      spec.tops.push({ type: 'file', nparity: 0, children: [leaf(word)], ...(cls && cls !== 'spare' ? { class: cls } : {}) });
      if (cls === 'log') nlogs++;
      i++;
      continue;
    }
    if (g.type === 'draid') throw new ZfsError([`invalid vdev specification: '${word}': dRAID vdevs are not supported by tszfs`]);
    if (g.type === 'log') {
      if (seenLogs) throw invalid("'log' can be specified only once");
      seenLogs = true;
      cls = 'log';
      i++;
      continue;
    }
    if (g.type === 'special' || g.type === 'dedup') {
      cls = g.type;
      i++;
      continue;
    }
    if (g.type === 'spare') {
      if (seenSpares) throw invalid("'spare' can be specified only once");
      seenSpares = true;
    }
    if (g.type === 'cache') {
      if (seenCache) throw invalid("'cache' can be specified only once");
      seenCache = true;
    }
    if (cls === 'log' && g.type !== 'spare' && g.type !== 'cache' && g.type !== 'mirror') {
      throw invalid(`unsupported 'log' device: ${g.type}`);
    }
    const children: string[] = [];
    let c = i + 1;
    for (; c < args.length && !grouping(args[c]); c++) children.push(leaf(args[c]));
    if (children.length < g.min) throw invalid(`${word} requires at least ${g.min} devices`);
    if (g.type === 'raidz' && children.length > 255) throw invalid(`${word} supports no more than 255 devices`);
    i = c;
    if (g.type === 'spare') {
      spec.spares = children;
      cls = 'spare';
    } else if (g.type === 'cache') {
      spec.cache = children;
      cls = undefined;
    } else {
      if (cls === 'log') nlogs++;
      const top: SpecTop = { type: g.type as 'mirror' | 'raidz', nparity: g.type === 'raidz' ? g.min - 1 : 0, children };
      if (cls && cls !== 'spare') top.class = cls;
      spec.tops.push(top);
    }
  }
  if (spec.tops.length === 0 && spec.spares.length === 0 && spec.cache.length === 0) {
    throw invalid('at least one toplevel vdev must be specified');
  }
  if (seenLogs && nlogs === 0) throw invalid('log requires at least 1 device');
  return spec;
}

/** The lines of vdev_error(): a header, then each problem. */
export function vdevErrors(force: boolean, problems: string[]): ZfsError {
  return new ZfsError([
    'invalid vdev specification',
    force ? 'the following errors must be manually repaired:' : "use '-f' to override the following errors:",
    ...problems,
  ]);
}

const FUZZ = 16 * 1024 * 1024;

interface Replication {
  type: string;
  children: number;
  parity: number;
}

/** get_replication(fatal) + check_replication for a new pool: what `-f` would override. Sizes
 *  are the files' (or the size they will be made at). */
export function replicationProblems(spec: VdevSpec, sizeOf: (file: string) => number): string[] {
  const problems: string[] = [];
  let last: Replication | null = null;
  for (const top of spec.tops) {
    if (top.class === 'log') continue;
    const rep: Replication = { type: top.type, children: top.children.length, parity: top.nparity };
    if (top.type !== 'file') {
      const sizes = top.children.map(sizeOf);
      for (let c = 1; c < sizes.length; c++) {
        if (Math.abs(sizes[c] - sizes[c - 1]) > FUZZ) {
          problems.push(`${top.type} contains devices of different sizes`);
          break;
        }
      }
    }
    if (last) {
      const [raidz, mirror] = last.type === 'raidz' && rep.type === 'mirror' ? [last, rep] : rep.type === 'raidz' && last.type === 'mirror' ? [rep, last] : [null, null];
      if (raidz && mirror) {
        if (raidz.parity !== mirror.children - 1) {
          problems.push(
            `mismatched replication level: ${raidz.type} and ${mirror.type} vdevs with different redundancy, ${raidz.parity} vs. ${mirror.children - 1} (${mirror.children}-way) are present`,
          );
        }
      } else if (last.type !== rep.type) {
        problems.push(`mismatched replication level: both ${last.type} and ${rep.type} vdevs are present`);
      } else if (last.parity !== rep.parity) {
        problems.push(`mismatched replication level: both ${last.parity} and ${rep.parity} device parity ${rep.type} vdevs are present`);
      } else if (last.children !== rep.children) {
        problems.push(`mismatched replication level: both ${last.children}-way and ${rep.children}-way ${rep.type} vdevs are present`);
      }
    }
    last = rep;
  }
  return problems;
}

/** get_replication(fatal = false) of an existing pool's tops: null when they disagree. */
function poolReplication(tops: Array<{ type: string; nparity: number; children: unknown[]; class?: VdevClass }>): Replication | null {
  let rep: Replication | null = null;
  for (const t of tops) {
    if (t.class === 'log') continue;
    const r = { type: t.type, children: t.children.length, parity: t.nparity };
    if (rep && (rep.type !== r.type || rep.parity !== r.parity || rep.children !== r.children)) {
      const mixed = (rep.type === 'raidz' && r.type === 'mirror') || (rep.type === 'mirror' && r.type === 'raidz');
      if (!mixed) return null;
    }
    rep = r;
  }
  return rep;
}

/** check_replication of `zpool add`: the new vdevs against the pool's own level. */
export function addReplicationProblems(pool: Parameters<typeof poolReplication>[0], spec: VdevSpec, sizeOf: (file: string) => number): string[] {
  const own = replicationProblems(spec, sizeOf);
  if (own.length > 0) return own;
  const current = poolReplication(pool);
  const added = poolReplication(spec.tops);
  if (!current || !added) return [];
  const [raidz, mirror] = current.type === 'raidz' && added.type === 'mirror' ? [current, added] : added.type === 'raidz' && current.type === 'mirror' ? [added, current] : [null, null];
  if (raidz && mirror) {
    return raidz.parity === mirror.children - 1
      ? []
      : [`mismatched replication level: pool and new vdev with different redundancy, ${raidz.type} and ${mirror.type} vdevs, ${raidz.parity} vs. ${mirror.children - 1} (${mirror.children}-way)`];
  }
  if (current.type !== added.type) return [`mismatched replication level: pool uses ${current.type} and new vdev is ${added.type}`];
  if (current.parity !== added.parity) return [`mismatched replication level: pool uses ${current.parity} device parity and new vdev uses ${added.parity}`];
  if (current.children !== added.children) {
    return [`mismatched replication level: pool uses ${current.children}-way ${current.type} and new vdev uses ${added.children}-way ${added.type}`];
  }
  return [];
}

/** The vdev names `zpool create -n` and `zpool status` print: `mirror`, `raidz2`, or the path. */
export function topName(top: { type: string; nparity: number; children: Array<string | { path: string }> }): string {
  if (top.type === 'file') {
    const c = top.children[0];
    return typeof c === 'string' ? c : c.path;
  }
  return top.type === 'raidz' ? `raidz${top.nparity}` : top.type;
}

/** print_vdev_tree and friends, for `zpool create -n`. */
export function dryRunLayout(pool: string, spec: VdevSpec): string {
  const lines: string[] = [];
  const section = (name: string, cls: VdevClass | undefined) => {
    const tops = spec.tops.filter((t) => t.class === cls);
    if (tops.length === 0) return;
    lines.push(`\t${name}`);
    for (const top of tops) {
      lines.push(`\t  ${topName(top)}`);
      if (top.type !== 'file') for (const c of top.children) lines.push(`\t    ${c}`);
    }
  };
  section(pool, undefined);
  section('dedup', 'dedup');
  section('special', 'special');
  section('logs', 'log');
  for (const [name, list] of [['cache', spec.cache], ['spares', spec.spares]] as const) {
    if (list.length === 0) continue;
    lines.push(`\t${name}`);
    for (const c of list) lines.push(`\t  ${c}`);
  }
  return lines.map((l) => l + '\n').join('');
}
