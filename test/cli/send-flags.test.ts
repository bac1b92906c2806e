/**
 * send's options that shape the stream (issue 16 item 5): -c (records as stored, kept compressed
 * by receive), -L (records over 128K whole, else in 128K pieces), -e and -w (named in BEGIN; -w is
 * -c -e -L on a dataset that is not encrypted), -h (holds), -b (received properties only), and
 * the -n -v -P estimate lines they change.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { decode, RecordType, type Records } from './stream-craft.js';
import { expectGolden, pattern, Sandbox, seededBytes, transcript } from './harness.js';

const K = 1024;
/** Text that compresses well: gzip and lz4 store it in far fewer sectors. */
const text = (size: number) => Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(Math.ceil(size / 44))).subarray(0, size);

const writes = (records: Records) => records.filter((r) => r.type === RecordType.Write);
const begin = (records: Records) => records[0].header;

function pool(sb: Sandbox): void {
  sb.ok(['pool', 'create', '--size', '256M', 'tank']);
  sb.ok(['create', '-o', 'compression=gzip', 'tank/src']);
  sb.ok(['write', 'tank/src', '/text'], text(1024 * K));
  sb.ok(['write', 'tank/src', '/noise'], seededBytes(256 * K, 3));
  sb.ok(['snapshot', 'tank/src@a']);
  sb.ok(['create', '-o', 'compression=off', 'tank/plain']);
}

describe('send -c, -L, -e, -w', () => {
  it('-c sends records as stored and receive keeps them compressed, whatever the destination compresses with', () => {
    const sb = new Sandbox();
    try {
      pool(sb);
      const plain = sb.bytesOf(['send', 'tank/src@a']);
      const compressed = sb.bytesOf(['send', '-c', 'tank/src@a']);
      expect(compressed.length).toBeLessThan(plain.length / 2);
      const [records] = decode(compressed);
      expect(begin(records)).toMatchObject({ version: 4, features: ['compressed'] });
      expect(writes(records).some((w) => w.header.compress === 'gzip-6' && (w.header.psize as number) < (w.header.lsize as number))).toBe(true);
      // The noise did not compress: those records go as they are.
      expect(writes(records).some((w) => w.header.compress === undefined)).toBe(true);
      expect(decode(plain)[0].every((r) => r.type !== RecordType.Write || r.header.compress === undefined)).toBe(true);
      expect(begin(decode(plain)[0]).version).toBe(1);

      sb.ok(['receive', 'tank/plain/c'], compressed);
      sb.ok(['receive', 'tank/plain/u'], plain);
      const used = (fs: string) => Number(sb.ok(['get', '-Hp', '-o', 'value', 'used', fs]));
      // Kept compressed under compression=off: as much space as on the sender, not the logical size.
      expect(used('tank/plain/c')).toBe(used('tank/src'));
      expect(used('tank/plain/u')).toBeGreaterThan(2 * used('tank/plain/c'));
      expect(sb.ok(['get', '-H', '-o', 'value', 'compressratio', 'tank/plain/c'])).toBe(sb.ok(['get', '-H', '-o', 'value', 'compressratio', 'tank/src']));
      for (const fs of ['tank/plain/c', 'tank/plain/u']) {
        expect(sb.bytesOf(['cat', fs, '/text']).equals(text(1024 * K))).toBe(true);
        expect(sb.bytesOf(['cat', fs, '/noise']).equals(seededBytes(256 * K, 3))).toBe(true);
      }
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('a record as stored that does not decode is refused, and nothing is kept', () => {
    const sb = new Sandbox();
    try {
      pool(sb);
      const [records] = decode(sb.bytesOf(['send', '-c', 'tank/src@a']));
      const w = writes(records).find((r) => r.header.compress !== undefined)!;
      w.data = Buffer.alloc(w.data!.length, 0x55);
      const { encode } = await_encode();
      const r = sb.run(['receive', 'tank/plain/bad'], encode([records]));
      expect(r.stderr).toBe('cannot receive new filesystem stream: invalid backup stream\n');
      expect(sb.run(['list', 'tank/plain/bad']).status).toBe(1);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('without -L records over 128K go in 128K pieces; with -L whole; -e and -w are named in BEGIN', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', '-o', 'recordsize=1M', '-o', 'compression=off', 'tank/big']);
      sb.ok(['write', 'tank/big', '/f'], pattern(2 * 1024 * K + 5000, 7));
      sb.ok(['snapshot', 'tank/big@a']);
      const split = decode(sb.bytesOf(['send', 'tank/big@a']))[0];
      expect(begin(split).version).toBe(1);
      expect(split.find((r) => r.type === RecordType.Object && r.header.object !== 1)!.header.blksz).toBe(128 * K);
      // 2M + 5000 bytes: 17 pieces of 128K; the rest of the third record lies past the end.
      expect(writes(split).map((w) => w.header.lsize)).toEqual(Array(17).fill(128 * K));
      const large = decode(sb.bytesOf(['send', '-L', 'tank/big@a']))[0];
      expect(begin(large)).toMatchObject({ version: 4, features: ['largeblocks'] });
      expect(writes(large).map((w) => w.header.lsize)).toEqual([1024 * K, 1024 * K, 1024 * K]);
      expect(begin(decode(sb.bytesOf(['send', '-e', 'tank/big@a']))[0])).toMatchObject({ version: 4, features: ['embedded'] });
      expect(begin(decode(sb.bytesOf(['send', '-w', 'tank/big@a']))[0])).toMatchObject({ features: ['largeblocks', 'compressed', 'embedded', 'raw'] });
      for (const flags of [[], ['-L'], ['-w']]) {
        const fs = `tank/r${flags.join('')}`;
        sb.ok(['receive', fs], sb.bytesOf(['send', ...flags, 'tank/big@a']));
        expect(sb.bytesOf(['cat', fs, '/f']).equals(pattern(2 * 1024 * K + 5000, 7))).toBe(true);
      }
      // An incremental stream of the split file applies to the copy received in pieces.
      sb.ok(['write', '--offset', String(1024 * K + 10), 'tank/big', '/f'], 'patch');
      sb.ok(['snapshot', 'tank/big@b']);
      const inc = decode(sb.bytesOf(['send', '-i', '@a', 'tank/big@b']))[0];
      expect(writes(inc).map((w) => w.header.block)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
      sb.ok(['receive', 'tank/r'], sb.bytesOf(['send', '-i', '@a', 'tank/big@b']));
      sb.ok(['receive', 'tank/r-L'], sb.bytesOf(['send', '-L', '-i', '@a', 'tank/big@b']));
      for (const fs of ['tank/r', 'tank/r-L']) expect(sb.bytesOf(['cat', fs, '/f']).equals(sb.bytesOf(['cat', 'tank/big', '/f']))).toBe(true);
      // A copy received with -L takes no stream in pieces (OpenZFS's large block mismatch).
      sb.ok(['write', '--offset', '10', 'tank/big', '/f'], 'patch');
      sb.ok(['snapshot', 'tank/big@c']);
      const refused = sb.run(['receive', 'tank/r-L'], sb.bytesOf(['send', '-i', '@b', 'tank/big@c']));
      expect(refused.stderr).toBe('cannot receive incremental stream: incremental send stream requires -L (--large-block), to match previous receive.\n');
      expect(sb.run(['list', 'tank/r-L@c']).status).toBe(1);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('estimates with -n -v -P follow the records sent (golden)', () => {
    const sb = new Sandbox();
    try {
      pool(sb);
      sb.ok(['write', 'tank/src', '/more'], text(300 * K));
      sb.ok(['snapshot', 'tank/src@b']);
      const out = transcript(
        [
          ['send', '-nv', 'tank/src@a'],
          ['send', '-nvc', 'tank/src@a'],
          ['send', '-nPc', 'tank/src@a'],
          ['send', '-nvw', '-i', '@a', 'tank/src@b'],
          ['send', '-nPLce', '-i', 'tank/src@a', 'tank/src@b'],
          ['send', '-nvcR', 'tank/src@b'],
        ],
        sb,
      );
      expectGolden('sendflags/estimates', out);
    } finally {
      sb.cleanup();
    }
  });
});

describe('send -h and -b', () => {
  it('-h carries the holds, which receive places unless -h; -b sends only received properties', () => {
    const sb = new Sandbox();
    try {
      pool(sb);
      sb.ok(['hold', 'keep', 'tank/src@a']);
      sb.ok(['hold', 'backup', 'tank/src@a']);
      sb.ok(['receive', 'tank/h1'], sb.bytesOf(['send', '-h', 'tank/src@a']));
      sb.ok(['receive', '-h', 'tank/h2'], sb.bytesOf(['send', '-h', 'tank/src@a']));
      sb.ok(['receive', 'tank/h3'], sb.bytesOf(['send', 'tank/src@a']));
      expect(sb.ok(['holds', '-H', 'tank/h1@a']).split('\n').filter(Boolean).map((l) => l.split('\t')[1])).toEqual(['backup', 'keep']);
      expect(sb.ok(['holds', '-H', 'tank/h2@a'])).toBe('');
      expect(sb.ok(['holds', '-H', 'tank/h3@a'])).toBe('');
      // -h alone sends no properties.
      expect(sb.ok(['get', '-H', '-o', 'source', 'compression', 'tank/h1'])).not.toContain('received');

      // -b: what tank/h4 received (checksum), not what is set on it locally (compression).
      sb.ok(['create', '-o', 'checksum=sha256', 'tank/p']);
      sb.ok(['snapshot', 'tank/p@a']);
      sb.ok(['receive', 'tank/h4'], sb.bytesOf(['send', '-p', 'tank/p@a']));
      sb.ok(['set', 'compression=zle', 'tank/h4']);
      sb.ok(['set', 'checksum=skein', 'tank/h4']);
      sb.ok(['snapshot', 'tank/h4@b']);
      sb.ok(['receive', 'tank/b'], sb.bytesOf(['send', '-b', 'tank/h4@b']));
      sb.ok(['receive', 'tank/nb'], sb.bytesOf(['send', '-p', 'tank/h4@b']));
      const got = (fs: string, prop: string) => sb.ok(['get', '-H', '-o', 'value,source', prop, fs]).trim();
      expect(got('tank/b', 'checksum')).toBe('sha256\treceived');
      expect(got('tank/b', 'compression')).not.toContain('received');
      expect(got('tank/nb', 'checksum')).toBe('skein\treceived');
      expect(got('tank/nb', 'compression')).toBe('zle\treceived');
      // In a replication stream too, with records as stored.
      sb.ok(['create', 'tank/src/kid']);
      sb.ok(['write', 'tank/src/kid', '/t'], text(200 * K));
      sb.ok(['snapshot', '-r', 'tank/src@r']);
      sb.ok(['hold', 'kid', 'tank/src/kid@r']);
      sb.ok(['receive', 'tank/rep'], sb.bytesOf(['send', '-R', '-c', '-h', 'tank/src@r']));
      expect(sb.ok(['holds', '-H', 'tank/rep/kid@r']).split('\t')[1]).toBe('kid');
      expect(sb.ok(['holds', '-H', 'tank/rep@a']).split('\n').filter(Boolean).length).toBe(2);
      expect(sb.bytesOf(['cat', 'tank/rep/kid', '/t']).equals(text(200 * K))).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});

function await_encode() {
  return { encode: encodeStreams };
}
import { encode as encodeStreams } from './stream-craft.js';
