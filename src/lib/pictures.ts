/**
 * What `tszfs tree` and `tszfs blocks` draw, as plain data: the genealogy of datasets, snapshots
 * and clones (which `zfs list` shows only as an `origin` column), and a file's records across the
 * layers of a snapshot and clone chain. The CLI lays them out; nothing here prints.
 *
 * Glossary: a *layer* is one dataset state that holds a copy of a file: a snapshot, or a head (a
 * filesystem or volume as it is now). Each layer descends from the one before it (its `prev`: the
 * previous snapshot of its dataset, or for a clone's first layer the snapshot it was cloned from),
 * and a record it holds is *shared* when the layer it descends from holds the very same block.
 */
import type { DslView } from '../engine/datasets/view.js';
import type { DatasetRecord, Id } from '../engine/model.js';
import { fileRecordsAt, type FileRecords } from '../engine/reading.js';
import { EngineError } from '../engine/errno.js';
import { namesDirectory } from '../engine/files/paths.js';
import { ZfsError, notFound } from './errors.js';
import { components, fileError, withDataset } from './files.js';
import type { Home } from './home.js';
import { checkDatasetName } from './names.js';
import { headKind, type PoolHandle } from './pool-handle.js';
import { DatasetProps } from './properties/values.js';
import { withPool, withPoolOf } from './session.js';

export interface FamilyNode {
  /** the full name (`tank/app`, `tank/app@v2`) */
  name: string;
  type: 'filesystem' | 'volume' | 'snapshot';
  used: number;
  referenced: number;
  /** a clone's origin snapshot, else null */
  origin: string | null;
  /** a clone drawn below its origin snapshot (its genealogical parent) rather than below its
   *  parent filesystem */
  underOrigin: boolean;
  /** for a filesystem or volume: its snapshots (oldest first), then its child datasets that are
   *  not drawn below their origin; for a snapshot: its clones, by name */
  children: FamilyNode[];
}

/**
 * The genealogy below `operand` (a filesystem or volume), or below every pool's root dataset.
 * Every dataset reachable from the start by a child or a clone edge is drawn once: a clone below
 * its origin snapshot when that snapshot is drawn too, otherwise below its parent filesystem.
 */
export function genealogy(home: Home, operand: string | null): FamilyNode[] {
  if (operand === null) {
    return home.pools().map((entry) => withPool(home, entry.name, (h) => familyOf(h, h.rootDir()), { onMissing: () => null })).filter((n) => n !== null);
  }
  const bad = checkDatasetName(operand, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${operand}'`, bad);
  return [
    withPoolOf(home, operand, (h) => {
      const dir = h.findDir(h.view(), operand);
      if (dir === undefined) throw notFound(operand);
      return familyOf(h, dir);
    }, () => {
      throw notFound(operand);
    }),
  ];
}

function familyOf(h: PoolHandle, start: Id): FamilyNode {
  const view = h.view();
  const meta = h.pool.meta();
  // Which dirs are drawn: everything reachable from `start` by child and clone edges.
  const drawn = new Set<Id>();
  const reach = (dir: Id) => {
    if (drawn.has(dir)) return;
    drawn.add(dir);
    for (const child of view.childDirs(dir)) reach(child);
    for (const snap of view.snapshotIds(dir)) for (const clone of view.cloneIds(snap)) reach(view.ds(clone).dir);
  };
  reach(start);
  const underOrigin = (dir: Id) => {
    const origin = view.dir(dir).origin;
    return origin !== null && drawn.has(view.ds(origin).dir);
  };
  const node = (ds: DatasetRecord, children: FamilyNode[]): FamilyNode => {
    const p = new DatasetProps(view, meta, ds);
    const origin = ds.kind === 'head' ? view.dir(ds.dir).origin : null;
    return {
      name: view.datasetName(ds),
      type: ds.kind === 'head' ? headKind(view, ds.dir) : 'snapshot',
      used: numberOf(p, 'used'),
      referenced: numberOf(p, 'referenced'),
      origin: origin === null ? null : view.datasetName(view.ds(origin)),
      underOrigin: ds.kind === 'head' && underOrigin(ds.dir),
      children,
    };
  };
  const visit = (dir: Id): FamilyNode => {
    const snapshots = view.snapshotIds(dir).map((id) => {
      const clones = view.cloneIds(id).map((c) => view.ds(c).dir);
      return node(view.ds(id), sortByName(clones.map(visit)));
    });
    const children = view.childDirs(dir).filter((c) => !underOrigin(c)).map(visit);
    return node(view.head(dir), [...snapshots, ...children]);
  };
  return visit(start);
}

const sortByName = (nodes: FamilyNode[]) => nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function numberOf(p: DatasetProps, prop: string): number {
  const v = p.get(prop)?.value;
  return typeof v === 'number' ? v : Number(v ?? 0);
}

export interface Layer {
  name: string;
  kind: 'snapshot' | 'head';
  /** the txg a snapshot was taken in; null for a head */
  txg: number | null;
  /** how many clone steps from the first layer drawn (0: the oldest dataset's layers) */
  depth: number;
  /** the first layer of a clone */
  cloneStart: boolean;
  /** the index in `layers` of the layer this one descends from, or null for the oldest */
  parent: number | null;
  /** the file's records here, or null when the file is not in this layer */
  file: FileRecords | null;
}

export interface FileLayers {
  /** the path as given */
  path: string;
  layers: Layer[];
}

/**
 * `path` in every layer of `dataset`'s chain: the snapshots of the dataset (or those before a
 * named snapshot), its origin's chain below, and with `clones` every clone of its snapshots above,
 * clones of clones included. Layers come in genealogical order: each before what descends from
 * it, a clone's layers right after its origin, a dataset's own later layers after those.
 */
export function fileLayers(home: Home, dataset: string, path: string, clones: boolean): FileLayers {
  const parts = components('open', dataset, path);
  return withDataset(home, dataset, 'files', (h, r) => {
    const view = h.view();
    try {
      fileRecordsAt(view.t, r.ds.root, parts);
      // `FILE/`: a trailing slash asks for a directory, as a path walk reads it
      if (namesDirectory(path)) throw new EngineError('ENOTDIR');
    } catch (err) {
      throw fileError('open', dataset, path, err);
    }
    // The chain from the oldest layer to `dataset`, through origins.
    const chain: DatasetRecord[] = [];
    for (let ds: DatasetRecord | null = r.ds; ds !== null; ds = ds.prev === null ? null : view.ds(ds.prev)) chain.unshift(ds);
    const members = new Set<Id>(chain.map((ds) => ds.id));
    if (clones) for (const snap of view.snapshotIds(r.dir)) if (members.has(snap)) addClonesOf(view, snap, members);
    return { path, layers: ordered(view, chain[0], members, parts) };
  });
}

/** Every layer of every clone of `snap`, and of their clones, into `members`. */
function addClonesOf(view: DslView, snap: Id, members: Set<Id>): void {
  for (const clone of view.cloneIds(snap)) {
    const dir = view.ds(clone).dir;
    for (const id of [...view.snapshotIds(dir), view.dir(dir).head]) {
      members.add(id);
      if (view.ds(id).kind === 'snapshot') addClonesOf(view, id, members);
    }
  }
}

function ordered(view: DslView, first: DatasetRecord, members: ReadonlySet<Id>, parts: string[]): Layer[] {
  const layers: Layer[] = [];
  const walk = (start: DatasetRecord, parent: number | null, depth: number) => {
    let prev = parent;
    let cloneStart = parent !== null;
    // A dataset's layers in order: each snapshot then the clones made from it, then the head.
    for (let ds: DatasetRecord | null = start; ds !== null && members.has(ds.id); ) {
      layers.push({
        name: view.datasetName(ds),
        kind: ds.kind,
        txg: ds.kind === 'snapshot' ? ds.createTxg : null,
        depth,
        cloneStart,
        parent: prev,
        file: fileIn(view, ds, parts),
      });
      const index = layers.length - 1;
      cloneStart = false;
      if (ds.kind === 'head') break;
      const clones = view.cloneIds(ds.id).filter((c) => members.has(c)).map((c) => view.ds(c));
      clones.sort((a, b) => (view.datasetName(a) < view.datasetName(b) ? -1 : 1));
      for (const clone of clones) walk(clone, index, depth + 1);
      prev = index;
      ds = view.ds(ds.next);
    }
  };
  walk(first, null, 0);
  return layers;
}

function fileIn(view: DslView, ds: DatasetRecord, parts: string[]): FileRecords | null {
  try {
    return fileRecordsAt(view.t, ds.root, parts);
  } catch (err) {
    // Not a file in this layer (not yet written, removed, or another kind of object): absent.
    if (err instanceof EngineError && (err.errno === 'ENOENT' || err.errno === 'ENOTDIR' || err.errno === 'EISDIR')) return null;
    throw err;
  }
}
