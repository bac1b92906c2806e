/**
 * The engine's side of native encryption (ZFS dsl_crypt.c), for the library: the keys loaded
 * for an open pool, a new dir's crypt record, and key changes that rewrap master keys and
 * rewrite no data. Wording and the user's key material are the library's (lib/crypto/).
 */
import { DEFAULT_SUITE, Keyring, keyringOf, newMasterKey, setKeyring, unwrapKey, wrapKey, type CryptSuite, type MasterKey } from './blocks/crypt.js';
import { EngineError } from './errno.js';
import type { DslView } from './datasets/view.js';
import type { Pool } from './pool/pool.js';
import type { Image } from './pool/image.js';
import type { Change } from './sync-task.js';
import type { Tables } from './store/environment.js';
import type { DirCrypt, DirRecord, Id, KeyParams } from './store/records.js';

export { DEFAULT_SUITE, WRAPPING_KEY_LEN, type CryptSuite } from './blocks/crypt.js';

/** The keyring of an open pool, made on first need. */
export function keyring(pool: { t: Tables; image: Image }): Keyring {
  let ring = keyringOf(pool.t);
  if (!ring) {
    ring = new Keyring(pool.t);
    setKeyring(pool.t, ring);
  }
  pool.image.keyring = ring;
  return ring;
}

/** keystatus of an encrypted dir: whether its encryption root's key is loaded. */
export function keyLoaded(t: Tables, crypt: DirCrypt): boolean {
  return keyringOf(t)?.loaded(crypt.root) ?? false;
}

/** Whether `wrapping` is the wrapping key of the encryption root `root` (it unwraps its key). */
export function wrappingKeyFits(view: DslView, root: Id, wrapping: Buffer): boolean {
  const crypt = view.dir(root).crypt;
  return crypt !== undefined && unwrapKey(wrapping, crypt) !== null;
}

/** The master key of an encrypted dir, for writing its records; EACCES when not loaded. */
export function masterKeyOf(c: Change, dir: DirRecord): MasterKey | undefined {
  if (!dir.crypt) return undefined;
  const ring = keyringOf(c.tx.t);
  const mk = ring?.loaded(dir.crypt.root) ? ring.master(dir.crypt.key.guid) : undefined;
  if (!mk) throw new EngineError('EACCES');
  c.tx.image.keyring = ring!;
  return mk;
}

/** The crypt record of a new encryption root: a fresh master key wrapped by `wrapping`, whose
 *  key is loaded from now on (as a new root's key is in OpenZFS). */
export function newRootCrypt(c: Change, dir: Id, suite: CryptSuite, params: KeyParams, wrapping: Buffer): DirCrypt {
  const ring = keyring(c.tx);
  ring.add(dir, wrapping);
  const { mk, wrapped } = newMasterKey(suite, wrapping);
  ring.addMaster(mk);
  return { suite, root: dir, key: wrapped, params };
}

/** The crypt record of a new dir that inherits its parent's encryption root (with a suite of
 *  its own, or the parent's): a fresh master key wrapped by the root's loaded wrapping key. */
export function inheritedCrypt(c: Change, parent: DirCrypt, suite: CryptSuite | null): DirCrypt {
  const ring = keyringOf(c.tx.t);
  const wrapping = ring?.wrapping.get(parent.root);
  if (!ring || !wrapping) throw new EngineError('EACCES');
  const { mk, wrapped } = newMasterKey(suite ?? parent.suite, wrapping);
  ring.addMaster(mk);
  c.tx.image.keyring = ring;
  return { suite: suite ?? parent.suite, root: parent.root, key: wrapped };
}

/**
 * zfs change-key (spa_keystore_change_key_sync): the master keys of `dirs` (of encryption root
 * `oldRoot`, whose key must be loaded) are wrapped by `wrapping` under the root `newRoot` (one
 * of them, or with -i the parent's root); `params` are a new root's. Records are not touched.
 */
export function rewrapKeys(c: Change, oldRoot: Id, newRoot: Id, wrapping: Buffer, params: KeyParams | null, dirs: ReadonlySet<Id>): void {
  const ring = keyringOf(c.tx.t);
  const old = ring?.wrapping.get(oldRoot);
  if (!ring || !old) throw new EngineError('EACCES');
  for (const id of dirs) {
    const dir = c.dsl.dir(id);
    const crypt = dir.crypt!;
    const mk = unwrapKey(old, crypt);
    if (!mk) throw new EngineError('EACCES');
    const next: DirCrypt = { suite: crypt.suite, root: newRoot, key: wrapKey(wrapping, mk) };
    if (id === newRoot && params) next.params = params;
    dir.crypt = next;
  }
  if (dirs.has(oldRoot) && oldRoot !== newRoot) ring.remove(oldRoot);
  ring.add(newRoot, wrapping);
  c.tx.image.keyring = ring;
}

/** The kept wrapping keys of a pool (by its encryption roots' head guids) into its keyring; a
 *  kept key that fits no root (destroyed, or changed elsewhere) is passed over. */
export function loadKeptKeys(pool: Pool, kept: Map<string, Buffer>, view: DslView): void {
  if (kept.size === 0) return;
  const ring = keyring(pool);
  for (const { value: dir } of pool.t.dirs.getRange()) {
    if (!dir.crypt?.params || dir.crypt.root !== dir.id) continue;
    const key = kept.get(view.head(dir.id).guid);
    if (key && unwrapKey(key, dir.crypt)) ring.add(dir.id, key);
  }
}

/** Load (or unload) the wrapping key of encryption root `root` for the rest of this command. */
export function setLoaded(pool: Pool, root: Id, wrapping: Buffer | null): void {
  const ring = keyring(pool);
  if (wrapping) ring.add(root, wrapping);
  else ring.remove(root);
}

/** The wrapping key of a loaded encryption root (change-key -i takes its parent's). */
export function loadedWrappingKey(pool: Pool, root: Id): Buffer | undefined {
  return keyringOf(pool.t)?.wrapping.get(root);
}

/**
 * zfs promote of a clone whose origin is an encryption root (dsl_dataset_promote_crypt_sync):
 * the clone becomes the root of every dir that had the origin as root, with its key parameters
 * and keylocation; master keys stay wrapped as they are.
 */
export function moveEncryptionRoot(c: Change, origin: Id, target: Id): void {
  const from = c.dsl.dir(origin);
  const params = from.crypt!.params;
  for (const { key } of c.tx.t.dirs.getRange()) {
    const dir = c.dsl.dir(key as Id);
    if (dir.crypt?.root !== origin) continue;
    dir.crypt = { suite: dir.crypt.suite, root: target, key: dir.crypt.key };
  }
  const to = c.dsl.dir(target);
  to.crypt = { ...to.crypt!, params };
  if (from.props.keylocation !== undefined) to.props.keylocation = from.props.keylocation;
  delete from.props.keylocation;
  const ring = keyringOf(c.tx.t);
  const wrapping = ring?.wrapping.get(origin);
  if (ring && wrapping) {
    ring.remove(origin);
    ring.add(target, wrapping);
  }
}
