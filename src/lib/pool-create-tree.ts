/**
 * `zpool create` of a pool of several devices (or of one device given in another way than the
 * one image of before: a class, or an ashift of its own): the vdev specification checked as
 * OpenZFS checks it (vdev-spec.ts), missing files made at `--size`, labels on every device.
 */
import * as fs from 'node:fs';
import { Image } from '../engine/pool/image.js';
import { newGuid, Pool } from '../engine/pool/pool.js';
import { topSpace, type LeafConfig, type TopConfig, type VdevTree } from '../engine/pool/vdevs/config.js';
import { engineFailure, ZfsError } from './errors.js';
import type { Home } from './home.js';
import { metadataPathOf, PoolHandle } from './pool-handle.js';
import { applyPoolVersion, newFilesystem, type validateNewProps } from './datasets/create.js';
import { applyCrypt, type CryptPlan } from './crypto/create.js';
import { dryRunLayout, replicationProblems, vdevErrors, type VdevSpec } from './vdev-spec.js';
import { clearInterruptedCreate, createMarkerOf, discardBuild, takeCreateMarker } from './create-marker.js';
import { crashPoint } from '../engine/pool/crash.js';

const MIN_DEVICE = 64 * 1024 * 1024;

export interface TreeCreate {
  name: string;
  spec: VdevSpec;
  /** size of the files to make (--size) */
  size: number;
  force: boolean;
  dryRun: boolean;
  props: ReturnType<typeof validateNewProps>;
  /** an encrypted root dataset (lib/crypto/create.ts), and where its key is kept after */
  crypt?: CryptPlan | null;
  keep?: (poolGuid: string, rootGuid: string) => void;
  poolProps: Record<string, string>;
  history: string;
}

const leavesOf = (spec: VdevSpec): string[] => [...spec.tops.flatMap((t) => t.children), ...spec.spares, ...spec.cache];

/** Checks in OpenZFS's order, then the pool; returns what `-n` prints, or null. */
export function createTreePool(home: Home, o: TreeCreate): string | null {
  const action = `cannot create '${o.name}'`;
  const leaves = leavesOf(o.spec);
  const first = o.spec.tops[0]?.children[0] ?? leaves[0];
  // What a create killed before it registered left (create-marker.ts) goes first, so that its
  // labels do not make this one ask for -f.
  if (!o.dryRun) clearInterruptedCreate(home, action, first);
  const sizeOf = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.size ?? o.size;
  // is_device_in_use: a device of an imported pool never, of an exported one only with -f.
  const inUse: string[] = [];
  for (const file of leaves) {
    const label = fs.existsSync(file) ? Image.readLabel(file) : null;
    if (!label) continue;
    const active = home.find(label.pool) !== undefined;
    if (active || !o.force) inUse.push(`${file} is part of ${active ? 'active' : 'exported'} pool '${label.pool}'`);
  }
  if (inUse.length > 0) throw vdevErrors(o.force, inUse);
  if (!o.force) {
    const problems = replicationProblems(o.spec, sizeOf);
    if (problems.length > 0) throw vdevErrors(false, problems);
  }
  if (!o.spec.tops.some((t) => t.class === undefined)) throw vdevErrors(o.force, ['at least one general top-level vdev must be specified']);
  if (new Set(leaves).size !== leaves.length) {
    throw ZfsError.action(action, 'one or more vdevs refer to the same device, or one of\nthe devices is part of an active md or lvm device');
  }
  if (leaves.some((f) => sizeOf(f) < MIN_DEVICE)) throw ZfsError.action(action, 'one or more devices is less than the minimum size (64M)');
  if (o.dryRun) return dryRunLayout(o.name, o.spec);

  const made = leaves.filter((f) => !fs.existsSync(f));
  // Until the pool is registered, the marker makes a retry start afresh (a kill leaves no pool).
  const devices = leaves.map((path) => ({ path, fresh: made.includes(path) }));
  takeCreateMarker(action, first, { pid: process.pid, fresh: made.includes(first), devices });
  try {
    for (const file of made) makeFile(action, file, o.size);
    const tree = treeOf(o.name, o.spec, o.poolProps.ashift, sizeOf);
    const metadata = metadataPathOf(first);
    for (const stale of [metadata, `${metadata}-lock`]) fs.rmSync(stale, { force: true });
    let pool: Pool;
    try {
      pool = Pool.createTree(o.name, tree, metadata);
    } catch (err) {
      throw engineFailure(action, err);
    }
    try {
      PoolHandle.over(o.name, first, pool).change(o.history, (c) => {
        c.tx.meta.props = o.poolProps;
        // The root filesystem's version is what the pool's version allows (zfs_fill_zplprops_impl).
        applyPoolVersion(c.tx.meta, o.props, action);
        c.tx.meta.rootDir = newFilesystem(c, null, o.name, o.props);
        if (o.crypt) {
          applyCrypt(c, c.tx.meta.rootDir, undefined, o.crypt, action);
          const rootGuid = c.dsl.head(c.tx.meta.rootDir).guid;
          c.tx.onBeforeCommit(() => o.keep?.(c.tx.meta.guid, rootGuid));
        }
      });
    } finally {
      pool.close();
    }
    crashPoint('create-built');
    if (!home.add({ name: o.name, image: first })) throw ZfsError.action(action, 'pool already exists');
    crashPoint('create-registered');
  } catch (err) {
    // A failed create leaves nothing behind: the files it made go, the others lose their label.
    for (const file of leaves) if (fs.existsSync(file)) discardBuild(file, made.includes(file));
    fs.rmSync(createMarkerOf(first), { force: true });
    throw err;
  }
  fs.rmSync(createMarkerOf(first), { force: true });
  return null;
}

/** A missing device file, preallocated (as the one image is) so that writes never meet ENOSPC. */
function makeFile(action: string, file: string, bytes: number): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o666);
  } catch (err) {
    throw ZfsError.action(action, `cannot create '${file}': ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (let pos = 0; pos < bytes; pos += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - pos), pos);
  } finally {
    fs.closeSync(fd);
  }
}

function treeOf(pool: string, spec: VdevSpec, ashiftProp: string | undefined, sizeOf: (f: string) => number): VdevTree {
  const ashift = ashiftProp && ashiftProp !== '0' ? Number(ashiftProp) : 12;
  // Numbered in order, not named by path: with the clock pinned (tests) the guids are stable.
  let n = 0;
  const leaf = (path: string): LeafConfig => ({ path, guid: newGuid(`vdev:${pool}:leaf:${n++}`), size: sizeOf(path) });
  const tops = spec.tops.map((t, i): TopConfig => {
    const children = t.children.map(leaf);
    const top: TopConfig = {
      type: t.type,
      // A file top-level vdev is its own leaf: one guid.
      guid: t.type === 'file' ? children[0].guid : newGuid(`vdev:${pool}:top:${i}`),
      nparity: t.nparity,
      children,
      space: topSpace(t.type, children.map((c) => c.size), ashift),
    };
    if (t.class) top.class = t.class;
    return top;
  });
  return { ashift, tops, spares: spec.spares.map(leaf), cache: spec.cache.map(leaf) };
}
