/**
 * Property values of one dataset, computed from counters only (never by walking blocks):
 * the space formulas of zfs-dsl-semantics.md §1.5 and the inheritance rules of zfsprops(7).
 */
import type { DslView } from '../../engine/datasets/view.js';
import { LABEL_BYTES } from '../../engine/pool/image.js';
import { slopBytes } from '../../engine/pool/pool.js';
import type { DatasetRecord, DirRecord, PoolMeta } from '../../engine/store/records.js';
import { DEFAULT_RECORDSIZE, findProperty, type PropDef, type ValueFormat } from './table.js';

export type Source =
  | { type: 'none' }
  | { type: 'default' }
  | { type: 'local' }
  | { type: 'inherited'; from: string };

export interface PropValue {
  value: number | string;
  format: ValueFormat;
  source: Source;
}

const NONE: Source = { type: 'none' };

/** written@O(D): bytes referenced by D and born after O (dsl_dataset_space_written_impl). */
export function writtenSince(view: DslView, ds: DatasetRecord, since: DatasetRecord | null): number {
  if (since === null) return ds.referenced;
  let written = ds.referenced - since.referenced;
  let s: DatasetRecord = ds;
  while (s.prevTxg > since.createTxg && s.prev !== null) {
    written += view.deadRange(s.deadlist, 0, since.createTxg);
    s = view.ds(s.prev);
  }
  return written + s.deadBytes;
}

export class DatasetProps {
  readonly dir: DirRecord;

  constructor(
    private readonly view: DslView,
    private readonly meta: PoolMeta,
    readonly ds: DatasetRecord,
  ) {
    this.dir = view.dir(ds.dir);
  }

  get type(): 'filesystem' | 'snapshot' {
    return this.ds.kind === 'head' ? 'filesystem' : 'snapshot';
  }

  get name(): string {
    return this.view.datasetName(this.ds);
  }

  /** The value of a native or user property, or null where it does not apply. */
  get(name: string): PropValue | null {
    if (name.includes(':')) return this.user(name);
    const def = findProperty(name);
    if (!def || !def.types.includes(this.type)) return null;
    const value = this.native(def);
    return value === null ? null : value;
  }

  private stat(value: number | string | null, format: ValueFormat): PropValue | null {
    return value === null ? null : { value, format, source: NONE };
  }

  private native(def: PropDef): PropValue | null {
    const ds = this.ds;
    const used = this.dir.used;
    switch (def.name) {
      case 'name':
        return this.stat(this.name, 'text');
      case 'type':
        return this.stat(this.type, 'text');
      case 'creation':
        return this.stat(ds.creation, 'date');
      case 'used':
        return this.stat(ds.kind === 'snapshot' ? ds.unique : used.head + used.snap + used.child, 'bytes');
      case 'available':
        return this.stat(this.available(), 'bytes');
      case 'referenced':
        return this.stat(ds.referenced, 'bytes');
      case 'compressratio':
        return this.stat(100, 'ratio');
      case 'mounted':
        return this.stat('no', 'text');
      case 'origin':
        return this.stat(this.dir.origin === null ? null : this.view.datasetName(this.view.ds(this.dir.origin)), 'text');
      case 'createtxg':
        return this.stat(ds.createTxg, 'raw');
      case 'guid':
        return this.stat(ds.guid, 'raw');
      case 'usedbysnapshots':
        return this.stat(used.snap, 'bytes');
      case 'usedbydataset':
        return this.stat(used.head, 'bytes');
      case 'usedbychildren':
        return this.stat(used.child, 'bytes');
      case 'usedbyrefreservation':
        return this.stat(0, 'bytes');
      case 'written':
        return this.stat(writtenSince(this.view, ds, ds.prev === null ? null : this.view.ds(ds.prev)), 'number');
      case 'clones':
        return this.stat(this.clones(), 'text');
      case 'recordsize':
        return this.inherited(def, (v) => Number(v), DEFAULT_RECORDSIZE);
      case 'readonly':
        return this.inherited(def, (v) => v, 'off');
      case 'mountpoint':
        return this.mountpoint();
      default:
        return null;
    }
  }

  /** What the head could still write: the pool's usable space less everything allocated. */
  private available(): number {
    const root = this.view.dir(this.meta.rootDir).used;
    const usable = this.meta.imageBytes - LABEL_BYTES - slopBytes(this.meta.imageBytes);
    return Math.max(0, usable - (root.head + root.snap + root.child));
  }

  private clones(): string | null {
    if (this.ds.kind !== 'snapshot' || this.ds.numClones === 0) return null;
    return this.view
      .cloneIds(this.ds.id)
      .map((id) => this.view.dirName(this.view.ds(id).dir))
      .sort()
      .join(',');
  }

  /** The nearest dir (this one, then ancestors) where `prop` is set locally. */
  private findLocal(prop: string): { dir: DirRecord; value: string } | null {
    for (let dir: DirRecord | null = this.dir; dir; dir = dir.parent === null ? null : this.view.dir(dir.parent)) {
      const value = dir.props[prop];
      if (value !== undefined) return { dir, value };
    }
    return null;
  }

  private inherited(def: PropDef, parse: (v: string) => number | string, fallback: number | string): PropValue {
    const found = this.findLocal(def.name);
    if (!found) return { value: fallback, format: def.format, source: { type: 'default' } };
    const source: Source =
      found.dir.id === this.dir.id ? { type: 'local' } : { type: 'inherited', from: this.view.dirName(found.dir.id) };
    return { value: parse(found.value), format: def.format, source };
  }

  /** `/pool/child/...` below the nearest local mountpoint; `none` and `legacy` inherit verbatim. */
  private mountpoint(): PropValue | null {
    const found = this.findLocal('mountpoint');
    const fullName = this.view.dirName(this.dir.id);
    if (!found) return { value: '/' + fullName, format: 'text', source: { type: 'default' } };
    const base = found.value;
    const local = found.dir.id === this.dir.id;
    const source: Source = local ? { type: 'local' } : { type: 'inherited', from: this.view.dirName(found.dir.id) };
    if (local || base === 'none' || base === 'legacy') return { value: base, format: 'text', source };
    const below = fullName.slice(this.view.dirName(found.dir.id).length);
    return { value: (base === '/' ? '' : base) + below, format: 'text', source };
  }

  private user(name: string): PropValue | null {
    if (this.ds.kind === 'snapshot') {
      const own = this.ds.props[name];
      if (own !== undefined) return { value: own, format: 'text', source: { type: 'local' } };
    }
    const found = this.findLocal(name);
    if (!found) return null;
    const local = this.ds.kind === 'head' && found.dir.id === this.dir.id;
    return {
      value: found.value,
      format: 'text',
      source: local ? { type: 'local' } : { type: 'inherited', from: this.view.dirName(found.dir.id) },
    };
  }

  /** User properties that apply here (set here or inherited), by name. */
  userPropertyNames(): string[] {
    const names = new Set<string>();
    if (this.ds.kind === 'snapshot') for (const k of Object.keys(this.ds.props)) names.add(k);
    for (let dir: DirRecord | null = this.dir; dir; dir = dir.parent === null ? null : this.view.dir(dir.parent)) {
      for (const k of Object.keys(dir.props)) if (k.includes(':')) names.add(k);
    }
    return [...names].sort();
  }
}
