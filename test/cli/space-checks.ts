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
