/**
 * Record encryption (engine/blocks/crypt.ts) and the user's key (lib/crypto/material.ts): every
 * suite round-trips and detects a changed byte, a master key unwraps only under its wrapping key,
 * and a passphrase becomes the wrapping key OpenZFS derives (PBKDF2-HMAC-SHA1, 64-bit LE salt).
 */
import { pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptBytes, encryptBytes, newMasterKey, unwrapKey, type CryptSuite } from '../../src/engine/blocks/crypt.js';
import { deriveKey, KeyError, validateKey } from '../../src/lib/crypto/material.js';

const SUITES: CryptSuite[] = ['aes-128-ccm', 'aes-192-ccm', 'aes-256-ccm', 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm'];

describe('record encryption', () => {
  for (const suite of SUITES) {
    it(`${suite}: round trip, same length, a flipped byte or another key refused`, () => {
      const wrapping = Buffer.alloc(32, 1);
      const { mk } = newMasterKey(suite, wrapping);
      const data = Buffer.from('record '.repeat(1000));
      const { stored, iv, mac } = encryptBytes(mk, data);
      expect(stored.length).toBe(data.length);
      expect(stored.includes(Buffer.from('record record'))).toBe(false);
      const out = Buffer.alloc(data.length);
      expect(decryptBytes(mk, iv, mac, stored, out)).toBe(true);
      expect(out.equals(data)).toBe(true);
      const bad = Buffer.from(stored);
      bad[17] ^= 1;
      expect(decryptBytes(mk, iv, mac, bad, out)).toBe(false);
      const other = newMasterKey(suite, wrapping).mk;
      expect(decryptBytes(other, iv, mac, stored, out)).toBe(false);
    });
  }

  it('a master key unwraps under its wrapping key only', () => {
    const { mk, wrapped } = newMasterKey('aes-256-gcm', Buffer.alloc(32, 2));
    const crypt = { suite: 'aes-256-gcm' as const, root: 1, key: wrapped };
    expect(unwrapKey(Buffer.alloc(32, 2), crypt)?.key.equals(mk.key)).toBe(true);
    expect(unwrapKey(Buffer.alloc(32, 3), crypt)).toBeNull();
  });
});

describe('user keys', () => {
  it('derive as OpenZFS: raw as is, hex decoded, passphrase through PBKDF2-HMAC-SHA1 with the salt little-endian', () => {
    expect(deriveKey('raw', Buffer.alloc(32, 9), 0n, 0).equals(Buffer.alloc(32, 9))).toBe(true);
    expect(deriveKey('hex', Buffer.from('ab'.repeat(32)), 0n, 0).equals(Buffer.alloc(32, 0xab))).toBe(true);
    const salt = Buffer.alloc(8);
    salt.writeBigUInt64LE(0x0102030405060708n);
    expect(deriveKey('passphrase', Buffer.from('password'), 0x0102030405060708n, 1000).equals(pbkdf2Sync('password', salt, 1000, 32, 'sha1'))).toBe(true);
  });

  it('validate lengths and digits with libzfs messages', () => {
    const msg = (f: () => void) => {
      try {
        f();
        return null;
      } catch (err) {
        return err instanceof KeyError ? err.message : String(err);
      }
    };
    expect(msg(() => validateKey('raw', Buffer.alloc(33), true))).toBe('Raw key too long (expected 32).');
    expect(msg(() => validateKey('hex', Buffer.from('a'.repeat(63)), true))).toBe('Hex key too short (expected 64).');
    expect(msg(() => validateKey('passphrase', Buffer.alloc(513, 65), true))).toBe('Passphrase too long (max 512).');
    // Loading an existing key does not check a passphrase's length.
    expect(msg(() => validateKey('passphrase', Buffer.from('short'), false))).toBeNull();
  });
});
