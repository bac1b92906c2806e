/**
 * The user's key, as libzfs_crypto.c gets it: from `keylocation` (`prompt`: standard input,
 * read as a terminal prompt when it is one; `file:///path`), checked for its `keyformat`
 * (raw: 32 bytes, hex: 64 hex digits, passphrase: 8 to 512 characters) and made into the
 * wrapping key (raw as is, hex decoded, passphrase through PBKDF2-HMAC-SHA1 with the root's
 * 64-bit salt, little-endian, as OpenZFS derives it).
 */
import { spawnSync } from 'node:child_process';
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { WRAPPING_KEY_LEN } from '../../engine/keys.js';
import type { KeyParams } from '../../engine/model.js';
import { strerror } from '../errors.js';

const MIN_PASSPHRASE_LEN = 8;
const MAX_PASSPHRASE_LEN = 512;
export const MIN_PBKDF2_ITERATIONS = 100000;
export const DEFAULT_PBKDF2_ITERATIONS = 350000;

export type KeyFormat = KeyParams['keyformat'];

/** Standard input as the key commands read it (cli/context.ts Input), and where prompts go. */
export interface KeyInput {
  readonly isTTY: boolean;
  read(buf: Buffer, offset: number, length: number): number;
}
export interface KeyIo {
  input: KeyInput;
  /** prompts (stdout, as libzfs_getpassphrase prints them) */
  prompt(text: string): void;
}

/** libzfs's zfs_error_aux for a key that cannot be had: the caller prefixes its action. */
export class KeyError extends Error {}

/** zfs_prop_valid_keylocation(str, encrypted) */
export function validKeylocation(value: string, encrypted: boolean): boolean {
  if (value === 'none') return !encrypted;
  if (value === 'prompt') return true;
  if (value.length > 8 && value.startsWith('file:///')) return true;
  if (value.length > 8 && value.startsWith('https://')) return true;
  return value.length > 7 && value.startsWith('http://');
}

/** getline(): a line without its newline; null at the end of input with nothing read. */
function readLine(input: KeyInput): Buffer | null {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    const n = input.read(one, 0, 1);
    if (n === 0) return bytes.length === 0 ? null : Buffer.from(bytes);
    if (one[0] === 0x0a) return Buffer.from(bytes);
    bytes.push(one[0]);
  }
}

/** get_key_material_stream(): a line, or for a raw key up to 33 bytes (a raw key may hold newlines). */
function readStream(input: KeyInput, format: KeyFormat): Buffer {
  if (format !== 'raw') return readLine(input) ?? Buffer.alloc(0);
  const buf = Buffer.alloc(WRAPPING_KEY_LEN + 1);
  let got = 0;
  while (got < buf.length) {
    const n = input.read(buf, got, buf.length - got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

const PROMPT_NAME: Record<KeyFormat, string> = { raw: 'raw key', hex: 'hex key', passphrase: 'passphrase' };

/** libzfs_getpassphrase(): the prompt on stdout, echo off while the line is typed. */
function promptLine(io: KeyIo, format: KeyFormat, reenter: boolean, newKey: boolean, name: string | null): Buffer {
  io.prompt(`${reenter ? 'Re-enter' : 'Enter'} ${newKey ? 'new ' : ''}${PROMPT_NAME[format]}${name === null ? '' : ` for '${name}'`}:`);
  const stty = (arg: string) => spawnSync('stty', [arg], { stdio: ['inherit', 'ignore', 'ignore'] });
  stty('-echo');
  try {
    return readLine(io.input) ?? Buffer.alloc(0);
  } finally {
    stty('echo');
    io.prompt('\n');
  }
}

/** validate_key() */
export function validateKey(format: KeyFormat, key: Buffer, verify: boolean): void {
  switch (format) {
    case 'raw':
      if (key.length < WRAPPING_KEY_LEN) throw new KeyError(`Raw key too short (expected ${WRAPPING_KEY_LEN}).`);
      if (key.length > WRAPPING_KEY_LEN) throw new KeyError(`Raw key too long (expected ${WRAPPING_KEY_LEN}).`);
      break;
    case 'hex':
      if (key.length < WRAPPING_KEY_LEN * 2) throw new KeyError(`Hex key too short (expected ${WRAPPING_KEY_LEN * 2}).`);
      if (key.length > WRAPPING_KEY_LEN * 2) throw new KeyError(`Hex key too long (expected ${WRAPPING_KEY_LEN * 2}).`);
      if (!/^[0-9a-fA-F]*$/.test(key.toString('latin1'))) throw new KeyError('Invalid hex character detected.');
      break;
    case 'passphrase':
      if (!verify) break;
      if (key.length > MAX_PASSPHRASE_LEN) throw new KeyError(`Passphrase too long (max ${MAX_PASSPHRASE_LEN}).`);
      if (key.length < MIN_PASSPHRASE_LEN) throw new KeyError(`Passphrase too short (min ${MIN_PASSPHRASE_LEN}).`);
      break;
  }
}

/**
 * get_key_material(): the key from `keylocation` for dataset `name` (null at create, whose prompt
 * names none), validated. A `newKey` (create, change-key) is libzfs's newkey and verify at once:
 * its passphrase length is checked, and a terminal prompts for it as new, twice.
 */
export function keyMaterial(io: KeyIo, format: KeyFormat, keylocation: string, name: string | null, newKey: boolean): Buffer {
  let key: Buffer;
  if (keylocation === 'prompt') {
    if (io.input.isTTY) {
      if (format === 'raw') throw new KeyError('Cannot enter raw keys on the terminal');
      key = promptLine(io, format, false, newKey, name);
      if (newKey) {
        validateKey(format, key, true);
        const again = promptLine(io, format, true, newKey, name);
        if (!again.equals(key)) throw new KeyError('Provided keys do not match.');
      }
    } else key = readStream(io.input, format);
  } else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(keylocation)) {
    const scheme = keylocation.slice(0, keylocation.indexOf(':'));
    if (scheme !== 'file') throw new KeyError('URI scheme is not supported');
    key = readKeyFile(keylocation.slice('file://'.length), format);
  } else throw new KeyError('Invalid keylocation');
  validateKey(format, key, newKey);
  return key;
}

function readKeyFile(file: string, format: KeyFormat): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new KeyError(`Failed to open key material file: ${strerror(err)}`);
  }
  try {
    return readStream({ isTTY: false, read: (buf, offset, length) => fs.readSync(fd, buf, offset, length, null) }, format);
  } finally {
    fs.closeSync(fd);
  }
}

/** derive_key(): the wrapping key from the user's key. */
export function deriveKey(format: KeyFormat, key: Buffer, salt: bigint, iters: number): Buffer {
  if (format === 'raw') return Buffer.from(key);
  if (format === 'hex') return Buffer.from(key.toString('latin1'), 'hex');
  const le = Buffer.alloc(8);
  le.writeBigUInt64LE(salt);
  // strlen(): a passphrase ends at its first NUL, as C reads it.
  const nul = key.indexOf(0);
  return pbkdf2Sync(nul < 0 ? key : key.subarray(0, nul), le, iters, WRAPPING_KEY_LEN, 'sha1');
}

/** A new salt for a passphrase (never 0, which means none). */
export function newSalt(): bigint {
  for (;;) {
    const salt = randomBytes(8).readBigUInt64LE();
    if (salt !== 0n) return salt;
  }
}
