/**
 * Raw streams (send -w) of encrypted datasets: the key material BEGIN carries, and the crypt
 * record a raw receive makes of it (ZFS dsl_crypto_populate_key_nvlist / dsl_crypto_recv_raw).
 */
import type { DslView } from '../../engine/datasets/view.js';
import type { DirCrypt, DirRecord, Id } from '../../engine/model.js';
import type { StreamCrypt } from '../../engine/streams/format.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The key material of an encrypted dir, as a raw stream's BEGIN carries it. */
export function streamCryptOf(view: DslView, dir: DirRecord): StreamCrypt | undefined {
  const crypt = dir.crypt;
  if (!crypt) return undefined;
  const params = view.dir(crypt.root).crypt?.params ?? { keyformat: 'passphrase', salt: '0', iters: 0 };
  return {
    suite: crypt.suite,
    key: { guid: crypt.key.guid, iv: hex(crypt.key.iv), mac: hex(crypt.key.mac), data: hex(crypt.key.data) },
    keyformat: params.keyformat,
    salt: params.salt,
    iters: params.iters,
  };
}

/** A raw receive's new filesystem is an encryption root of the sender's key (keylocation=prompt). */
export function cryptFromStream(sc: StreamCrypt, dir: Id): DirCrypt {
  return {
    suite: sc.suite as DirCrypt['suite'],
    root: dir,
    key: { guid: sc.key.guid, iv: Buffer.from(sc.key.iv, 'hex'), mac: Buffer.from(sc.key.mac, 'hex'), data: Buffer.from(sc.key.data, 'hex') },
    params: { keyformat: sc.keyformat as 'raw' | 'hex' | 'passphrase', salt: sc.salt, iters: sc.iters },
  };
}
