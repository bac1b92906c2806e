/**
 * Pools of several devices (issue 15): OpenZFS's vdev specification with its refusals, the vdev
 * tree in `zpool status`, and redundancy that works: for each layout a known tree is written,
 * damaged up to the redundancy (sectors overwritten, then whole devices gone), read back byte for
 * byte and scrubbed; one device more gives an I/O error and the damaged files, never wrong bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, sparseDevices, seededBytes, transcript, META_ASHIFT9 } from './harness.js';

const MiB = 1024 * 1024;

describe('zpool create with a vdev specification', () => {
  it('refuses what OpenZFS refuses, with its messages, and lays out what it accepts', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 10);
    const small = sparseDevices(sb, 2, 32 * MiB, 'small');
    const big = sparseDevices(sb, 1, 128 * MiB, 'big');
    expectGolden(
      'topology/create-grammar',
      transcript(
        [
          ['pool', 'create', 'tank', 'mirror', 'd0', 'd1'],
          ['pool', 'create', 'tank', 'raidz2', d[0], d[1]],
          ['pool', 'create', 'tank', 'raidz3', d[0], d[1], d[2]],
          ['pool', 'create', 'tank', 'mirror', d[0]],
          ['pool', 'create', 'tank', 'raidz4', d[0], d[1]],
          ['pool', 'create', 'tank', 'draid2', d[0], d[1], d[2]],
          ['pool', 'create', 'tank', d[0], 'log', 'raidz', d[1], d[2]],
          ['pool', 'create', 'tank', d[0], 'log', d[1], 'log', d[2]],
          ['pool', 'create', 'tank', d[0], 'spare', d[1], 'spare', d[2]],
          ['pool', 'create', 'tank', d[0], 'log'],
          ['pool', 'create', 'tank', 'log', d[0]],
          ['pool', 'create', 'tank', d[0], 'mirror', d[1], d[2]],
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'mirror', d[2], d[3], d[4]],
          ['pool', 'create', 'tank', 'raidz1', d[0], d[1], d[2], 'raidz2', d[3], d[4], d[5]],
          ['pool', 'create', 'tank', 'raidz2', d[0], d[1], d[2], 'mirror', d[3], d[4]],
          ['pool', 'create', 'tank', 'mirror', d[0], big[0]],
          ['pool', 'create', 'tank', 'mirror', d[0], d[0]],
          ['pool', 'create', 'tank', 'mirror', d[0], small[0]],
          ['pool', 'create', 'tank', 'mirror', small[0], small[1]],
          ['pool', 'create', '-n', 'tank', 'raidz2', d[0], d[1], d[2], d[3], 'special', 'mirror', d[4], d[5], 'log', d[6], 'cache', d[7], 'spare', big[0]],
          ['pool', 'create', '-n', 'tank', 'raidz2', d[0], d[1], d[2], d[3], 'special', 'mirror', d[4], d[5], d[6], 'log', 'mirror', d[7], big[0], 'cache', d[8], 'spare', d[9]],
          ['pool', 'create', '-f', '-n', 'tank', d[0], 'mirror', d[1], d[2]],
          ['pool', 'create', 'tank', 'raidz2', d[0], d[1], d[2], d[3], 'mirror', d[4], d[5], d[6], 'log', d[7], 'spare', big[0]],
          ['pool', 'status', 'tank'],
          ['pool', 'list', 'tank'],
          ['pool', 'create', 'other', d[4], d[5]],
        ],
        sb,
      ),
    );
  });

  it('makes missing devices at --size, preallocated, and a single device at ashift=9', () => {
    const sb = new Sandbox();
    try {
      const [a, b] = [path.join(sb.home, 'a'), path.join(sb.home, 'b')];
      sb.ok(['pool', 'create', '--size', '64M', 'tank', 'mirror', a, b]);
      for (const f of [a, b]) {
        const st = fs.statSync(f);
        expect(st.size).toBe(64 * MiB);
        expect(st.blocks * 512).toBeGreaterThanOrEqual(64 * MiB);
      }
      const [c] = sparseDevices(sb, 1, 64 * MiB, 'c');
      sb.ok(['pool', 'create', '-o', 'ashift=9', 'small', c]);
      sb.ok(['write', 'small', '/f'], seededBytes(1000, 5));
      // 1000 bytes take two 512-byte sectors at ashift=9 (a 4K one at 12), besides the root's metadata.
      expect(sb.bytes('used', 'small')).toBe(META_ASHIFT9 + 1024);
      expect(sb.ok(['pool', 'get', '-H', '-o', 'value', 'ashift', 'small'])).toBe('9\n');
      // No device named: the default image in the home, at that ashift too.
      sb.ok(['pool', 'create', '-o', 'ashift=9', '--size', '64M', 'home']);
      sb.ok(['write', 'home', '/f'], seededBytes(1000, 5));
      expect(sb.bytes('used', 'home')).toBe(META_ASHIFT9 + 1024);
      expect(fs.statSync(path.join(sb.home, 'home.img')).size).toBe(64 * MiB);
      sb.ok(['pool', 'destroy', 'home']);
      expect(fs.existsSync(path.join(sb.home, 'home.img'))).toBe(false);
    } finally {
      sb.cleanup();
    }
  });
});

interface Layout {
  name: string;
  spec: (d: string[]) => string[];
  devices: number;
  /** devices that may be lost without losing data */
  redundancy: number;
}

const LAYOUTS: Layout[] = [
  { name: 'stripe', spec: (d) => d, devices: 3, redundancy: 0 },
  { name: 'mirror-2', spec: (d) => ['mirror', ...d], devices: 2, redundancy: 1 },
  { name: 'mirror-3', spec: (d) => ['mirror', ...d], devices: 3, redundancy: 2 },
  { name: 'raidz1', spec: (d) => ['raidz1', ...d], devices: 3, redundancy: 1 },
  { name: 'raidz2', spec: (d) => ['raidz2', ...d], devices: 5, redundancy: 2 },
  { name: 'raidz3', spec: (d) => ['raidz3', ...d], devices: 6, redundancy: 3 },
];

/** The known tree: files of several record counts and a small one, in a directory too. */
const TREE: Array<[string, Buffer]> = [
  ['/big', seededBytes(1300 * 1024, 1)],
  ['/dir/mid', seededBytes(300000, 2)],
  ['/dir/small', seededBytes(10000, 3)],
  ['/tiny', seededBytes(700, 4)],
];

function writeTree(sb: Sandbox): void {
  for (const [p, data] of TREE) sb.ok(['write', '-p', 'tank', p], data);
}

/** Every file read back: its exact bytes, or an I/O error; never other bytes. */
function readBack(sb: Sandbox): { good: number; failed: number } {
  let good = 0;
  let failed = 0;
  for (const [p, data] of TREE) {
    const r = sb.exec(['cat', 'tank', p]);
    if (r.status === 0) {
      expect(Buffer.compare(r.stdout, data), `${p} read back other bytes`).toBe(0);
      good++;
    } else {
      expect(r.stderr.toString()).toMatch(/I\/O error/);
      failed++;
    }
  }
  return { good, failed };
}

/** Overwrite `bytes` of a device's data area (after its label) with garbage. */
function scribble(file: string, bytes = 2 * MiB): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, seededBytes(bytes, 99), 0, bytes, 4096);
  } finally {
    fs.closeSync(fd);
  }
}

const cksumOf = (status: string, device: string): number => {
  const row = status.split('\n').find((l) => l.trim().startsWith(device + ' '));
  return Number(row?.trim().split(/\s+/)[4]);
};

describe.each(LAYOUTS)('$name: damage up to the redundancy heals, one more fails cleanly', (layout) => {
  it('sectors overwritten, devices gone, scrub, replace and resilver, one device too many', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, layout.devices);
      sb.ok(['pool', 'create', 'tank', ...layout.spec(d)]);
      writeTree(sb);
      expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
      const lost = d.slice(0, layout.redundancy);
      if (layout.redundancy > 0) {
        // Bad sectors on as many devices as the redundancy: reads heal them.
        for (const f of lost) scribble(f);
        expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
        let status = sb.ok(['pool', 'status', 'tank']);
        for (const f of lost) expect(cksumOf(status, f)).toBeGreaterThan(0);
        // A scrub finds what reads left (parity columns) and repairs it; a second finds nothing.
        for (const f of lost) scribble(f);
        sb.ok(['pool', 'scrub', 'tank']);
        status = sb.ok(['pool', 'status', 'tank']);
        expect(status).toMatch(/scan: scrub repaired [1-9][\d.]*[KM] in .* with 0 errors/);
        expect(status).toMatch(/errors: No known data errors/);
        sb.ok(['pool', 'clear', 'tank']);
        sb.ok(['pool', 'scrub', 'tank']);
        expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/scan: scrub repaired 0B in .* with 0 errors/);
        // Whole devices gone: the pool is DEGRADED and every byte is still there.
        for (const f of lost) fs.rmSync(f);
        expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
        status = sb.ok(['pool', 'status', 'tank']);
        expect(status).toMatch(/ state: DEGRADED/);
        for (const f of lost) expect(status).toMatch(new RegExp(`${f}\\s+UNAVAIL\\s+0\\s+0\\s+0\\s+cannot open`));
        sb.ok(['pool', 'scrub', 'tank']);
        expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/with 0 errors/);
        // New files in their place, replaced and resilvered: ONLINE with 0 errors...
        for (const f of lost) {
          fs.writeFileSync(f, '');
          fs.truncateSync(f, 64 * MiB);
          sb.ok(['pool', 'replace', 'tank', f]);
        }
        status = sb.ok(['pool', 'status', 'tank']);
        expect(status).toMatch(/ state: ONLINE\n/);
        expect(status).toMatch(/scan: resilvered [1-9][\d.]*[KM] in .* with 0 errors/);
        expect(status).toMatch(/errors: No known data errors/);
        // ...and the new devices hold their share: as many others gone, every byte is there.
        for (const f of d.slice(layout.redundancy, 2 * layout.redundancy)) fs.rmSync(f);
        expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
      } else {
        // A stripe member replaced by another file: its blocks are copied, the old one may go.
        const fresh = sparseDevices(sb, 1, 64 * MiB, 'new')[0];
        sb.ok(['pool', 'replace', 'tank', d[1], fresh]);
        fs.rmSync(d[1]);
        expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
        expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/scan: resilvered [1-9][\d.]*[KM] in .* with 0 errors/);
      }
      // One device more than the redundancy: I/O errors, the damaged files listed, no wrong bytes.
      const present = () => [...d, ...fs.readdirSync(sb.home).filter((n) => n.startsWith('new')).map((n) => path.join(sb.home, n))].filter((f) => fs.existsSync(f));
      while (present().length > layout.devices - layout.redundancy - 1) fs.rmSync(present()[0]);
      const { failed } = readBack(sb);
      expect(failed).toBeGreaterThan(0);
      const status = sb.run(['pool', 'status', '-v', 'tank']).stdout;
      expect(status).toMatch(/errors: Permanent errors have been detected in the following files:/);
      expect(status).toMatch(/tank:\/big/);
    } finally {
      sb.cleanup();
    }
  });
});

describe('faults on purpose and plain file damage', () => {
  it('tszfs inject: damaged reads healed, failing reads, a device taken away, cleared', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 2);
    const data = seededBytes(400000, 7);
    const catOk = () => {
      const r = sb.exec(['cat', 'tank', '/f']);
      return r.status === 0 ? (Buffer.compare(r.stdout, data) === 0 ? 'same bytes\n' : 'OTHER BYTES\n') : r.stderr.toString();
    };
    const steps: Array<() => string> = [];
    const run = (args: string[]) => () => {
      const r = sb.run(args);
      return `$ tszfs ${args.join(' ')}\n${r.stdout}${r.stderr ? `[stderr]\n${r.stderr}` : ''}${r.status ? `[exit ${r.status}]\n` : ''}`;
    };
    const cat = () => `$ tszfs cat tank /f\n${catOk()}`;
    sb.ok(['pool', 'create', 'tank', 'mirror', ...d]);
    sb.ok(['write', 'tank', '/f'], data);
    steps.push(
      run(['inject']),
      run(['inject', '-d', d[0], '-e', 'checksum', 'tank']),
      cat,
      run(['pool', 'status', 'tank']),
      run(['inject', '-d', 'd1', '-e', 'io', '-T', 'read', 'tank']),
      run(['inject']),
      cat,
      run(['pool', 'status', '-v', 'tank']),
      run(['inject', '-c', '2']),
      cat,
      run(['inject', '-d', 'd1', 'tank']),
      run(['pool', 'status', 'tank']),
      cat,
      run(['inject', '-c', 'all']),
      run(['pool', 'clear', 'tank', 'd0']),
      run(['pool', 'scrub', 'tank']),
      run(['pool', 'status', 'tank']),
      run(['inject', '-d', 'nosuch', 'tank']),
      run(['inject', '-d', 'd0', '-e', 'dtl', 'tank']),
      run(['inject', '-c', '9']),
    );
    try {
      const text = steps.map((s) => s()).join('').split(sb.home).join('$TSZFS_HOME');
      expectGolden('topology/inject', text);
    } finally {
      sb.cleanup();
    }
  });

  it('a device file truncated or overwritten between commands: READ and CKSUM errors, data intact', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 3);
      sb.ok(['pool', 'create', 'tank', 'raidz1', ...d]);
      writeTree(sb);
      fs.truncateSync(d[1], 4096 + 64 * 1024);
      expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
      const status = sb.ok(['pool', 'status', 'tank']);
      const row = status.split('\n').find((l) => l.includes(d[1]))!.trim().split(/\s+/);
      expect(Number(row[2])).toBeGreaterThan(0); // READ
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/with 0 errors/);
      // The scrub wrote every column back: the device holds its data again.
      sb.ok(['pool', 'clear', 'tank']);
      scribble(d[2]);
      expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
    } finally {
      sb.cleanup();
    }
  });
});

describe('writes that fail on a device', () => {
  it.each([
    ['mirror', 2],
    ['raidz2', 4],
  ])('%s: the other devices hold the data; the stale device is healed on read', (kind, n) => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, n);
      sb.ok(['pool', 'create', 'tank', kind, ...d]);
      sb.ok(['inject', '-d', d[0], '-e', 'io', '-T', 'write', 'tank']);
      writeTree(sb);
      let status = sb.ok(['pool', 'status', 'tank']);
      expect(status.split('\n').find((l) => l.includes(d[0]))!.trim().split(/\s+/)[3]).not.toBe('0'); // WRITE
      sb.ok(['inject', '-c', 'all']);
      expect(readBack(sb)).toEqual({ good: TREE.length, failed: 0 });
      status = sb.ok(['pool', 'status', 'tank']);
      expect(cksumOf(status, d[0])).toBeGreaterThan(0);
      sb.ok(['pool', 'clear', 'tank']);
      sb.ok(['pool', 'scrub', 'tank']);
      sb.ok(['pool', 'clear', 'tank']);
      // Healed: a second scrub finds nothing to repair.
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/scrub repaired 0B/);
    } finally {
      sb.cleanup();
    }
  });
});

describe('pools of several devices in the life of a pool', () => {
  it('snapshots, overwrites and destroys keep the books exact; export, import and destroy', async () => {
    const { poolProblems } = await import('../engine/check-helper.js');
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 7);
      sb.ok(['pool', 'create', '-f', 'tank', 'raidz2', d[0], d[1], d[2], d[3], 'mirror', d[4], d[5], d[6]]);
      writeTree(sb);
      sb.ok(['snapshot', 'tank@one']);
      sb.ok(['write', 'tank', '/big', '--offset', '5000'], seededBytes(200000, 8));
      sb.ok(['rm', 'tank', '/tiny']);
      sb.ok(['create', 'tank/child']);
      sb.ok(['write', 'tank/child', '/x'], seededBytes(700000, 9));
      expect(poolProblems(sb.home)).toEqual([]);
      sb.ok(['destroy', 'tank@one']);
      sb.ok(['destroy', 'tank/child']);
      expect(poolProblems(sb.home)).toEqual([]);
      // Both top-level vdevs took blocks.
      const alloc = Number(sb.ok(['pool', 'list', '-Hp', '-o', 'allocated', 'tank']).trim());
      expect(alloc).toBeGreaterThan(0);
      sb.ok(['pool', 'export', 'tank']);
      // Every device's label names the pool, its own vdev and the tree, and the last txg.
      const label = JSON.parse(fs.readFileSync(d[5]).subarray(4, 4096).toString().replace(/\0+$/, '').replace(/^TSZFS-IMAGE-1\n/, ''));
      expect(label.pool).toBe('tank');
      expect(label.tree.tops[1].children[1].guid).toBe(label.vdevGuid);
      expect(label.txg).toBeGreaterThan(1);
      sb.ok(['pool', 'import', '-d', sb.home, 'tank', 'renamed']);
      expect(JSON.parse(fs.readFileSync(d[3]).subarray(4, 4096).toString().replace(/\0+$/, '').replace(/^TSZFS-IMAGE-1\n/, '')).pool).toBe('renamed');
      sb.ok(['pool', 'export', 'renamed']);
      sb.ok(['pool', 'import', '-d', sb.home, 'renamed', 'tank']);
      const big = sb.bytesOf(['cat', 'tank', '/big']);
      const want = Buffer.from(TREE[0][1]);
      seededBytes(200000, 8).copy(want, 5000);
      expect(Buffer.compare(big, want)).toBe(0);
      sb.ok(['pool', 'destroy', 'tank']);
      // Its devices are free again: no -f needed.
      sb.ok(['pool', 'create', 'again', 'mirror', d[1], d[6]]);
    } finally {
      sb.cleanup();
    }
  });
});

describe('the special class', () => {
  it('takes records no larger than special_small_blocks; the rest goes to the normal class', () => {
    const sb = new Sandbox();
    try {
      const d = sparseDevices(sb, 5);
      sb.ok(['pool', 'create', '-O', 'special_small_blocks=16K', 'tank', 'raidz1', d[0], d[1], d[2], 'special', 'mirror', d[3], d[4]]);
      const small = seededBytes(9000, 11);
      const big = seededBytes(600000, 12);
      sb.ok(['write', 'tank', '/small'], small);
      sb.ok(['write', 'tank', '/big'], big);
      // Without the special mirror, the small file is gone and the big one is whole.
      sb.ok(['inject', '-d', d[3], 'tank']);
      sb.ok(['inject', '-d', d[4], 'tank']);
      expect(sb.run(['cat', 'tank', '/small']).stderr).toMatch(/I\/O error/);
      expect(Buffer.compare(sb.bytesOf(['cat', 'tank', '/big']), big)).toBe(0);
      sb.ok(['inject', '-c', 'all']);
      expect(Buffer.compare(sb.bytesOf(['cat', 'tank', '/small']), small)).toBe(0);
      // What the special class holds adds to AVAIL's base (spa_dspace), as in OpenZFS.
      expect(sb.ok(['pool', 'status', 'tank'])).toMatch(/\tspecial\n\t  mirror-1 /);
    } finally {
      sb.cleanup();
    }
  });
});

describe('import from device labels', () => {
  it('lists the tree of an exported pool, DEGRADED with a device gone, and imports it', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 6);
    sb.ok(['pool', 'create', 'tank', 'raidz1', d[0], d[1], d[2], 'log', d[3], 'cache', d[4], 'spare', d[5]]);
    sb.ok(['write', 'tank', '/f'], seededBytes(300000, 13));
    sb.ok(['pool', 'export', 'tank']);
    const before = transcript([['pool', 'import', '-d', sb.home]], sb, true);
    fs.rmSync(d[1]);
    const after = transcript(
      [
        ['pool', 'import', '-d', sb.home],
        ['pool', 'import', '-d', sb.home, 'tank'],
        ['pool', 'list'],
        ['pool', 'status', '-x'],
      ],
      sb,
    );
    expectGolden('topology/import', before + after);
  });
});

describe('zpool replace refusals', () => {
  it('says what OpenZFS says', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 4);
    const small = sparseDevices(sb, 1, 32 * MiB, 'small')[0];
    const other = sparseDevices(sb, 1, 64 * MiB, 'other')[0];
    sb.ok(['pool', 'create', 'tank', 'mirror', d[0], d[1], 'spare', d[2]]);
    sb.ok(['pool', 'create', 'other', other]);
    expectGolden(
      'topology/replace',
      transcript(
        [
          ['pool', 'replace', 'tank'],
          ['pool', 'replace', 'tank', 'nosuch', d[3]],
          ['pool', 'replace', 'tank', d[2], d[3]],
          ['pool', 'replace', 'tank', d[0], small],
          ['pool', 'replace', 'tank', d[0], other],
          ['pool', 'replace', 'tank', d[0], d[1]],
          ['pool', 'replace', 'tank', d[0], 'relative'],
          ['pool', 'replace', 'tank', d[0], path.join(sb.home, 'missing')],
          ['pool', 'replace', 'tank', d[0]],
          ['pool', 'replace', 'tank', 'd0', d[3]],
          ['pool', 'status', 'tank'],
          ['pool', 'replace', 'other', other, d[0]],
          // The replaced first device is free again, and the pool moved to the new one.
          ['pool', 'create', 'third', d[0]],
          ['pool', 'export', 'tank'],
          ['pool', 'import', '-d', sb.home],
          ['pool', 'import', '-d', sb.home, 'tank'],
        ],
        sb,
      ),
    );
  });
});

describe('zpool add', () => {
  it('adds top-level vdevs, logs, cache and spares with OpenZFS refusals; new blocks spread', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 10);
    const one = sparseDevices(sb, 1, 64 * MiB, 'one')[0];
    sb.ok(['pool', 'create', 'tank', 'mirror', d[0], d[1]]);
    sb.ok(['pool', 'create', 'single', one]);
    const text = transcript(
      [
        ['pool', 'add', 'tank'],
        ['pool', 'add', 'tank', d[2]],
        ['pool', 'add', 'tank', 'mirror', d[2], d[3], d[4]],
        ['pool', 'add', 'tank', 'raidz2', d[2], d[3], d[4]],
        ['pool', 'add', 'tank', 'mirror', d[0], d[2]],
        ['pool', 'add', 'single', d[2]],
        ['pool', 'add', '-n', 'tank', 'mirror', d[2], d[3], 'log', d[4], 'cache', d[5]],
        ['pool', 'add', 'tank', 'mirror', d[2], d[3], 'log', d[4], 'cache', d[5]],
        ['pool', 'add', 'tank', 'raidz1', d[6], d[7], d[8], 'spare', d[9]],
        ['pool', 'status', 'tank'],
        ['pool', 'list', 'tank'],
      ],
      sb,
      true,
    );
    try {
      expectGolden('topology/add', text);
      // Blocks written now go to every data vdev: losing one whole mirror loses files.
      for (let i = 0; i < 12; i++) sb.ok(['write', 'tank', `/f${i}`], seededBytes(300000, 20 + i));
      fs.rmSync(d[2]);
      fs.rmSync(d[3]);
      const failed = Array.from({ length: 12 }, (_, i) => sb.exec(['cat', 'tank', `/f${i}`]).status).filter((s) => s !== 0).length;
      expect(failed).toBeGreaterThan(0);
      expect(failed).toBeLessThan(12);
    } finally {
      sb.cleanup();
    }
  });
});

describe('zpool offline and online', () => {
  it('takes a device out while replicas remain, and resilvers what it missed when it is back', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 3);
    sb.ok(['pool', 'create', 'tank', 'raidz1', ...d]);
    sb.ok(['write', 'tank', '/before'], seededBytes(200000, 30));
    const text = transcript(
      [
        ['pool', 'offline', 'tank'],
        ['pool', 'offline', 'tank', 'nosuch'],
        ['pool', 'offline', 'tank', 'd1'],
        ['pool', 'offline', 'tank', 'd2'],
        ['pool', 'status', 'tank'],
        { args: ['write', 'tank', '/during'], input: seededBytes(300000, 31) },
        ['pool', 'online', 'tank', 'd1'],
        ['pool', 'status', 'tank'],
        ['pool', 'offline', '-t', 'tank', 'd0'],
        ['pool', 'export', 'tank'],
        ['pool', 'import', '-d', sb.home, 'tank'],
        ['pool', 'status', '-x'],
      ],
      sb,
      true,
    );
    try {
      expectGolden('topology/offline-online', text);
      // d1 holds what was written while it was offline: with d2 gone, every byte is there.
      fs.rmSync(d[2]);
      expect(Buffer.compare(sb.bytesOf(['cat', 'tank', '/during']), seededBytes(300000, 31))).toBe(0);
      expect(Buffer.compare(sb.bytesOf(['cat', 'tank', '/before']), seededBytes(200000, 30))).toBe(0);
    } finally {
      sb.cleanup();
    }
  });
});

describe('zpool attach and detach', () => {
  it('a file vdev becomes a mirror and back; the new side is resilvered', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 5);
    const small = sparseDevices(sb, 1, 32 * MiB, 'small')[0];
    sb.ok(['pool', 'create', 'tank', d[0], d[1]]);
    sb.ok(['write', 'tank', '/f'], seededBytes(900000, 40));
    sb.ok(['pool', 'create', 'rz', 'raidz1', ...sparseDevices(sb, 3, 64 * MiB, 'r')]);
    const text = transcript(
      [
        ['pool', 'attach', 'tank', d[0]],
        ['pool', 'attach', 'tank', 'nosuch', d[2]],
        ['pool', 'attach', 'tank', d[0], small],
        ['pool', 'attach', 'rz', 'r0', d[2]],
        ['pool', 'attach', 'tank', d[0], d[2]],
        ['pool', 'attach', 'tank', d[1], d[3]],
        ['pool', 'attach', 'tank', d[1], d[4]],
        ['pool', 'status', 'tank'],
        ['pool', 'detach', 'tank', d[4]],
        ['pool', 'detach', 'tank', d[0]],
        ['pool', 'detach', 'rz', 'r0'],
        ['pool', 'status', 'tank'],
      ],
      sb,
      true,
    );
    try {
      expectGolden('topology/attach-detach', text);
      // d[2] holds the first vdev's blocks alone now, d[1] and d[3] mirror the second: with d[1]
      // gone, every byte is there.
      fs.rmSync(d[1]);
      expect(Buffer.compare(sb.bytesOf(['cat', 'tank', '/f']), seededBytes(900000, 40))).toBe(0);
      // The detached devices are free again.
      sb.ok(['pool', 'create', 'again', 'mirror', d[0], d[4]]);
    } finally {
      sb.cleanup();
    }
  });
});
