/**
 * The space images, layers and containers take, from the properties ZFS keeps for every
 * dataset (counters, so this never walks blocks), for `image ls`, `image inspect` and
 * `system df`. The rule (man/tszfs-images.8 gives it to users):
 * - a layer OWNS its `used`: the records it wrote itself, including files that upper layers
 *   deleted or replaced (the layer below still holds them); it REFERS to `referenced`, the whole
 *   tree at that layer; WRITTEN is `written@ORIGIN`, what its tree holds that was born in it
 *   since the snapshot below (a base layer: all it refers to), and `referenced - written` is
 *   SHARED with the layers below;
 * - an image's SIZE is the sum of its layers' `used` (every byte the pool keeps for it); its
 *   SHARED SIZE the part in layers another image also stands on; UNIQUE SIZE the rest, what
 *   `image rm` would give back when no container holds it;
 * - a container's SIZE is the `used` of its writable and init layers: the records it wrote.
 */
import type { Home } from '../lib/home.js';
import { datasetsOf, listContainers, listImages, originOf, P_LAYER, propsOf } from './store.js';

export interface LayerSpace {
  dataset: string;
  diffId: string;
  used: number;
  referenced: number;
  /** `written@ORIGIN` (0 unless asked for) */
  written: number;
  /** ids of the images standing on it */
  images: string[];
}

export interface ImageSpace {
  ref: string;
  id: string;
  top: string;
  size: number;
  shared: number;
  unique: number;
  containers: number;
}

export interface ContainerSpace {
  name: string;
  dataset: string;
  image: string;
  size: number;
}

export interface PoolImagesSpace {
  layers: LayerSpace[];
  images: ImageSpace[];
  containers: ContainerSpace[];
  /** bytes of the layers no container stands on */
  reclaimable: number;
}

/** The figures above; a layer's `written@ORIGIN` (one read per layer) only when `withWritten`. */
export function imagesSpace(home: Home, pool: string, withWritten = false): PoolImagesSpace {
  const all = new Map(datasetsOf(home, pool, [P_LAYER, 'used', 'referenced', 'origin']).map((d) => [d.name, d]));
  const num = (ds: string, p: string) => Number(all.get(ds)?.row.values.get(p)?.value ?? 0);
  const originOfLayer = (ds: string) => {
    const d = all.get(ds);
    return d ? originOf(d) : null;
  };
  /** an image's layer datasets, base first */
  const chainOf = (top: string) => {
    const out: string[] = [];
    for (let ds: string | null = top; ds !== null && all.has(ds); ds = originOfLayer(ds)?.split('@')[0] ?? null) out.unshift(ds);
    return out;
  };
  const rows = listImages(home, pool);
  const tops = [...new Map(rows.map((r) => [r.top, r.id])).entries()];
  const chains = new Map(tops.map(([top]) => [top, chainOf(top)]));
  const layers = new Map<string, LayerSpace>();
  for (const [top, id] of tops) {
    for (const ds of chains.get(top)!) {
      let l = layers.get(ds);
      if (!l) {
        const origin = originOfLayer(ds);
        const written = origin === null ? num(ds, 'referenced') : withWritten ? Number(propsOf(home, ds, [`written@${origin}`], true)(`written@${origin}`) || 0) : 0;
        l = { dataset: ds, diffId: all.get(ds)?.get(P_LAYER) ?? '', used: num(ds, 'used'), referenced: num(ds, 'referenced'), written, images: [] };
        layers.set(ds, l);
      }
      if (!l.images.includes(id)) l.images.push(id);
    }
  }
  const containers = listContainers(home, pool).map((c) => ({ name: c.name, dataset: c.dataset, image: c.image, size: num(c.dataset, 'used') + num(`${c.dataset}-init`, 'used') }));
  const images = rows.map((r) => {
    const mine = chains.get(r.top)!.map((ds) => layers.get(ds)!);
    const size = mine.reduce((n, l) => n + l.used, 0);
    const shared = mine.filter((l) => l.images.length > 1).reduce((n, l) => n + l.used, 0);
    return { ref: r.ref, id: r.id, top: r.top, size, shared, unique: size - shared, containers: containers.filter((c) => c.image === r.top).length };
  });
  const held = new Set(containers.flatMap((c) => chains.get(c.image) ?? []));
  const reclaimable = [...layers.values()].filter((l) => !held.has(l.dataset)).reduce((n, l) => n + l.used, 0);
  // Layers in the order images list them, each image's base first.
  return { layers: [...layers.values()], images, containers, reclaimable };
}
