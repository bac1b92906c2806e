/**
 * The encryption of a new filesystem or volume, decided as zfs_crypto_create (libzfs) and
 * dmu_objset_create_crypt_check / dsl_dataset_create_crypt_sync (kernel) decide it: the
 * `encryption`, `keyformat`, `keylocation` and `pbkdf2iters` given to `create` are taken as
 * one set, whatever their order on the command line.
 */
import { DEFAULT_SUITE, inheritedCrypt, newRootCrypt, type CryptSuite } from '../../engine/keys.js';
import type { Change } from '../pool-handle.js';
import type { DirCrypt, HeadRecord, Id, KeyParams, PoolMeta } from '../../engine/model.js';
import { ZfsError } from '../errors.js';
import { isFeatureEnabled } from '../pool-features.js';
import { DEFAULT_PBKDF2_ITERATIONS, deriveKey, KeyError, keyMaterial, newSalt, type KeyFormat, type KeyIo } from './material.js';

const CRYPT_PROPS = ['encryption', 'keyformat', 'keylocation', 'pbkdf2iters'] as const;

/** What a create does about encryption, worked out before its transaction (the key is read then). */
export type CryptPlan =
  | { kind: 'none' }
  /** encrypted under the parent's encryption root; `suite` when given, else the parent's */
  | { kind: 'inherit'; suite: CryptSuite | null }
  | { kind: 'root'; suite: CryptSuite; params: KeyParams; wrapping: Buffer };

const suiteOf = (value: string): CryptSuite => (value === 'on' ? DEFAULT_SUITE : (value as CryptSuite));

/** proplist_has_encryption_props() */
export function hasEncryptionProps(props: Record<string, string>): boolean {
  return (
    (props.encryption !== undefined && props.encryption !== 'off') ||
    (props.keylocation !== undefined && props.keylocation !== 'none') ||
    props.keyformat !== undefined ||
    props.pbkdf2iters !== undefined
  );
}

/**
 * zfs_crypto_create(): the plan for a dataset created under a parent encrypted with
 * `parentSuite` (null: not encrypted, or a new pool's root). The encryption properties are
 * removed from `props` (they live in the dir's crypt record), except a root's `keylocation`,
 * which stays a local property. Throws `action: description` as libzfs words it.
 */
export function planCrypt(
  meta: PoolMeta | null,
  props: Record<string, string>,
  parentSuite: CryptSuite | null,
  io: KeyIo | null,
  action: string,
): CryptPlan {
  const given = { ...props };
  for (const p of CRYPT_PROPS) delete props[p];
  const fail = (text: string) => ZfsError.action(action, text);
  if (!hasEncryptionProps(given) && given.encryption === undefined && parentSuite === null) return { kind: 'none' };
  if (meta && !isFeatureEnabled(meta, 'encryption')) {
    if (hasEncryptionProps(given)) throw fail('Encryption feature not enabled.');
    return { kind: 'none' };
  }
  const crypt = given.encryption !== undefined ? given.encryption : parentSuite ?? 'off';
  if (crypt === 'off') {
    if (hasEncryptionProps(given)) throw fail('Encryption must be turned on to set encryption properties.');
    return { kind: 'none' };
  }
  const keyformat = given.keyformat !== undefined && given.keyformat !== 'none' ? (given.keyformat as KeyFormat) : null;
  let keylocation = given.keylocation;
  if (parentSuite === null && keylocation === undefined && keyformat === null) throw fail('Keyformat required for new encryption root.');
  if (keylocation !== undefined && keyformat === null) throw fail('Keyformat required for new encryption root.');
  if (keyformat !== null && keylocation === undefined) keylocation = 'prompt';
  if (keylocation === undefined || keyformat === null) {
    // The kernel's check: a key that is fully unspecified inherits the parent's.
    return { kind: 'inherit', suite: given.encryption !== undefined ? suiteOf(crypt) : null };
  }
  if (io === null && keylocation === 'prompt') throw fail("Cannot use 'prompt' keylocation because stdin is in use.");
  // populate_create_encryption_params_nvlists(zhp = NULL): the prompt names no dataset.
  const { params, wrapping } = newKey(io, keyformat, keylocation, given.pbkdf2iters, null, action);
  props.keylocation = keylocation;
  return { kind: 'root', suite: suiteOf(crypt), params, wrapping };
}

/** populate_create_encryption_params_nvlists(): a new key's parameters and wrapping key. */
export function newKey(
  io: KeyIo | null,
  keyformat: KeyFormat,
  keylocation: string,
  pbkdf2iters: string | undefined,
  name: string | null,
  action: string,
): { params: KeyParams; wrapping: Buffer } {
  try {
    const material = keyMaterial(io ?? NO_INPUT, keyformat, keylocation, name, true);
    let salt = 0n;
    let iters = 0;
    if (keyformat === 'passphrase') {
      salt = newSalt();
      iters = pbkdf2iters === undefined ? DEFAULT_PBKDF2_ITERATIONS : Number(pbkdf2iters);
    } else if (pbkdf2iters !== undefined) {
      throw new KeyError('Cannot specify pbkdf2iters with a non-passphrase keyformat.');
    }
    return { params: { keyformat, salt: salt.toString(), iters }, wrapping: deriveKey(keyformat, material, salt, iters) };
  } catch (err) {
    if (err instanceof KeyError) throw ZfsError.action(action, err.message);
    throw err;
  }
}

const NO_INPUT: KeyIo = { input: { isTTY: false, read: () => 0 }, prompt: () => undefined };

/**
 * dsl_dataset_create_crypt_sync(), inside the create's transaction: the new dir's crypt record.
 * Inheriting needs the parent's encryption root's key loaded (EACCES otherwise, which zfs_create
 * words `encryption root's key is not loaded or provided`).
 */
export function applyCrypt(c: Change, dir: Id, parentCrypt: DirCrypt | undefined, plan: CryptPlan, action: string): void {
  if (plan.kind === 'none') return;
  let crypt: DirCrypt;
  if (plan.kind === 'root') crypt = newRootCrypt(c, dir, plan.suite, plan.params, plan.wrapping);
  else {
    if (!parentCrypt) throw ZfsError.action(action, 'invalid argument');
    try {
      crypt = inheritedCrypt(c, parentCrypt, plan.suite);
    } catch {
      throw ZfsError.action(action, "encryption root's key is not loaded or provided");
    }
  }
  const d = c.dsl.dir(dir);
  d.crypt = crypt;
  const head = c.dsl.ds(d.head) as HeadRecord;
  head.features = [...new Set([...(head.features ?? []), 'encryption'])];
}

/** An ancestor `zfs create -p` makes under an encrypted parent is encrypted as the parent. */
export function inheritParentCrypt(c: Change, dir: Id, action: string): void {
  const parent = c.dsl.dir(dir).parent;
  const crypt = parent === null ? undefined : c.dsl.dir(parent).crypt;
  if (crypt) applyCrypt(c, dir, crypt, { kind: 'inherit', suite: null }, action);
}
