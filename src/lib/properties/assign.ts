/**
 * Validating `prop=value` for `set`, `create -o` and `clone -o` as libzfs zfs_valid_proplist()
 * does: returns the canonical stored string, or throws the libzfs aux message (the caller adds
 * "cannot set property for 'x'" or "cannot create 'x'").
 */
import { checkUserPropName, isUserPropName, MAX_DATASET_NAME_LEN, MAX_PROP_LEN } from '../names.js';
import { parseSize, SizeError } from '../sizes.js';
import { decodeOwnerProp, isUserquotaProp, quotaKey } from '../userspace.js';
import { MIN_PBKDF2_ITERATIONS, validKeylocation } from '../crypto/material.js';
import { canonicalIndex, findProperty, type DatasetType, type PropDef } from './table.js';

export class PropertyError extends Error {}

const MAX_BLOCKSIZE = 16 * 1024 * 1024;
const UINT64_MAX = (1n << 64n) - 1n;

/**
 * The canonical name and stored value of an assignment to a dataset of type `type`.
 * `creating` allows the set-once properties (`zfs create -o utf8only=on`).
 */
export function validateAssignment(name: string, value: string, type: DatasetType, creating = false): { name: string; value: string } {
  if (isUserquotaProp(name)) return validateOwnerQuota(name, value, type);
  if (isUserPropName(name) && !findProperty(name)) {
    const bad = checkUserPropName(name);
    if (bad) throw new PropertyError(bad);
    return { name, value };
  }
  const def = findProperty(name);
  if (!def || def.hidden) {
    if (name.startsWith('written@') || name.startsWith('written#')) throw new PropertyError(`'${name}' is readonly`);
    throw new PropertyError(`invalid property '${name}'`);
  }
  if (type === 'snapshot') throw new PropertyError('this property can not be modified for snapshots');
  if (!def.types.includes(type)) throw new PropertyError(`'${def.name}' does not apply to datasets of this type`);
  const once = def.attr === 'once' || def.attr === 'once-default';
  if (def.attr === 'readonly' || (once && !creating)) throw new PropertyError(`'${def.name}' is readonly`);
  // A volume's size at the time, which create and set work out (zfs_fix_auto_resv).
  if (def.name === 'refreservation' && value === 'auto' && type === 'volume') return { name: def.name, value: 'auto' };
  return { name: def.name, value: parseValue(def, value) };
}

/**
 * The kernel's zfs_check_userprops(), after libzfs has validated every assignment: a user value
 * must be shorter than ZFS_MAXPROPLEN, else E2BIG, which `zfs set` words as this text. Throws it.
 */
export function checkUserValues(values: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (isUserPropName(name) && Buffer.byteLength(value) >= MAX_PROP_LEN) throw new PropertyError('property value too long');
  }
}

/**
 * zfs_valid_proplist()'s userquota branch: `userquota@bob=10G` (a name of the host's passwd or
 * group, or a number) stored as `userquota@1000` = bytes; `none` (or 0) removes the quota.
 * tszfs has no projects: `projectquota@` is refused as a name it cannot decode.
 */
function validateOwnerQuota(name: string, value: string, type: DatasetType): { name: string; value: string } {
  if (type === 'snapshot') throw new PropertyError('this property can not be modified for snapshots');
  const p = decodeOwnerProp(name);
  if (!p || p.owner === 'project') throw new PropertyError(`'${name}' has an invalid user/group name`);
  if (p.field === 'used' || p.field === 'objused') throw new PropertyError(`'${name}' is readonly`);
  if (type === 'volume') throw new PropertyError(`'${name}' does not apply to datasets of this type`);
  let n = 0n;
  if (value !== 'none') {
    try {
      n = parseSize(value);
    } catch (err) {
      if (err instanceof SizeError) throw new PropertyError(err.aux);
      throw err;
    }
  }
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new PropertyError('numeric value is too large');
  return { name: quotaKey(p), value: String(n) };
}

/** zprop_parse_value() and the per-property checks after it. */
function parseValue(def: PropDef, value: string): string {
  if (def.kind === 'index') {
    const canonical = canonicalIndex(def, value);
    if (canonical === undefined) throw new PropertyError(`'${def.name}' must be one of '${def.valuesHelp}'`);
    // `current` is ZPL_VERSION; whether the dataset and its pool allow the number is checked where
    // both are known (datasets/versions.ts).
    return def.name === 'version' && canonical === 'current' ? '5' : canonical;
  }
  if (def.kind === 'string') return parseString(def, value);
  return String(parseNumber(def, value));
}

function parseString(def: PropDef, value: string): string {
  // zprop_parse_value()
  if (Buffer.byteLength(value) >= MAX_PROP_LEN) throw new PropertyError(`'${def.name}' is too long`);
  switch (def.name) {
    case 'mountpoint':
      if (value !== 'none' && value !== 'legacy' && !value.startsWith('/')) {
        throw new PropertyError(`'mountpoint' must be an absolute path, 'none', or 'legacy'`);
      }
      // mountpoint_namecheck(): no component as long as ZFS_MAX_DATASET_NAME_LEN
      if (value.startsWith('/') && value.split('/').some((c) => Buffer.byteLength(c) >= MAX_DATASET_NAME_LEN)) {
        throw new PropertyError(`component of 'mountpoint' is too long`);
      }
      return value.length > 1 ? value.replace(/\/+$/, '') || '/' : value;
    case 'sharenfs':
    case 'sharesmb':
      if (value !== 'on' && value !== 'off' && !validShareOptions(def.name, value)) {
        throw new PropertyError(`'${def.name}' cannot be set to invalid options`);
      }
      return value;
    case 'mlslabel':
      // libzfs is built without HAVE_MLSLABEL on Linux: every value is refused.
      throw new PropertyError('mlslabels are unsupported');
    case 'keylocation':
      if (!validKeylocation(value, false)) throw new PropertyError('invalid keylocation');
      return value;
    default:
      return value;
  }
}

/** NFS export options libshare knows on Linux (get_linux_shareopts_cb, kept sorted there). */
const NFS_KEYS = new Set([
  'all_squash', 'anongid', 'anonuid', 'async', 'auth_nlm', 'crossmnt', 'fsid', 'fsuid', 'hide', 'insecure',
  'insecure_locks', 'mountpoint', 'mp', 'no_acl', 'no_all_squash', 'no_auth_nlm', 'no_root_squash',
  'no_subtree_check', 'no_wdelay', 'nohide', 'refer', 'replicas', 'root_squash', 'secure', 'secure_locks',
  'subtree_check', 'sync', 'wdelay',
  // Solaris spellings it maps to Linux ones
  'anon', 'root_mapping', 'nosub',
]);

/**
 * sa_validate_shareopts() as OpenZFS on Linux has it: no control characters; SMB takes only
 * `on`/`off` (smb_validate_shareopts); NFS takes a comma-separated list of known `key[=value]`
 * options, `ro=`/`rw=` host lists with bracketed IPv6 literals well formed (nfs_validate_shareopts).
 */
function validShareOptions(prop: 'sharenfs' | 'sharesmb', value: string): boolean {
  if (/[\x07\b\f\n\r]/.test(value) || prop === 'sharesmb' || value === '') return false;
  return value.split(',').every((opt) => {
    if (opt === '') return true;
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    if (key === 'sec') return true;
    if (key === 'ro' || key === 'rw') return eq < 0 || validHostList(opt.slice(eq + 1));
    return NFS_KEYS.has(key);
  });
}

/** A `host[:host]...` list where a `[literal]` is followed by nothing, `/mask` or `:`. */
function validHostList(list: string): boolean {
  let host: string | null = list;
  while (host !== null && host !== '') {
    let next: string | null;
    if (host.startsWith('[')) {
      const close = host.indexOf(']');
      if (close < 0) return false;
      const after = host.slice(close + 1);
      if (after === '') next = null;
      else if (after.startsWith('/')) {
        const colon = after.indexOf(':', 1);
        next = colon < 0 ? null : after.slice(colon + 1);
      } else if (after.startsWith(':')) next = after.slice(1);
      else return false;
    } else {
      const colon = host.indexOf(':');
      next = colon < 0 ? null : host.slice(colon + 1);
    }
    host = next;
  }
  return true;
}

function parseNumber(def: PropDef, value: string): bigint {
  let n: bigint;
  if (value === 'none') {
    n = def.noneValue ?? 0n;
  } else if (value === 'auto') {
    if (def.name === 'refreservation') throw new PropertyError(`'${def.name}=auto' only allowed on volumes`);
    throw new PropertyError(`'auto' is invalid value for '${def.name}'`);
  } else {
    try {
      n = parseSize(value);
    } catch (err) {
      if (err instanceof SizeError) throw new PropertyError(err.aux);
      throw err;
    }
  }
  switch (def.name) {
    case 'quota':
    case 'refquota':
      if (n === 0n && value !== 'none') throw new PropertyError("use 'none' to disable quota/refquota");
      break;
    case 'recordsize':
    case 'volblocksize':
      if (n < 512n || n > BigInt(MAX_BLOCKSIZE) || (n & (n - 1n)) !== 0n) {
        throw new PropertyError(`'${def.name}' must be power of 2 from 512B to 16M`);
      }
      break;
    case 'pbkdf2iters':
      if (n < BigInt(MIN_PBKDF2_ITERATIONS)) throw new PropertyError(`minimum pbkdf2 iterations is ${MIN_PBKDF2_ITERATIONS}`);
      break;
    case 'special_small_blocks':
      if (n !== 0n && (n < 512n || n > BigInt(MAX_BLOCKSIZE) || (n & (n - 1n)) !== 0n)) {
        throw new PropertyError(`invalid '${def.name}=${n}' property: must be zero or a power of 2 from 512B to 16M`);
      }
      break;
  }
  return n > UINT64_MAX ? UINT64_MAX : n;
}

/** The stored form of `none` for a limit reads back as `none`. */
export const isNoneLimit = (stored: string): boolean => stored === UINT64_MAX.toString();

/** Parse `-o a=b` style arguments, checking for duplicates as zfs_main does. */
export function parsePropertyArgs(args: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const seen = new Set<string>();
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq < 0) throw new PropertyError(`missing '=' for property=value argument`);
    const name = arg.slice(0, eq);
    if (seen.has(name)) throw new PropertyError(`property '${name}' specified multiple times`);
    seen.add(name);
    out.push([name, arg.slice(eq + 1)]);
  }
  return out;
}
