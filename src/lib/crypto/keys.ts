/**
 * `zfs load-key`, `unload-key` and `change-key` (libzfs_crypto.c: zfs_crypto_load_key,
 * zfs_crypto_unload_key, zfs_crypto_rewrap), with libzfs's messages. A loaded key is the
 * wrapping key, kept between commands as keystore.ts says; change-key rewraps master keys and
 * rewrites no data.
 */
import type { DslView } from '../../engine/datasets/view.js';
import { keyLoaded, loadedWrappingKey, rewrapKeys, setLoaded, wrappingKeyFits } from '../../engine/keys.js';
import type { DirRecord, Id, KeyParams } from '../../engine/model.js';
import { ZfsError, notFound } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName, isUserPropName } from '../names.js';
import { headKind, type PoolHandle } from '../pool-handle.js';
import { isFeatureEnabled } from '../pool-features.js';
import { PropertyError, validateAssignment } from '../properties/assign.js';
import { withPool, withPoolOf } from '../session.js';
import { DatasetProps } from '../properties/values.js';
import { newKey } from './create.js';
import { dropKey, saveKey } from './keystore.js';
import { deriveKey, KeyError, keyMaterial, type KeyFormat, type KeyIo } from './material.js';

const LOAD = 'Key load error';
const UNLOAD = 'Key unload error';
const CHANGE = 'Key change error';
/** MAX_KEY_PROMPT_ATTEMPTS */
const ATTEMPTS = 3;

/** A filesystem or volume as the key commands see it. */
export interface KeyTarget {
  name: string;
  /** an encryption root */
  root: boolean;
  /** its encryption root's key is loaded */
  loaded: boolean;
  /** it is encrypted */
  encrypted?: boolean;
}

function openDir(h: PoolHandle, view: DslView, name: string): Id {
  const bad = checkDatasetName(name, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  const dir = h.findDir(view, name);
  if (dir === undefined) throw notFound(name);
  return dir;
}

const loadedKey = (h: PoolHandle, dir: DirRecord) => dir.crypt !== undefined && keyLoaded(h.pool.t, dir.crypt);

/**
 * The filesystems and volumes at and below `name` (every one of every pool for null), in the
 * order zfs_for_each visits them, with what load_key_callback's -r/-a filter needs.
 */
export function keyTargets(home: Home, name: string | null): KeyTarget[] {
  const out: KeyTarget[] = [];
  const walk = (h: PoolHandle, view: DslView, dir: Id) => {
    const d = view.dir(dir);
    out.push({ name: view.dirName(dir), root: d.crypt?.root === dir, loaded: loadedKey(h, d), encrypted: d.crypt !== undefined });
    const children = view.childDirs(dir).map((c) => ({ c, n: view.dir(c).name }));
    children.sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0)).forEach(({ c }) => walk(h, view, c));
  };
  if (name === null) {
    for (const pool of home.pools()) withPool(home, pool.name, (h) => walk(h, h.view(), h.rootDir()));
    return out;
  }
  withPoolOf(
    home,
    name,
    (h) => {
      const view = h.view();
      walk(h, view, openDir(h, view, name));
    },
    () => {
      throw notFound(name);
    },
  );
  return out;
}

/** The checks load-key and unload-key share: encrypted, an encryption root. */
function rootOf(h: PoolHandle, view: DslView, name: string, errbuf: string, verb: 'loaded' | 'unloaded'): DirRecord {
  const fail = (text: string) => ZfsError.action(errbuf, text);
  if (!isFeatureEnabled(h.pool.meta(), 'encryption')) throw fail('Encryption feature not enabled.');
  const dir = view.dir(openDir(h, view, name));
  if (!dir.crypt) throw fail(`'${name}' is not encrypted.`);
  if (dir.crypt.root !== dir.id) throw fail(`Keys must be ${verb} for encryption root of '${name}' (${view.dirName(dir.crypt.root)}).`);
  return dir;
}

/** The user's key for root `dir` made into its wrapping key, tried as libzfs tries it (a
 *  terminal gets three attempts). */
function wrappingKeyFor(view: DslView, dir: DirRecord, name: string, keylocation: string, io: KeyIo, errbuf: string, onError: (lines: string[]) => void): Buffer {
  const params = dir.crypt!.params!;
  for (let attempt = 1; ; attempt++) {
    let text: string;
    try {
      const material = keyMaterial(io, params.keyformat, keylocation, name, false);
      const wrapping = deriveKey(params.keyformat, material, BigInt(params.salt), params.iters);
      if (wrappingKeyFits(view, dir.id, wrapping)) return wrapping;
      text = `Incorrect key provided for '${name}'.`;
    } catch (err) {
      if (!(err instanceof KeyError)) throw err;
      text = err.message;
    }
    const error = ZfsError.action(errbuf, text);
    if (!(keylocation === 'prompt' && io.input.isTTY && params.keyformat !== 'raw') || attempt >= ATTEMPTS) throw error;
    onError(error.lines);
  }
}

/** zfs_crypto_load_key(): `noop` (-n) only checks the key; `keylocation` (-L) overrides the property. */
export function loadKey(home: Home, name: string, opts: LoadOptions): void {
  withPoolOf(
    home,
    name,
    (h) => loadKeyIn(home, h, name, opts),
    () => {
      throw notFound(name);
    },
  );
}

interface LoadOptions {
  noop: boolean;
  keylocation?: string;
  io: KeyIo;
  onError: (lines: string[]) => void;
}

function loadKeyIn(home: Home, h: PoolHandle, name: string, opts: LoadOptions): void {
  const view = h.view();
  const dir = rootOf(h, view, name, LOAD, 'loaded');
  const keylocation = opts.keylocation ?? dir.props.keylocation ?? 'none';
  if (!opts.noop && loadedKey(h, dir)) throw ZfsError.action(LOAD, `Key already loaded for '${name}'.`);
  const wrapping = wrappingKeyFor(view, dir, name, keylocation, opts.io, LOAD, opts.onError);
  if (opts.noop) return;
  saveKey(home, h.pool.meta().guid, view.head(dir.id).guid, wrapping);
  setLoaded(h.pool, dir.id, wrapping);
}

/** zfs_crypto_unload_key(): a root whose datasets are mounted is busy, as the kernel has it. */
export function unloadKey(home: Home, name: string): void {
  withPoolOf(
    home,
    name,
    (h) => {
      const view = h.view();
      const dir = rootOf(h, view, name, UNLOAD, 'unloaded');
      if (!loadedKey(h, dir)) throw ZfsError.action(UNLOAD, `Key already unloaded for '${name}'.`);
      if (anyMounted(h, view, dir.id)) throw ZfsError.action(UNLOAD, `'${name}' is busy.`);
      dropKey(home, h.pool.meta().guid, view.head(dir.id).guid);
      setLoaded(h.pool, dir.id, null);
    },
    () => {
      throw notFound(name);
    },
  );
}

/** Whether a filesystem of encryption root `root` is mounted (as tszfs keeps the state). */
function anyMounted(h: PoolHandle, view: DslView, root: Id): boolean {
  for (const { value: dir } of view.t.dirs.getRange()) {
    if (dir.crypt?.root === root && new DatasetProps(view, h.pool.meta(), view.head(dir.id)).isMounted()) return true;
  }
  return false;
}

export interface ChangeKeyOptions {
  /** -o assignments */
  props: Array<[string, string]>;
  /** -i: inherit the parent's encryption root */
  inherit: boolean;
  /** -l: load the key first when it is not */
  load: boolean;
  io: KeyIo;
  onError: (lines: string[]) => void;
}

/** zfs_do_change_key(): the dataset must open (else its error and the usage); then as libzfs. */
export function changeKey(home: Home, name: string, opts: ChangeKeyOptions, history: string): void {
  withPoolOf(
    home,
    name,
    (h) => {
      let view = h.view();
      const dirId = openDir(h, view, name);
      if (opts.load && view.dir(dirId).crypt && !loadedKey(h, view.dir(dirId))) {
        const root = view.dir(dirId).crypt!.root;
        loadKeyIn(home, h, view.dirName(root), { noop: false, io: opts.io, onError: opts.onError });
        view = h.view();
      }
      rewrap(home, h, view, dirId, name, opts, history);
    },
    () => {
      throw notFound(name);
    },
  );
}

function rewrap(home: Home, h: PoolHandle, view: DslView, dirId: Id, name: string, opts: ChangeKeyOptions, history: string): void {
  const fail = (text: string) => ZfsError.action(CHANGE, text);
  if (!isFeatureEnabled(h.pool.meta(), 'encryption')) throw fail('Encryption feature not enabled.');
  const dir = view.dir(dirId);
  if (!dir.crypt) throw fail('Dataset not encrypted.');
  const isRoot = dir.crypt.root === dir.id;
  if (dir.origin !== null) throw fail('Keys cannot be changed on clones.');
  const given = checkRewrapProps(opts.props, opts.inherit, headKind(view, dirId));
  let params: KeyParams | null = null;
  let wrapping: Buffer;
  let newRoot: Id = dirId;
  if (!opts.inherit) {
    let keyformat = given.keyformat as KeyFormat | undefined;
    let keylocation = given.keylocation;
    if (isRoot) {
      keyformat ??= dir.crypt.params!.keyformat;
      keylocation ??= dir.props.keylocation ?? 'prompt';
    } else {
      if (keyformat === undefined) throw fail('Keyformat required for new encryption root.');
      keylocation ??= 'prompt';
    }
    given.keylocation = keylocation;
    ({ params, wrapping } = newKey(opts.io, keyformat, keylocation, given.pbkdf2iters, name, CHANGE));
  } else {
    if (!isRoot) throw fail('Key inheritting can only be performed on encryption roots.');
    if (dir.parent === null) throw fail('Root dataset cannot inherit key.');
    const parent = view.dir(dir.parent);
    if (!parent.crypt) throw fail('Parent must be encrypted.');
    if (!loadedKey(h, parent)) throw fail('Parent key must be loaded.');
    newRoot = parent.crypt.root;
    wrapping = loadedWrappingKey(h.pool, newRoot)!;
  }
  if (!loadedKey(h, dir)) throw fail('Key must be loaded.');
  const oldRoot = dir.crypt.root;
  const oldRootGuid = view.head(oldRoot).guid;
  h.change(history, (c) => {
    const d = c.dsl.dir(dirId);
    if (!d.crypt || d.crypt.root !== oldRoot) throw fail('Invalid properties for key change.');
    rewrapKeys(c, oldRoot, newRoot, wrapping, params, subtreeOf(c.dsl, dirId, oldRoot));
    for (const [k, v] of Object.entries(given)) {
      if (isUserPropName(k)) d.props[k] = v;
    }
    if (opts.inherit) delete d.props.keylocation;
    else d.props.keylocation = given.keylocation!;
  });
  const poolGuid = h.pool.meta().guid;
  if (opts.inherit) dropKey(home, poolGuid, oldRootGuid);
  else {
    // The old root keeps its key when the dataset left it for a root of its own.
    saveKey(home, poolGuid, h.view().head(dirId).guid, wrapping);
  }
}

/**
 * The dirs that follow `dirId` to its new root (spa_keystore_change_key_sync_impl): itself, its
 * descendants under the same encryption root, and their clones.
 */
function subtreeOf(view: DslView, dirId: Id, root: Id): Set<Id> {
  const out = new Set<Id>();
  const visit = (d: Id) => {
    const dir = view.dir(d);
    if (dir.crypt?.root !== root || out.has(d)) return;
    out.add(d);
    view.childDirs(d, true).forEach(visit);
  };
  visit(dirId);
  // Clones of what moved move with it.
  for (let grew = true; grew; ) {
    grew = false;
    for (const { value: dir } of view.t.dirs.getRange()) {
      if (out.has(dir.id) || dir.origin === null || dir.crypt?.root !== root) continue;
      if (out.has(view.ds(dir.origin).dir)) {
        visit(dir.id);
        grew = true;
      }
    }
  }
  return out;
}

/** zfs_crypto_verify_rewrap_nvlist() and zfs_valid_proplist() on what change-key -o gives. */
function checkRewrapProps(props: Array<[string, string]>, inherit: boolean, type: 'filesystem' | 'volume'): Record<string, string> {
  const out: Record<string, string> = {};
  const onlyUser = "Only user properties may be set with 'zfs change-key -i'";
  for (const [name] of props) {
    const keyParam = name === 'keyformat' || name === 'keylocation' || name === 'pbkdf2iters';
    if (keyParam && inherit) throw ZfsError.action(CHANGE, onlyUser);
    if (!keyParam && !isUserPropName(name)) {
      throw ZfsError.action(CHANGE, inherit ? onlyUser : 'Only keyformat, keylocation, pbkdf2iters, and user properties may be set with this command.');
    }
  }
  try {
    for (const [name, value] of props) {
      const v = validateAssignment(name, value, type, true);
      out[v.name] = v.value;
    }
  } catch (err) {
    if (err instanceof PropertyError) throw ZfsError.action(CHANGE, err.message);
    throw err;
  }
  if (out.keyformat === 'none') delete out.keyformat;
  return out;
}

/** The command line of a load-key or unload-key that succeeded, in the history of the pool it
 *  acted on last (zfs_main logs once, where the last logged ioctl went). */
export function logKeyCommand(home: Home, pool: string, line: string): void {
  withPool(home, pool, (h) => h.change(line, () => undefined));
}
