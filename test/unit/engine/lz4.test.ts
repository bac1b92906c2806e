/**
 * The LZ4 port against OpenZFS's own compressor: lz4-fixtures.json holds what OpenZFS's
 * module/zfs/lz4_zfs.c made of the same inputs (tools/lz4-fixtures/generate.mjs), including where
 * it gave up for want of room.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decompressRecord } from '../../../src/engine/blocks/compression.js';
import { lz4Compress } from '../../../src/engine/blocks/lz4.js';
import { lz4Input, type InputKind } from './lz4-inputs.js';

interface Fixture {
  kind: InputKind;
  size: number;
  osize: number;
  length: number;
  sha256: string;
  hex?: string;
}
const fixtures = JSON.parse(readFileSync(new URL('./lz4-fixtures.json', import.meta.url), 'utf8')) as Fixture[];

function compress(data: Uint8Array, osize = data.length + Math.floor(data.length / 255) + 16): Buffer | null {
  const out = Buffer.alloc(Math.max(osize, 0));
  const n = lz4Compress(data, out, osize);
  return n === 0 ? null : out.subarray(0, n);
}

/** Decode `block` as reads do: as a stored record, its length big-endian in front. */
function lz4Decompress(block: Uint8Array, out: Buffer): boolean {
  const stored = Buffer.alloc(4 + block.length);
  stored.writeUInt32BE(block.length, 0);
  stored.set(block, 4);
  return decompressRecord('lz4', stored, out);
}

describe('lz4 (OpenZFS lz4_zfs.c port)', () => {
  it('compresses to the bytes OpenZFS writes, and fails where it fails', () => {
    expect(fixtures.length).toBe(180);
    for (const f of fixtures) {
      const input = lz4Input(f.kind, f.size);
      const out = compress(input, f.osize) ?? Buffer.alloc(0);
      const name = `${f.kind} ${f.size} into ${f.osize}`;
      if (f.hex !== undefined) expect(out.toString('hex'), name).toBe(f.hex);
      expect(out.length, name).toBe(f.length);
      expect(createHash('sha256').update(out).digest('hex'), name).toBe(f.sha256);
      if (f.length > 0) {
        const back = Buffer.alloc(f.size);
        expect(lz4Decompress(out, back), name).toBe(true);
        expect(back.equals(input), name).toBe(true);
      }
    }
  });

  it('round-trips any input, whether repetitive or not', () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 70000 }),
      fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 300 }).chain((parts) =>
        fc.array(fc.nat({ max: Math.max(parts.length - 1, 0) }), { maxLength: 5000 }).map((picks) => Uint8Array.from(parts.length ? picks.flatMap((i) => [...parts[i]]) : [])),
      ),
    );
    fc.assert(
      fc.property(data, (input) => {
        const out = compress(input)!;
        const back = Buffer.alloc(input.length);
        return lz4Decompress(out, back) && back.equals(input);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses malformed blocks', () => {
    const block = compress(lz4Input('text', 8192))!;
    expect(lz4Decompress(block.subarray(0, block.length - 1), Buffer.alloc(8192))).toBe(false);
    expect(lz4Decompress(block, Buffer.alloc(8191))).toBe(false);
    expect(lz4Decompress(block, Buffer.alloc(8193))).toBe(false);
    // a match reaching before the start of the output
    expect(lz4Decompress(Uint8Array.from([0x10, 0x41, 0x05, 0x00, 0x50, 1, 2, 3, 4, 5]), Buffer.alloc(10))).toBe(false);
  });
});
