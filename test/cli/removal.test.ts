/**
 * `zpool remove` of top-level vdevs (issue 15 item 4): a plain file, a mirror, a special device
 * and a log device leave the pool; the data of the first three moves to the rest of the normal
 * class and the vdev stays as indirect-N with a mapping, so every block pointer still resolves.
 * Every file reads back byte for byte, a scrub finds nothing, the full pool check finds no
 * leaked or doubly used extent, and export / import -d finds the pool without the device.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden, pattern, Sandbox, seededBytes, sparseDevices, transcript } from './harness.js';
import { poolProblems } from '../engine/check-helper.js';

const R = 131072;

/** A known tree: files of many sizes (one block, several, odd tails), a snapshot, a clone. */
function knownTree(sb: Sandbox): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const put = (ds: string, file: string, data: Buffer) => {
    sb.ok(['write', '-p', ds, file], data);
    files.set(`${ds}:${file}`, data);
  };
  sb.ok(['create', 'tank/a']);
  for (let i = 0; i < 12; i++) put('tank/a', `/d${i % 3}/f${i}`, pattern(i * 37 * 1024 + 100 * i + 1, i + 1));
  put('tank/a', '/big', pattern(9 * 1024 * 1024 + 5, 50));
  sb.ok(['snapshot', 'tank/a@s1']);
  put('tank', '/root-file', pattern(3 * R + 7, 60));
  sb.ok(['clone', 'tank/a@s1', 'tank/c']);
  put('tank/c', '/clone-only', pattern(2 * R, 70));
  put('tank/a', '/d0/f0', pattern(5000, 80)); // the snapshot keeps the old one
  return files;
}

function readBack(sb: Sandbox, files: Map<string, Buffer>): void {
  for (const [key, want] of files) {
    const [ds, file] = key.split(':');
    const got = sb.bytesOf(['cat', ds, file]);
    expect(got.equals(want), `${key} reads back as written`).toBe(true);
  }
  // and the snapshot's old copy of /d0/f0
  expect(sb.bytesOf(['cat', 'tank/a@s1', '/d0/f0']).equals(pattern(1, 1))).toBe(true);
}

describe('zpool remove of a top-level vdev', () => {
  it('moves a plain file vdev and a mirror off, keeps every byte; scrub, check and import -d agree', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 5);
      sb.ok(['pool', 'create', '-f', 'tank', d[0], d[1], 'mirror', d[2], d[3], d[4]]);
      const allocEmpty = sb.ok(['pool', 'list', '-Hp', '-o', 'alloc', 'tank']);
      const files = knownTree(sb);
      const usedBefore = sb.bytes('used', 'tank');
      sb.ok(['pool', 'remove', 'tank', d[1]]);
      readBack(sb, files);
      expect(poolProblems(sb.home)).toEqual([]);
      sb.ok(['pool', 'remove', 'tank', 'mirror-2']);
      readBack(sb, files);
      expect(poolProblems(sb.home)).toEqual([]);
      expect(sb.bytes('used', 'tank')).toBe(usedBefore);
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', 'tank'])).toContain('with 0 errors');
      // The removed devices hold no label: import -d finds the pool from d0 alone.
      sb.ok(['pool', 'export', 'tank']);
      for (const f of [d[1], d[2], d[3], d[4]]) fs.rmSync(f);
      const listing = sb.ok(['pool', 'import', '-d', sb.home]);
      expect(listing).toContain('indirect-1');
      sb.ok(['pool', 'import', '-d', sb.home, 'tank']);
      readBack(sb, files);
      // Frees of blocks on removed vdevs go to where their mapping says.
      sb.ok(['destroy', '-R', 'tank/a']);
      sb.ok(['rm', 'tank', '/root-file']);
      expect(poolProblems(sb.home)).toEqual([]);
      expect(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc', 'tank'])).toBe(allocEmpty);
    } finally {
      sb.cleanup();
    }
  });

  it('follows removals through removals: a vdev that took data is removed in turn', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 3);
      sb.ok(['pool', 'create', 'tank', ...d]);
      const files = knownTree(sb);
      sb.ok(['pool', 'remove', 'tank', d[2]]);
      sb.ok(['pool', 'remove', 'tank', d[0]]); // the registered device: the metadata follows
      readBack(sb, files);
      expect(poolProblems(sb.home)).toEqual([]);
      expect(fs.existsSync(`${d[1]}.lmdb`)).toBe(true);
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', '-x', 'tank'])).toBe("pool 'tank' is healthy\n");
      // The removed devices are free to use again.
      sb.ok(['pool', 'create', 'other', d[0], d[2]]);
    } finally {
      sb.cleanup();
    }
  });

  it('a resilver and a replace rebuild the blocks a removal moved onto their vdev', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 6);
      sb.ok(['pool', 'create', '-f', 'tank', d[0], d[1], 'mirror', d[2], d[3]]);
      const files = knownTree(sb);
      sb.ok(['pool', 'remove', 'tank', d[0]]);
      // d4 takes d2's place: the mirror's blocks, those moved there included, are rebuilt on it
      sb.ok(['pool', 'replace', 'tank', d[2], d[4]]);
      sb.ok(['pool', 'offline', 'tank', d[3]]);
      readBack(sb, files);
      sb.ok(['pool', 'online', 'tank', d[3]]);
      // a plain file vdev replaced: its blocks, moved ones included, copied from the old device
      sb.ok(['pool', 'replace', 'tank', d[1], d[5]]);
      fs.rmSync(d[1]);
      readBack(sb, files);
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', '-x', 'tank'])).toBe("pool 'tank' is healthy\n");
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('copies a mirror side by side: silent damage on one side of it is still repaired after', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 4);
      sb.ok(['pool', 'create', 'tank', 'mirror', d[0], d[1], 'mirror', d[2], d[3]]);
      const data = seededBytes(6 << 20, 9);
      sb.ok(['write', 'tank', '/f'], data);
      // everything d2 holds damaged, silently (no error until a checksum is checked)
      const fd = fs.openSync(d[2], 'r+');
      fs.writeSync(fd, Buffer.alloc(8 << 20, 0x5a), 0, 8 << 20, 4096);
      fs.closeSync(fd);
      sb.ok(['pool', 'remove', 'tank', 'mirror-1']);
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/scrub repaired [1-9][^ ]* in \S+ with 0 errors/);
      expect(sb.bytesOf(['cat', 'tank', '/f']).equals(data)).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('refuses a vdev with a device offline, and leaves the pool unchanged', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 3);
      sb.ok(['pool', 'create', '-f', 'tank', d[0], 'mirror', d[1], d[2]]);
      sb.ok(['write', 'tank', '/f'], seededBytes(2 << 20, 5));
      sb.ok(['pool', 'offline', 'tank', d[2]]);
      const r = sb.run(['pool', 'remove', 'tank', 'mirror-1']);
      expect(r.stderr).toBe('cannot remove mirror-1: Pool busy; removal may already be in progress\n');
      expect(r.status).toBe(1);
      sb.ok(['pool', 'online', 'tank', d[2]]);
      // by its guid, in decimal as zpool status -g shows it
      const json = JSON.parse(sb.ok(['pool', 'status', '-j', 'tank'])) as { pools: { tank: { vdevs: { tank: { vdevs: Record<string, { guid: string }> } } } } };
      sb.ok(['pool', 'remove', 'tank', json.pools.tank.vdevs.tank.vdevs['mirror-1'].guid]);
      expect(sb.ok(['pool', 'status', 'tank'])).not.toContain('mirror-1');
      expect(sb.bytesOf(['cat', 'tank', '/f']).equals(seededBytes(2 << 20, 5))).toBe(true);
    } finally {
      sb.cleanup();
    }
  });

  it('reads a guid as strtoull(3) does: hex only after 0x, so bare hex digits name no vdev', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 3);
      sb.ok(['pool', 'create', '-f', 'tank', d[0], 'mirror', d[1], d[2]]);
      const json = JSON.parse(sb.ok(['pool', 'status', '-j', 'tank'])) as { pools: { tank: { vdevs: { tank: { vdevs: Record<string, { guid: string }> } } } } };
      const hex = BigInt(json.pools.tank.vdevs.tank.vdevs['mirror-1'].guid).toString(16);
      const r = sb.run(['pool', 'remove', 'tank', hex]);
      expect(r.stderr).toBe(`cannot remove ${hex}: no such device in pool\n`);
      expect(r.status).toBe(1);
      sb.ok(['pool', 'remove', 'tank', `0x${hex}`]);
      expect(sb.ok(['pool', 'status', 'tank'])).not.toContain('mirror-1');
    } finally {
      sb.cleanup();
    }
  });

  it('needs feature@device_removal: a pool made without features refuses', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 2);
      sb.ok(['pool', 'create', '-d', 'tank', ...d]);
      const r = sb.run(['pool', 'remove', 'tank', d[1]]);
      expect(r.stderr).toBe(`cannot remove ${d[1]}: operation not supported on this type of pool\n`);
      expect(r.status).toBe(1);
      sb.ok(['pool', 'set', 'feature@device_removal=enabled', 'tank']);
      sb.ok(['pool', 'remove', 'tank', d[1]]);
      expect(sb.ok(['pool', 'get', '-H', '-o', 'value', 'feature@device_removal,feature@obsolete_counts', 'tank'])).toBe('active\ndisabled\n');
    } finally {
      sb.cleanup();
    }
  });

  it('status, list -v, status -j, -n, history and the refusals, as OpenZFS shows them', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 10);
    expectGolden(
      'removal',
      transcript(
        [
          ['pool', 'create', '-f', 'tank', d[0], d[1], 'mirror', d[2], d[3], 'special', d[4], 'log', d[7], 'mirror', d[5], d[6]],
          ['set', 'special_small_blocks=16K', 'tank'],
          { args: ['write', 'tank', '/big'], input: seededBytes(6 * 1024 * 1024 + 3, 1) },
          { args: ['write', 'tank', '/small'], input: 'a small file, on the special device\n' },
          ['pool', 'list', '-v', 'tank'],
          ['pool', 'remove', '-n', 'tank', d[1]],
          ['pool', 'remove', '-np', 'tank', d[1], d[7]],
          ['pool', 'remove', '-w', 'tank', d[1]],
          ['pool', 'status', 'tank'],
          ['pool', 'remove', 'tank', d[1]],
          ['pool', 'remove', 'tank', 'mirror-2'],
          ['pool', 'remove', 'tank', d[5]],
          ['pool', 'remove', 'tank', 'mirror-5', d[7]],
          ['pool', 'remove', 'tank', d[4]],
          ['pool', 'status', 'tank'],
          ['pool', 'list', '-v', 'tank'],
          ['pool', 'status', '-j', 'tank'],
          ['pool', 'iostat', '-v', 'tank'],
          ['cat', 'tank', '/small'],
          ['pool', 'scrub', 'tank'],
          ['pool', 'get', '-H', '-o', 'property,value', 'feature@device_removal,feature@obsolete_counts', 'tank'],
          ['pool', 'remove', 'tank', d[0]],
          ['pool', 'remove', '-s', 'tank'],
          ['pool', 'add', 'tank', d[8]],
          ['pool', 'status', 'tank'],
          ['pool', 'history', 'tank'],
          ['pool', 'create', '--size', '64M', 'one'],
          ['pool', 'remove', '-n', 'one', `${sb.home}/one.img`],
          ['pool', 'remove', 'one', `${sb.home}/one.img`],
          ['pool', 'remove', 'one', d[9]],
          ['pool', 'export', 'tank'],
          ['pool', 'import', '-d', sb.home],
          ['pool', 'import', '-d', sb.home, 'tank'],
          ['pool', 'list', '-v', 'tank'],
        ],
        sb,
      ),
    );
  });

  it('refuses when the rest of the pool cannot hold the data, changing nothing', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 2);
      sb.ok(['pool', 'create', 'tank', ...d]);
      sb.ok(['write', 'tank', '/f'], seededBytes(50 * 1024 * 1024, 3));
      expect(sb.bytes('used', 'tank')).toBeGreaterThan(40 * 1024 * 1024);
      const before = sb.ok(['pool', 'list', '-Hpv', 'tank']);
      const r = sb.run(['pool', 'remove', 'tank', d[1]]);
      expect(r.stderr).toBe(`cannot remove ${d[1]}: out of space\n`);
      expect(r.status).toBe(1);
      expect(sb.ok(['pool', 'list', '-Hpv', 'tank'])).toBe(before);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
