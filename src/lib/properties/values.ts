/**
 * Property values of one dataset, computed from counters only (never by walking blocks):
 * the space formulas of zfs-dsl-semantics.md §1.5 and the inheritance rules of zfsprops(7).
 */
import type { DslView } from '../../engine/datasets/view.js';
import { datasetAvailable, usedOf } from '../../engine/datasets/space.js';
import type { VolumeGeometry } from '../../engine/files/volume.js';
import { volumeGeometryAt } from '../../engine/reading.js';
import { poolUsableBytes } from '../../engine/pool/pool.js';
import type { DatasetRecord, DirRecord, PoolMeta } from '../../engine/model.js';
import { findProperty, type DatasetType, type PropDef, type ValueFormat } from './table.js';
import { isUserPropName } from '../names.js';
import { resumeTokenOf } from '../resumable.js';
import { keyLoaded } from '../../engine/keys.js';

export type Source =
  | { type: 'none' }
  | { type: 'default' }
  | { type: 'local' }
  | { type: 'received' }
  | { type: 'inherited'; from: string };

export interface PropValue {
  value: number | string;
  format: ValueFormat;
  source: Source;
  /** the value received with a stream for this dataset, shown by `zfs get -o received` (in
   *  `value`'s form) */
  received?: number | string;
}

const NONE: Source = { type: 'none' };

/** Where a setting was found: a local value, or else one received with a stream. */
interface Found {
  dir: DirRecord;
  value: string;
  received: boolean;
}

function valueOn(dir: DirRecord, prop: string): Found | null {
  const local = dir.props[prop];
  if (local !== undefined) return { dir, value: local, received: false };
  const received = dir.received?.[prop];
  return received === undefined ? null : { dir, value: received, received: true };
}

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

/** uncompressed over compressed, times 100, rounded down (dsl_get_refratio, dsl_dir_get_compressratio). */
function ratio(sums: { compressed: number; uncompressed: number }): number {
  return sums.compressed === 0 ? 100 : Math.floor((sums.uncompressed * 100) / sums.compressed);
}

/**
 * Whether a filesystem is mounted, as tszfs keeps it (nothing is mounted in the host): `zfs
 * mount`/`unmount` store the state in its dir; until then it is what OpenZFS leaves after create,
 * receive or import, mounted when canmount=on. A filesystem with canmount=off or a mountpoint of
 * none or legacy is never mounted (setting them unmounts it, as `zfs set` does in OpenZFS).
 */
export function mountedNow(stored: boolean | undefined, canmount: string, mountpoint: string): boolean {
  if (canmount === 'off' || !mountpoint.startsWith('/')) return false;
  return stored ?? canmount === 'on';
}

/** ZPL properties live in the file system's master node: `zfs get` shows them with source `-`. */
const ZPL_PROPS = new Set(['version', 'utf8only', 'normalization', 'casesensitivity']);

export class DatasetProps {
  readonly dir: DirRecord;

  constructor(
    private readonly view: DslView,
    private readonly meta: PoolMeta,
    readonly ds: DatasetRecord,
  ) {
    this.dir = view.dir(ds.dir);
  }

  get type(): 'filesystem' | 'volume' | 'snapshot' {
    return this.ds.kind === 'head' ? this.headType : 'snapshot';
  }

  /** What the dataset's dir holds, which a snapshot's properties follow too. */
  get headType(): 'filesystem' | 'volume' {
    return this.dir.type ?? 'filesystem';
  }

  /** zfs_prop_valid_for_type, and for a snapshot also for its head's type unless the property is
   *  a snapshot's own (get_numeric_property): a volume's snapshot has no `atime`, a
   *  filesystem's no `volsize`. */
  private applies(def: PropDef): boolean {
    const types: readonly DatasetType[] = def.types;
    if (!types.includes(this.type)) return false;
    return this.type !== 'snapshot' || types.includes(this.headType) || (types.length === 1 && types[0] === 'snapshot');
  }

  /** volsize and volblocksize, which the volume's data object carries (read once). */
  private volume: VolumeGeometry | undefined;
  private geometry(): VolumeGeometry {
    this.volume ??= volumeGeometryAt(this.view.t, this.ds.root);
    return this.volume;
  }

  get name(): string {
    return this.view.datasetName(this.ds);
  }

  /** Whether this filesystem is mounted (mountedNow); a volume or snapshot never is. */
  isMounted(): boolean {
    if (this.type !== 'filesystem') return false;
    return mountedNow(this.dir.mounted, String(this.get('canmount')?.value), String(this.get('mountpoint')?.value));
  }

  /** Whether it is shared: mounted, with sharenfs or sharesmb on (or options), and not unshared. */
  isShared(): boolean {
    if (!this.isMounted() || this.legacyShare()) return false;
    return this.dir.shared ?? true;
  }

  /** Both sharenfs and sharesmb off: `zfs share` leaves it to exports(5) or smb.conf(5). */
  legacyShare(): boolean {
    return this.get('sharenfs')?.value === 'off' && this.get('sharesmb')?.value === 'off';
  }

  /** The value of a native or user property, or null where it does not apply. */
  get(name: string): PropValue | null {
    if (isUserPropName(name)) return this.user(name);
    const def = findProperty(name);
    if (!def || !this.applies(def)) return null;
    return this.native(def);
  }

  private stat(value: number | string | null, format: ValueFormat): PropValue | null {
    return value === null ? null : { value, format, source: NONE };
  }

  private native(def: PropDef): PropValue | null {
    const ds = this.ds;
    const used = this.dir.used;
    // Only snapshots have holds fields.
    const snap: { deferDestroy?: boolean; userrefs?: number } = ds.kind === 'snapshot' ? ds : {};
    switch (def.name) {
      case 'name':
        return this.stat(this.name, 'text');
      case 'type':
        return this.stat(this.type, 'text');
      case 'creation':
        return this.stat(ds.creation, 'date');
      case 'used':
        return this.stat(ds.kind === 'snapshot' ? ds.unique : usedOf(this.dir), 'bytes');
      case 'available':
        return this.stat(datasetAvailable(this.view, ds, poolUsableBytes(this.meta)), 'bytes');
      case 'referenced':
        return this.stat(ds.referenced, 'bytes');
      // A snapshot's compressratio is its own (dsl_get_compressratio); a filesystem's is its dir's.
      case 'compressratio':
        return this.stat(ds.kind === 'snapshot' ? ratio(ds) : ratio(this.dir), 'ratio');
      case 'refcompressratio':
        return this.stat(ratio(ds), 'ratio');
      case 'mounted':
        return this.stat(this.isMounted() ? 'yes' : 'no', 'text');
      case 'origin':
        return this.stat(this.dir.origin === null || ds.kind !== 'head' ? null : this.view.datasetName(this.view.ds(this.dir.origin)), 'text');
      case 'createtxg':
        return this.stat(ds.createTxg, 'raw');
      case 'guid':
        return this.stat(ds.guid, 'raw');
      case 'objsetid':
        return this.stat(ds.id, 'raw');
      case 'usedbysnapshots':
        return this.stat(used.snap, 'bytes');
      case 'usedbydataset':
        return this.stat(used.head, 'bytes');
      case 'usedbychildren':
        return this.stat(used.child + used.childRsrv, 'bytes');
      case 'usedbyrefreservation':
        return this.stat(used.refrsrv, 'bytes');
      case 'defer_destroy':
        return this.stat(snap.deferDestroy ? 'on' : 'off', 'text');
      case 'userrefs':
        return this.stat(snap.userrefs ?? 0, 'number');
      case 'written':
        return this.stat(writtenSince(this.view, ds, ds.prev === null ? null : this.view.ds(ds.prev)), 'number');
      case 'clones':
        return this.stat(this.clones(), 'text');
      // Metadata counts as zero: logical sizes are the data records' lsize sums.
      case 'logicalused':
        return this.stat(this.dir.uncompressed, 'number');
      case 'logicalreferenced':
        return this.stat(ds.uncompressed, 'number');
      case 'filesystem_count':
      case 'snapshot_count':
        // Counts are kept only below a limit; with none set anywhere they read `none`.
        return { value: 'none', format: 'number', source: { type: 'default' } };
      case 'snapshots_changed':
        return this.stat(this.snapshotsChanged(), 'datetime');
      case 'mountpoint':
        return this.mountpoint();
      case 'version':
        // ZPL_VERSION unless created older (zfs create -o version=N, or on a legacy pool).
        return this.stat(this.dir.props.version ?? '5', 'text');
      case 'receive_resume_token':
        return ds.kind === 'head' ? this.stat(resumeTokenOf(this.view, this.dir.id), 'text') : null;
      case 'encryptionroot':
      case 'keystatus':
      case 'encryption':
      case 'keyformat':
      case 'pbkdf2iters':
        return this.cryptProp(def);
      case 'redact_snaps':
        return null;
      // With no source, libzfs calls volsize local (snapshots too); volblocksize reads default
      // only at the default size (zvol_get_stats), and `-` otherwise.
      case 'volsize':
        return { value: this.geometry().size, format: 'number', source: { type: 'local' } };
      case 'volblocksize': {
        const blocksize = this.geometry().blocksize;
        return { value: blocksize, format: 'number', source: String(blocksize) === def.default ? { type: 'default' } : NONE };
      }
      default:
        return def.attr === 'readonly' ? null : this.setting(def);
    }
  }

  /**
   * The encryption properties (dsl_dataset_crypt_stats): an encrypted dataset's come from its
   * crypto key and its encryption root's, with no source (`-`); an unencrypted one has the
   * defaults, and no encryptionroot or keystatus.
   */
  private cryptProp(def: PropDef): PropValue | null {
    const crypt = this.dir.crypt;
    if (!crypt) return def.name === 'encryptionroot' || def.name === 'keystatus' ? null : this.setting(def);
    const params = this.view.dir(crypt.root).crypt?.params;
    switch (def.name) {
      case 'encryption':
        return { value: crypt.suite, format: 'text', source: NONE };
      case 'keyformat':
        return { value: params?.keyformat ?? 'none', format: 'text', source: NONE };
      case 'pbkdf2iters':
        return { value: params?.iters ?? 0, format: 'raw', source: NONE };
      case 'encryptionroot':
        return { value: this.view.dirName(crypt.root), format: 'text', source: NONE };
      default:
        return { value: keyLoaded(this.view.t, crypt) ? 'available' : 'unavailable', format: 'text', source: NONE };
    }
  }

  /**
   * A settable property: the local value, the nearest ancestor's for an inheritable one, else
   * OpenZFS's default. A snapshot reads its filesystem's settings as inherited from it.
   */
  private setting(def: PropDef): PropValue {
    const found = def.inheritable ? this.findLocal(def.name) : this.ownLocal(def.name);
    let value = found?.value ?? def.default ?? '-';
    let source: Source = found ? this.sourceOf(found) : { type: 'default' };
    if (ZPL_PROPS.has(def.name)) source = NONE;
    // Limits store UINT64_MAX for none, which reads `none` even with -p.
    if (def.noneValue !== undefined && def.noneValue !== 0n && value === def.noneValue.toString()) value = 'none';
    const received = this.receivedHere(def.name);
    if (def.kind !== 'number' || !/^\d+$/.test(value)) return { value, format: 'text', source, received };
    const number = (v: string) => (Number.isSafeInteger(Number(v)) ? Number(v) : v);
    return { value: number(value), format: def.format, source, received: received === undefined ? undefined : number(received) };
  }

  /** local or received here, else inherited from the dir it was found on. */
  private sourceOf(found: Found): Source {
    if (found.dir.id !== this.dir.id || this.ds.kind !== 'head') return { type: 'inherited', from: this.view.dirName(found.dir.id) };
    return found.received ? { type: 'received' } : { type: 'local' };
  }

  private receivedHere(prop: string): string | undefined {
    return this.ds.kind === 'head' ? this.dir.received?.[prop] : this.ds.received?.[prop];
  }

  private ownLocal(prop: string): Found | null {
    if (this.ds.kind !== 'head') return null;
    return valueOn(this.dir, prop);
  }

  /** When a snapshot of this filesystem last came (tszfs keeps no separate stamp: the newest
   *  snapshot's creation, so a destroy does not move it). */
  private snapshotsChanged(): number | null {
    if (this.ds.kind !== 'head') return null;
    const ids = this.view.snapshotIds(this.dir.id);
    return ids.length === 0 ? null : Math.max(...ids.map((id) => this.view.ds(id).creation));
  }

  private clones(): string | null {
    if (this.ds.kind !== 'snapshot' || this.ds.numClones === 0) return null;
    return this.view
      .cloneIds(this.ds.id)
      .map((id) => this.view.dirName(this.view.ds(id).dir))
      .sort()
      .join(',');
  }

  /** The nearest dir (this one, then ancestors) where `prop` is set locally or received. */
  private findLocal(prop: string): Found | null {
    for (let dir: DirRecord | null = this.dir; dir; dir = dir.parent === null ? null : this.view.dir(dir.parent)) {
      const found = valueOn(dir, prop);
      if (found) return found;
    }
    return null;
  }

  /** `/pool/child/...` below the nearest local mountpoint; `none` and `legacy` inherit verbatim.
   *  A pool imported or created with an altroot shows every path below it. */
  private mountpoint(): PropValue | null {
    const found = this.findLocal('mountpoint');
    const fullName = this.view.dirName(this.dir.id);
    const altroot = this.meta.props.altroot;
    const rooted = (p: string) => (altroot && p.startsWith('/') ? (p === '/' ? altroot : altroot.replace(/\/$/, '') + p) : p);
    if (!found) return { value: rooted('/' + fullName), format: 'text', source: { type: 'default' } };
    const base = found.value;
    const local = found.dir.id === this.dir.id;
    const source: Source = local ? (found.received ? { type: 'received' } : { type: 'local' }) : { type: 'inherited', from: this.view.dirName(found.dir.id) };
    if (local || base === 'none' || base === 'legacy') return { value: rooted(base), format: 'text', source };
    const below = fullName.slice(this.view.dirName(found.dir.id).length);
    return { value: rooted((base === '/' ? '' : base) + below), format: 'text', source };
  }

  private user(name: string): PropValue | null {
    const received = this.receivedHere(name);
    if (this.ds.kind === 'snapshot') {
      const own = this.ds.props[name];
      if (own !== undefined) return { value: own, format: 'text', source: { type: 'local' }, received };
      if (received !== undefined) return { value: received, format: 'text', source: { type: 'received' }, received };
    }
    const found = this.findLocal(name);
    if (!found) return null;
    return { value: found.value, format: 'text', source: this.sourceOf(found), received };
  }

  /** User properties that apply here (set here or inherited), by name. */
  userPropertyNames(): string[] {
    const names = new Set<string>();
    if (this.ds.kind === 'snapshot') for (const k of Object.keys({ ...this.ds.props, ...this.ds.received })) names.add(k);
    for (let dir: DirRecord | null = this.dir; dir; dir = dir.parent === null ? null : this.view.dir(dir.parent)) {
      for (const k of Object.keys({ ...dir.props, ...dir.received })) if (isUserPropName(k)) names.add(k);
    }
    return [...names].sort();
  }
}
