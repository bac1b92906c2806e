/**
 * Validating `prop=value` for `set`, `create -o` and `clone -o` as libzfs zfs_valid_proplist()
 * does: returns the canonical stored string, or throws the libzfs aux message (the caller adds
 * "cannot set property for 'x'" or "cannot create 'x'").
 */
import { checkUserPropName, isUserPropName } from '../names.js';
import { parseSize, SizeError } from '../sizes.js';
import { canonicalIndex, findProperty, type DatasetType, type PropDef } from './table.js';

export class PropertyError extends Error {}

const MAX_USER_VALUE = 8192;
const MAX_BLOCKSIZE = 16 * 1024 * 1024;
const UINT64_MAX = (1n << 64n) - 1n;

/** zfs_prop_userquota(): `userused@...` and friends, which tszfs does not account. */
const USERQUOTA = /^(user|group|project)(obj)?(used|quota)@/;

/**
 * The canonical name and stored value of an assignment to a dataset of type `type`.
 * `creating` allows the set-once properties (`zfs create -o utf8only=on`).
 */
export function validateAssignment(name: string, value: string, type: DatasetType, creating = false): { name: string; value: string } {
  if (isUserPropName(name) && !findProperty(name)) {
    const bad = checkUserPropName(name);
    if (bad) throw new PropertyError(bad);
    if (Buffer.byteLength(value) > MAX_USER_VALUE) throw new PropertyError('property value too long');
    return { name, value };
  }
  const def = findProperty(name);
  if (!def || def.hidden) {
    if (name.startsWith('written@') || name.startsWith('written#')) throw new PropertyError(`'${name}' is readonly`);
    if (USERQUOTA.test(name)) throw new PropertyError(`invalid property '${name}'`);
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

/** zprop_parse_value() and the per-property checks after it. */
function parseValue(def: PropDef, value: string): string {
  if (def.kind === 'index') {
    const canonical = canonicalIndex(def, value);
    if (canonical === undefined) throw new PropertyError(`'${def.name}' must be one of '${def.valuesHelp}'`);
    if (def.name === 'version' && canonical !== '5' && canonical !== 'current') {
      throw new PropertyError('Can not downgrade; already at version 5');
    }
    if (def.name === 'encryption' && canonical !== 'off') throw new PropertyError('Keyformat required for new encryption root.');
    if (def.name === 'keyformat' && canonical !== 'none') throw new PropertyError("Encryption must be turned on to set encryption properties.");
    return def.name === 'version' ? '5' : canonical;
  }
  if (def.kind === 'string') return parseString(def, value);
  return String(parseNumber(def, value));
}

function parseString(def: PropDef, value: string): string {
  if (Buffer.byteLength(value) > MAX_USER_VALUE) throw new PropertyError('property value too long');
  switch (def.name) {
    case 'mountpoint':
      if (value !== 'none' && value !== 'legacy' && !value.startsWith('/')) {
        throw new PropertyError(`'mountpoint' must be an absolute path, 'none', or 'legacy'`);
      }
      return value.length > 1 ? value.replace(/\/+$/, '') || '/' : value;
    case 'keylocation':
      if (value !== 'none') throw new PropertyError('Keylocation can only be set on encryption roots.');
      return value;
    default:
      return value;
  }
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
