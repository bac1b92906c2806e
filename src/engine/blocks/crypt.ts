/**
 * Encryption of records (ZFS zio_crypt.c, dsl_crypt.c), with Node's crypto.
 *
 * Glossary, as OpenZFS has it:
 * - master key: the random key that encrypts a dir's records (its DSL crypto key). It never
 *   changes, so changing a user's key rewrites no data.
 * - wrapping key: what the user's key (a passphrase through PBKDF2-HMAC-SHA1, or 32 raw/hex
 *   bytes) becomes; it wraps (AES-256-GCM) the master keys of every dir of its encryption root.
 * - encryption root: the dir whose wrapping key its encrypted descendants (and clones) use.
 * - key guid: names a master key; each encrypted record's block pointer carries it, with the
 *   record's IV and authentication tag (MAC), so reading a record needs nothing but the pointer.
 *
 * A record is compressed first, then encrypted (same length: GCM and CCM are stream modes), and
 * its checksum covers the ciphertext as stored, so scrub verifies records without any key.
 */
import { createCipheriv, createDecipheriv, randomBytes, type CipherCCMTypes, type CipherGCMTypes } from 'node:crypto';
import type { Tables } from '../store/environment.js';
import type { CryptSuite, DirCrypt, Id, WrappedKey } from '../store/records.js';

export type { CryptSuite };

export const DEFAULT_SUITE: CryptSuite = 'aes-256-gcm';
/** WRAPPING_KEY_LEN, MASTER_KEYLEN */
export const WRAPPING_KEY_LEN = 32;
const IV_LEN = 12;
const MAC_LEN = 16;

const keyLength = (suite: CryptSuite): number => Number(suite.split('-')[1]) / 8;

/** A master key ready to use. */
export interface MasterKey {
  readonly suite: CryptSuite;
  readonly guid: string;
  readonly key: Buffer;
}

function cipher(suite: CryptSuite, key: Buffer, iv: Buffer) {
  return suite.endsWith('gcm')
    ? createCipheriv(suite as CipherGCMTypes, key, iv, { authTagLength: MAC_LEN })
    : createCipheriv(suite as CipherCCMTypes, key, iv, { authTagLength: MAC_LEN });
}

function decipher(suite: CryptSuite, key: Buffer, iv: Uint8Array) {
  return suite.endsWith('gcm')
    ? createDecipheriv(suite as CipherGCMTypes, key, iv, { authTagLength: MAC_LEN })
    : createDecipheriv(suite as CipherCCMTypes, key, iv, { authTagLength: MAC_LEN });
}

/** Encrypt `data` under `mk` with a fresh IV: the ciphertext (same length), the IV and the MAC. */
export function encryptBytes(mk: { suite: CryptSuite; key: Buffer }, data: Uint8Array): { stored: Buffer; iv: Buffer; mac: Buffer } {
  const iv = randomBytes(IV_LEN);
  const c = cipher(mk.suite, mk.key, iv);
  if (mk.suite.endsWith('ccm')) (c as unknown as { setAAD(b: Buffer, o: object): void }).setAAD(Buffer.alloc(0), { plaintextLength: data.length });
  const stored = Buffer.concat([c.update(data), c.final()]);
  return { stored, iv, mac: (c as unknown as { getAuthTag(): Buffer }).getAuthTag() };
}

/** Decrypt `stored` into `out` (as long): false when the MAC does not match (wrong key, damage). */
export function decryptBytes(mk: { suite: CryptSuite; key: Buffer }, iv: Uint8Array, mac: Uint8Array, stored: Uint8Array, out: Buffer): boolean {
  try {
    const d = decipher(mk.suite, mk.key, iv);
    d.setAuthTag(Buffer.from(mac));
    if (mk.suite.endsWith('ccm')) (d as unknown as { setAAD(b: Buffer, o: object): void }).setAAD(Buffer.alloc(0), { plaintextLength: stored.length });
    const head = d.update(stored);
    const tail = d.final();
    head.copy(out, 0);
    tail.copy(out, head.length);
    return true;
  } catch {
    return false;
  }
}

/** A new master key for `suite`, and it wrapped by `wrapping`. */
export function newMasterKey(suite: CryptSuite, wrapping: Buffer): { mk: MasterKey; wrapped: WrappedKey } {
  const mk = { suite, guid: randomBytes(8).toString('hex'), key: randomBytes(keyLength(suite)) };
  return { mk, wrapped: wrapKey(wrapping, mk) };
}

/** Wrap a master key (AES-256-GCM under the wrapping key). */
export function wrapKey(wrapping: Buffer, mk: MasterKey): WrappedKey {
  const { stored, iv, mac } = encryptBytes({ suite: 'aes-256-gcm', key: wrapping }, mk.key);
  return { guid: mk.guid, iv, mac, data: stored };
}

/** The master key of `crypt` under `wrapping`, or null when that is not its wrapping key. */
export function unwrapKey(wrapping: Buffer, crypt: DirCrypt): MasterKey | null {
  const key = Buffer.alloc(crypt.key.data.length);
  if (!decryptBytes({ suite: 'aes-256-gcm', key: wrapping }, crypt.key.iv, crypt.key.mac, crypt.key.data, key)) return null;
  return { suite: crypt.suite, guid: crypt.key.guid, key };
}

/**
 * The keys loaded for one open pool (ZFS's spa_keystore): the wrapping key of each encryption
 * root whose key is loaded, and the master keys they unwrap, found on first use.
 */
export class Keyring {
  private masters: Map<string, MasterKey> | null = null;
  /** master keys made in this command, whose dirs are not committed yet */
  private readonly made = new Map<string, MasterKey>();

  constructor(
    private readonly t: Tables,
    /** encryption root dir -> its wrapping key */
    readonly wrapping: Map<Id, Buffer> = new Map(),
  ) {}

  loaded(root: Id): boolean {
    return this.wrapping.has(root);
  }

  add(root: Id, key: Buffer): void {
    this.wrapping.set(root, key);
    this.masters = null;
  }

  remove(root: Id): void {
    this.wrapping.delete(root);
    this.masters = null;
  }

  /** A master key just made (create, receive), usable before its dir is committed. */
  addMaster(mk: MasterKey): void {
    this.made.set(mk.guid, mk);
  }

  /** The master key named `guid`, or undefined when its root's key is not loaded. */
  master(guid: string): MasterKey | undefined {
    const made = this.made.get(guid);
    if (made) return made;
    if (this.masters === null) {
      this.masters = new Map();
      if (this.wrapping.size > 0) {
        for (const { value: dir } of this.t.dirs.getRange()) {
          const wk = dir.crypt && this.wrapping.get(dir.crypt.root);
          if (!wk || this.masters.has(dir.crypt!.key.guid)) continue;
          const mk = unwrapKey(wk, dir.crypt!);
          if (mk) this.masters.set(mk.guid, mk);
        }
      }
    }
    return this.masters.get(guid);
  }
}

/** Each open pool's keyring, by its tables (a pool with no key loaded has none). */
const rings = new WeakMap<Tables, Keyring>();

export function keyringOf(t: Tables): Keyring | undefined {
  return rings.get(t);
}

export function setKeyring(t: Tables, ring: Keyring): void {
  rings.set(t, ring);
}
