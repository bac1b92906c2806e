#!/usr/bin/env node
// Regenerates test/unit/engine/lz4-fixtures.json from OpenZFS's own LZ4 compressor.
// Usage: node tools/lz4-fixtures/generate.mjs PATH/TO/openzfs/module/zfs/lz4_zfs.c (or the older
// module/zfs/lz4.c, which holds the same compressor). Needs gcc; the tests do not.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = process.argv[2];
if (!source) {
  console.error('usage: generate.mjs PATH/TO/module/zfs/lz4_zfs.c');
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const binary = join(mkdtempSync(join(tmpdir(), 'lz4-fixtures-')), 'harness');
execFileSync('gcc', ['-O2', '-w', `-I${join(here, 'stub')}`, `-DLZ4_SOURCE="${resolve(source)}"`, join(here, 'harness.c'), '-o', binary]);
const lines = execFileSync(binary, { maxBuffer: 1 << 28 }).toString().trim().split('\n');
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const cases = lines.map((line) => {
  const [kind, size, osize, length, hex] = line.split('\t');
  const output = Buffer.from(hex, 'hex');
  return { kind, size: Number(size), osize: Number(osize), length: Number(length), sha256: sha256(output), ...(output.length <= 64 ? { hex } : {}) };
});
const out = resolve(here, '../../test/unit/engine/lz4-fixtures.json');
writeFileSync(out, JSON.stringify(cases, null, 1) + '\n');
console.log(`${cases.length} cases written to ${out}`);
