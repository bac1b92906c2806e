/**
 * Every `checksum` value through the built binary: each block records its algorithm and the
 * checksum OpenZFS's algorithm gives for the block's bytes (salted ones with the pool's salt), and a
 * flipped byte is an I/O error, found by scrub and listed by `zpool status -v`.
 */
import { describe, expect, it } from 'vitest';
import { checksumOf } from '../../src/engine/blocks/checksum.js';
import { checksumSaltOf, Image } from '../../src/engine/pool/image.js';
import type { ChecksumAlgorithm } from '../../src/engine/store/records.js';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox } from './harness.js';
import { blockOf, damage, pattern, R, script, type Step } from './integrity-support.js';

const ALGORITHMS: ChecksumAlgorithm[] = ['fletcher2', 'fletcher4', 'sha256', 'sha512', 'skein', 'edonr', 'blake3'];

describe('checksum algorithms', () => {
  it('each algorithm checksums every block as OpenZFS does and detects a flipped byte', () => {
    const sb = new Sandbox();
    const data = pattern(R + 5000, 4);
    const steps: Step[] = [
      // compression=off: the checksum is compared below with one of the record as written.
      ['pool', 'create', '--size', '128M', '-O', 'compression=off', 'tank'],
      ...ALGORITHMS.map((alg) => ['create', '-o', `checksum=${alg}`, `tank/${alg}`]),
      ['get', '-r', '-o', 'name,value', 'checksum', 'tank'],
      ...ALGORITHMS.map((alg) => ({ args: ['write', `tank/${alg}`, '/f'], input: data })),
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', '-x'],
      {
        note: 'flip 16 bytes in block 0 of each /f',
        act: () => {
          for (const alg of ALGORITHMS) damage(sb.home, `tank/${alg}`, 'f', 0);
        },
      },
      ...ALGORITHMS.map((alg) => ['cat', `tank/${alg}`, '/f']),
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', '-v', 'tank'],
    ];
    try {
      const text = script(sb, steps);
      const label = Image.readLabel(`${sb.home}/tank.img`)!;
      const salt = checksumSaltOf(label.guid);
      for (const alg of ALGORITHMS) {
        // A block pointer keeps the checksum of what was written, whatever the image holds now.
        const bp = blockOf(sb.home, `tank/${alg}`, 'f', 0);
        expect(bp.cksumAlg).toBe(alg);
        expect(Buffer.from(bp.checksum).equals(Buffer.from(checksumOf(alg, data.subarray(0, R), salt))), alg).toBe(true);
      }
      expectGolden('checksum-algorithms', text);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
