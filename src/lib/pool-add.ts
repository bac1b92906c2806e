/**
 * `zpool add [-fn] POOL VDEV...` for a pool of several devices: new top-level vdevs (or spares,
 * cache devices) checked as OpenZFS checks them (vdev-spec.ts: the spec itself, devices in use,
 * replication against the pool's own), then given their free space and labels. A pool of one
 * image takes no more devices: its blocks are addressed in the image itself.
 */
import * as fs from 'node:fs';
import { Image } from '../engine/pool/image.js';
import { newGuid } from '../engine/pool/pool.js';
import { topSpace, VDEV_STRIDE, type TopConfig, type VdevClass, type VdevTree } from '../engine/pool/vdevs/config.js';
import { isConcrete } from '../engine/pool/vdevs/indirect.js';
import { ZfsError } from './errors.js';
import type { Home } from './home.js';
import { withPool } from './session.js';
import { addReplicationProblems, parseVdevSpec, topName, vdevErrors, type VdevSpec } from './vdev-spec.js';

const MIN_DEVICE = 64 * 1024 * 1024;

/** Returns what `-n` prints, else null. */
export function addVdevs(home: Home, pool: string, args: string[], force: boolean, dryRun: boolean, history: string): string | null {
  const spec = parseVdevSpec(args);
  return withPool(home, pool, (h) => {
    const action = `cannot add to '${pool}'`;
    const meta = h.pool.meta();
    const tree = meta.vdevs;
    if (!tree) throw ZfsError.action(action, 'operation not supported on this type of pool');
    const leaves = [...spec.tops.flatMap((t) => t.children), ...spec.spares, ...spec.cache];
    const sizeOf = (f: string) => fs.statSync(f, { throwIfNoEntry: false })?.size ?? -1;
    const missing = leaves.find((f) => sizeOf(f) < 0);
    if (missing) throw new ZfsError([`cannot resolve path '${missing}'`]);
    const inUse: string[] = [];
    for (const file of leaves) {
      const label = Image.readLabel(file);
      if (!label) continue;
      const active = home.find(label.pool) !== undefined;
      if (active || !force) inUse.push(`${file} is part of ${active ? 'active' : 'exported'} pool '${label.pool}'`);
    }
    if (inUse.length > 0) throw vdevErrors(force, inUse);
    if (!force) {
      const problems = addReplicationProblems(tree.tops.filter(isConcrete), spec, sizeOf);
      if (problems.length > 0) throw vdevErrors(false, problems);
    }
    if (new Set(leaves).size !== leaves.length) {
      throw ZfsError.action(action, 'one or more vdevs refer to the same device, or one of\nthe devices is part of an active md or lvm device');
    }
    if (leaves.some((f) => sizeOf(f) < MIN_DEVICE)) throw ZfsError.action(action, 'one or more devices is less than the minimum size (64M)');
    if (dryRun) return `would update '${pool}' to the following configuration:\n\n` + mergedLayout(pool, tree, spec);
    const txg = meta.txg;
    let n = 0;
    const leaf = (path: string) => ({ path, guid: newGuid(`vdev:${pool}:add:${txg}:${n++}`), size: sizeOf(path) });
    const next: VdevTree = structuredClone(tree);
    const added = spec.tops.map((t, i): TopConfig => {
      const children = t.children.map(leaf);
      const top: TopConfig = {
        type: t.type,
        guid: t.type === 'file' ? children[0].guid : newGuid(`vdev:${pool}:top:${tree.tops.length + i}:${txg}`),
        nparity: t.nparity,
        children,
        space: topSpace(t.type, children.map((c) => c.size), tree.ashift),
      };
      if (t.class) top.class = t.class;
      return top;
    });
    next.tops.push(...added);
    next.spares.push(...spec.spares.map(leaf));
    next.cache.push(...spec.cache.map(leaf));
    h.change(history, (c) => {
      const m = c.tx.meta;
      m.vdevs = next;
      m.vdevAlloc = [...(m.vdevAlloc ?? []), ...added.map(() => 0)];
      added.forEach((top, k) => {
        if (top.class === 'log') return;
        const at = (tree.tops.length + k) * VDEV_STRIDE;
        c.tx.allocator.addFreeExtent(at, top.space);
        m.imageBytes += top.space;
      });
    });
    h.pool.writeLabels();
    return null;
  });
}

/** zpool add -n: the pool's tree (its main vdevs named with their ids) with the new vdevs after
 *  each part, as zpool_do_add prints them. */
function mergedLayout(pool: string, tree: VdevTree, spec: VdevSpec): string {
  const lines: string[] = [];
  const put = (name: string, type: string, children: string[]) => {
    lines.push(`\t  ${name}`);
    if (type !== 'file') for (const c of children) lines.push(`\t    ${c}`);
  };
  const section = (header: string, cls: VdevClass | undefined, ids: boolean) => {
    const old = tree.tops.map((t, i) => [t, i] as const).filter(([t]) => t.class === cls && isConcrete(t));
    const added = spec.tops.filter((t) => t.class === cls);
    if (old.length === 0 && added.length === 0) return;
    lines.push(`\t${header}`);
    for (const [t, i] of old) put(t.type === 'file' ? t.children[0].path : `${topName(t)}${ids ? `-${i}` : ''}`, t.type, t.children.map((c) => c.path));
    for (const t of added) put(topName(t), t.type, t.children);
  };
  section(pool, undefined, true);
  section('dedup', 'dedup', false);
  section('special', 'special', false);
  section('logs', 'log', false);
  for (const [header, list] of [['cache', [...tree.cache.map((c) => c.path), ...spec.cache]], ['spares', [...tree.spares.map((c) => c.path), ...spec.spares]]] as const) {
    if (list.length === 0) continue;
    lines.push(`\t${header}`, ...list.map((c) => `\t  ${c}`));
  }
  return lines.map((l) => l + '\n').join('');
}
