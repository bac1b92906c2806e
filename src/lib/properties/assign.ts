/**
 * Validating `prop=value` for `set`, `create -o` and `clone -o`: returns the canonical stored
 * string, or throws the libzfs aux message (the caller adds "cannot set property for 'x'").
 */
import { checkUserPropName } from '../names.js';
import { parseSize, SizeError } from '../sizes.js';
import { findProperty, isUserProperty, type DatasetType } from './table.js';

export class PropertyError extends Error {}

const MAX_USER_VALUE = 8192;
const MAX_RECORDSIZE = 16 * 1024 * 1024;

/** The canonical name and stored value of an assignment to a dataset of type `type`. */
export function validateAssignment(name: string, value: string, type: DatasetType): { name: string; value: string } {
  if (isUserProperty(name)) {
    const bad = checkUserPropName(name);
    if (bad) throw new PropertyError(bad);
    if (Buffer.byteLength(value) > MAX_USER_VALUE) throw new PropertyError('property value too long');
    return { name, value };
  }
  const def = findProperty(name);
  if (!def) throw new PropertyError(`invalid property '${name}'`);
  if (!def.settable) throw new PropertyError(`'${def.name}' is readonly`);
  if (type === 'snapshot') throw new PropertyError('this property can not be modified for snapshots');
  if (!def.types.includes(type)) throw new PropertyError(`'${def.name}' does not apply to datasets of this type`);
  if (def.values) {
    if (!def.values.includes(value)) throw new PropertyError(`'${def.name}' must be one of '${def.valuesHelp}'`);
    return { name: def.name, value };
  }
  switch (def.name) {
    case 'recordsize':
      return { name: def.name, value: String(parseRecordsize(value)) };
    case 'mountpoint':
      if (value !== 'none' && value !== 'legacy' && !value.startsWith('/')) {
        throw new PropertyError(`'mountpoint' must be an absolute path, 'none', or 'legacy'`);
      }
      return { name: def.name, value: value.length > 1 ? value.replace(/\/+$/, '') || '/' : value };
    default:
      throw new PropertyError(`'${def.name}' is readonly`);
  }
}

function parseRecordsize(value: string): number {
  let size: bigint;
  try {
    size = parseSize(value);
  } catch (err) {
    if (err instanceof SizeError) throw new PropertyError(err.aux);
    throw err;
  }
  const n = Number(size);
  if (n < 512 || n > MAX_RECORDSIZE || (n & (n - 1)) !== 0) {
    throw new PropertyError(`'recordsize' must be power of 2 from 512B to 16M`);
  }
  return n;
}

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
