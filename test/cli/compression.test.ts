/**
 * The `compression` property through the built binary: records stored compressed, all-zero
 * records as holes, records that do not shrink by 1/8 stored as is, and the exact numbers
 * `used`, `logicalused`, `compressratio` and `refcompressratio` print for known data, across
 * snapshots, clones, rollback, promote and destroys. `cat` gives back the exact bytes.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox, transcript, type Step } from './harness.js';

const MiB = 1024 * 1024;
const POOL = ['pool', 'create', '--size', '256M', 'tank'];
const SPACE = ['list', '-r', '-t', 'all', '-o', 'name,used,logicalused,refer,logicalreferenced,ratio,refratio,compress', 'tank'];

/** 1 MiB of numbered lines: text that every algorithm compresses. */
const TEXT = Buffer.from(Array.from({ length: 40000 }, (_, i) => `${String(i).padStart(6, '0')} the quick brown fox jumps\n`).join('')).subarray(0, MiB);
/** 1 MiB of deterministic pseudo-random bytes (xorshift32): nothing compresses it. */
const RANDOM = (() => {
  const out = Buffer.alloc(MiB);
  let x = 2463534242;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
})();
const ZEROS = Buffer.alloc(MiB);
/** 64 non-zero bytes then 8 zeros, over and over: ZLE saves 6 bytes in 72, less than 1/8. */
const SPARSE = Buffer.concat(
  Array.from({ length: Math.ceil(MiB / 72) }, (_, i) => Buffer.concat([RANDOM.subarray(i * 64, i * 64 + 64).map((b) => b | 1), Buffer.alloc(8)])),
).subarray(0, MiB);

const write = (ds: string, path: string, data: Buffer): Step => ({ args: ['write', ds, path], input: data });

/** Run the transcript in a sandbox kept for `after` and a final consistency check. */
function run(steps: Step[], after: (sb: Sandbox) => void = () => {}): string {
  const sb = new Sandbox();
  const keep = Object.assign(Object.create(Object.getPrototypeOf(sb)), sb, { cleanup: () => {} }) as Sandbox;
  try {
    const text = transcript(steps, keep);
    after(sb);
    expect(poolProblems(sb.home)).toEqual([]);
    return text;
  } finally {
    sb.cleanup();
  }
}

describe('compression', () => {
  it('each algorithm on known data: text, random, zeros; cat gives the bytes back', () => {
    const algorithms = ['off', 'on', 'lz4', 'gzip', 'gzip-1', 'gzip-9', 'zle', 'lzjb', 'zstd', 'zstd-19', 'zstd-fast-10'];
    const steps: Step[] = [POOL];
    for (const a of algorithms) {
      steps.push(['create', '-o', `compression=${a}`, `tank/${a}`]);
      steps.push(write(`tank/${a}`, '/text', TEXT), write(`tank/${a}`, '/random', RANDOM), write(`tank/${a}`, '/zeros', ZEROS));
    }
    steps.push(SPACE, ['get', '-Hp', '-o', 'name,property,value', 'compressratio,logicalused,used', 'tank/on', 'tank/off']);
    const text = run(steps, (sb) => {
      for (const a of algorithms) {
        expect(sb.bytesOf(['cat', `tank/${a}`, '/text']).equals(TEXT), a).toBe(true);
        expect(sb.bytesOf(['cat', `tank/${a}`, '/random']).equals(RANDOM), a).toBe(true);
        expect(sb.bytesOf(['cat', `tank/${a}`, '/zeros']).equals(ZEROS), a).toBe(true);
      }
    });
    expectGolden('compression/algorithms', text);
    // about 80 processes: minutes on a loaded machine
  }, 600_000);

  it('zeros are holes, records that save less than 1/8 are stored as is, and a file rewritten under a new setting', () => {
    const text = run(
      [
        POOL,
        ['create', 'tank/a'],
        write('tank/a', '/zeros', ZEROS),
        ['list', '-o', 'name,used,logicalused,ratio', 'tank/a'],
        // ZLE saves too little on SPARSE (less than 1/8 of each record): stored as is.
        ['set', 'compression=zle', 'tank/a'],
        write('tank/a', '/sparse', SPARSE),
        ['list', '-o', 'name,used,logicalused,ratio', 'tank/a'],
        // What is written keeps the setting it was written with.
        ['set', 'compression=off', 'tank/a'],
        write('tank/a', '/text-off', TEXT),
        ['set', 'compression=gzip', 'tank/a'],
        write('tank/a', '/text-gzip', TEXT),
        ['list', '-o', 'name,used,logicalused,refer,logicalreferenced,ratio,refratio', 'tank/a'],
        // Zeros written over compressed data free it.
        write('tank/a', '/text-gzip', ZEROS),
        ['list', '-o', 'name,used,logicalused,ratio', 'tank/a'],
        ['inherit', 'compression', 'tank/a'],
        ['get', 'compression', 'tank/a'],
      ],
      (sb) => {
        expect(sb.bytesOf(['cat', 'tank/a', '/sparse']).equals(SPARSE)).toBe(true);
        expect(sb.bytesOf(['cat', 'tank/a', '/text-gzip']).equals(ZEROS)).toBe(true);
      },
    );
    expectGolden('compression/rules', text);
  }, 300_000);

  it('snapshots, clones, rollback, promote and destroys keep every ratio exact', () => {
    const text = run([
      POOL,
      ['create', '-o', 'compression=gzip', 'tank/src'],
      write('tank/src', '/text', TEXT),
      ['snapshot', 'tank/src@one'],
      write('tank/src', '/text', RANDOM),
      ['snapshot', 'tank/src@two'],
      write('tank/src', '/text2', TEXT),
      SPACE,
      ['rollback', 'tank/src@two'],
      ['clone', '-o', 'compression=off', 'tank/src@one', 'tank/clone'],
      write('tank/clone', '/more', TEXT),
      SPACE,
      ['promote', 'tank/clone'],
      SPACE,
      ['destroy', '-r', 'tank/src'],
      SPACE,
      ['destroy', 'tank/clone@one'],
      SPACE,
      ['get', '-p', 'compressratio,refcompressratio,logicalused,logicalreferenced', 'tank'],
    ]);
    expectGolden('compression/snapshots', text);
  }, 300_000);

  it('refuses values OpenZFS refuses, and changes nothing', () => {
    const text = run([
      POOL,
      ['set', 'compression=bogus', 'tank'],
      ['create', '-o', 'compression=gzip-10', 'tank/a'],
      ['set', 'compression=zstd-20', 'tank'],
      ['get', 'compression', 'tank'],
    ]);
    expectGolden('compression/errors', text);
  });
});
