/** Reading space numbers and contents through the binary, for the worked-example tests. */
import { expect } from 'vitest';
import type { Sandbox } from './harness.js';

/** One 128 KiB record. */
export const R = 131072;
/** The pool label, counted in the pool's `alloc`. */
export const LABEL = 4096;

/** dataset -> property -> value (numbers parsed). */
export type Expected = Record<string, Record<string, number | string>>;

/** The requested properties of the requested datasets, with one `get -Hp` for all of them. */
export function getProps(sb: Sandbox, expected: Expected): Expected {
  const datasets = Object.keys(expected);
  const props = [...new Set(datasets.flatMap((d) => Object.keys(expected[d])))];
  const out = sb.ok(['get', '-Hp', '-o', 'name,property,value', props.join(','), ...datasets]);
  const actual: Expected = {};
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const [name, prop, value] = line.split('\t');
    if (expected[name] && prop in expected[name]) {
      actual[name] ??= {};
      actual[name][prop] = /^\d+$/.test(value) ? Number(value) : value;
    }
  }
  return actual;
}

export const alloc = (sb: Sandbox) => Number(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc', 'tank']).trim());

/** Each filesystem's metadata allocation at ashift 12 (README, how space is counted). */
export const META = 96 * 1024;

/** The filesystems and volumes of pool tank that own a metadata allocation: those that are not
 *  clones (a clone shares its origin's, and promote hands it over with the origin snapshot). */
export function metadataOwners(sb: Sandbox): string[] {
  const rows = sb.ok(['list', '-Hp', '-t', 'filesystem,volume', '-o', 'name,origin', '-r', 'tank']).trim().split('\n');
  return rows.map((l) => l.split('\t')).filter(([, origin]) => origin === '-').map(([name]) => name);
}

/**
 * The data-only figures of zfs-dsl-semantics.md's worked examples with the metadata allocations
 * added, by the rule they follow as blocks born when their filesystem was made and never killed
 * while it lives: every dataset references one; a filesystem that owns one counts it in
 * usedbydataset and used, its ancestors in usedbychildren and used; `written` counts it in the
 * owner's first snapshot (or in the owner itself while it has none); a snapshot's used and
 * usedbysnapshots never do. Not for limits and reservations, which absorb it.
 */
export function withMetadata(sb: Sandbox, expected: Expected): Expected {
  const owners = new Set(metadataOwners(sb));
  const below = (fs: string) => [...owners].filter((n) => n.startsWith(`${fs}/`)).length;
  const first = (fs: string) => sb.ok(['list', '-H', '-t', 'snapshot', '-o', 'name', '-s', 'createtxg', '-d', '1', fs]).split('\n')[0] || null;
  const out: Expected = structuredClone(expected);
  for (const [name, props] of Object.entries(out)) {
    const [fs, snap] = name.split('@');
    const own = owners.has(fs) ? 1 : 0;
    for (const [prop, value] of Object.entries(props)) {
      if (typeof value !== 'number') continue;
      let n = 0;
      if (prop === 'referenced' || prop === 'logicalreferenced') n = 1;
      else if (snap === undefined && (prop === 'used' || prop === 'logicalused')) n = own + below(fs);
      else if (snap === undefined && prop === 'usedbydataset') n = own;
      else if (snap === undefined && prop === 'usedbychildren') n = below(fs);
      else if (prop === 'written' && own) n = (first(fs) ?? fs) === name ? 1 : 0;
      props[prop] = value + n * META;
    }
  }
  return out;
}

/** Expected contents: dataset -> path -> bytes. */
export type Contents = Record<string, Record<string, Buffer>>;

export function checkContents(sb: Sandbox, contents: Contents): void {
  for (const [dataset, files] of Object.entries(contents)) {
    const paths = Object.keys(files);
    const got = sb.bytesOf(['cat', dataset, ...paths]);
    const want = Buffer.concat(paths.map((p) => files[p]));
    // lengths first for a readable message, then the bytes
    expect(got.length, `cat ${dataset} ${paths.join(' ')}: length`).toBe(want.length);
    expect(got.equals(want), `cat ${dataset} ${paths.join(' ')}: contents`).toBe(true);
  }
}

let fileSeq = 0;
/** `tszfs write [--offset N] DS PATH FILE` with FILE holding `data`. */
export function write(sb: Sandbox, dataset: string, path: string, data: Buffer, offset?: number): void {
  const src = sb.file(`data-${++fileSeq}`, data);
  sb.ok(['write', ...(offset === undefined ? [] : ['--offset', String(offset)]), dataset, path, src]);
}

/** `base` with `data` written over it at `offset`. */
export function overlay(base: Buffer, offset: number, data: Buffer): Buffer {
  const out = Buffer.alloc(Math.max(base.length, offset + data.length));
  base.copy(out);
  data.copy(out, offset);
  return out;
}
