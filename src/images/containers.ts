/**
 * `container diff` and `container commit`: what a container changed, from `zfs diff` of its
 * writable layer against the snapshot it was cloned from (the init layer's), so the cost grows
 * with the change (birth txgs), never with the image. Lines are Docker's: `A` added, `C` changed,
 * `D` deleted (a deleted directory once, not its entries); a rename is the old name deleted and
 * the new one added. commit writes those changes as a layer tar (whiteouts for deletions, the
 * renamed directories whole) and loads it on top of the image as `image load` makes a layer.
 */
import { ZfsError } from '../lib/errors.js';
import type { Home } from '../lib/home.js';
import { layerChanges, layerTar, type Change, type Changes } from './changes.js';
import { bufferBlob, sha256 } from './layout.js';
import { imageConfig, listContainers, normalRef, storeImage, type LoadReport, type StoreProgress } from './store.js';

export type { Change };

function containerOf(home: Home, pool: string, name: string) {
  const c = listContainers(home, pool).find((x) => x.name === name);
  if (!c) throw new ZfsError([`Error response from daemon: No such container: ${name}`]);
  return c;
}

function changesOf(home: Home, pool: string, name: string): Changes {
  const c = containerOf(home, pool, name);
  return layerChanges(home, `${c.dataset}-init@${name}`, c.dataset);
}

export function containerDiff(home: Home, pool: string, name: string): Change[] {
  return changesOf(home, pool, name).lines;
}

export function commitContainer(home: Home, pool: string, name: string, ref: string | undefined, history: string, progress?: StoreProgress): LoadReport & { id: string } {
  const c = containerOf(home, pool, name);
  const changes = changesOf(home, pool, name);
  const tar = layerTar(home, c.dataset, changes, (n) => progress?.({ phase: 'commit', layer: 0, layers: 1, bytes: n, total: null }));
  const config = JSON.parse(imageConfig(home, c.image).toString('utf8')) as Record<string, unknown> & { rootfs: { diff_ids: string[] } };
  const diffIds = [...config.rootfs.diff_ids, sha256(tar)];
  const history_ = Array.isArray(config.history) ? [...(config.history as unknown[])] : [];
  history_.push({ created_by: `tszfs container commit ${name}` });
  const newConfig = Buffer.from(JSON.stringify({ ...config, rootfs: { ...config.rootfs, diff_ids: diffIds }, history: history_ }));
  const id = sha256(newConfig);
  const layers = diffIds.map((diffId, i) => ({ diffId, blob: bufferBlob(i === diffIds.length - 1 ? tar : Buffer.alloc(0)) }));
  const report = storeImage(home, pool, { id, config: newConfig, layers, refs: [] }, ref ? [normalRef(ref)] : [], history, progress);
  return { ...report, id };
}
