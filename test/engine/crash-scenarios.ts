/**
 * Kill -9 in the middle of every changing command: afterwards the pool is exactly as before the
 * command or exactly as after it (every dataset, space number, property, file byte and history
 * line), the full pool check finds no leaked or doubly used extent and counters equal to the walk,
 * and the pool takes new work.
 *
 * Each scenario builds a pool once, saves its files, and learns the "after" state by running the
 * command to completion. Each trial restores the saved pool and runs the command again, killed
 * either at a named step of the transaction group (TSZFS_CRASH_AT, engine/pool/crash.ts) or from
 * outside at a seeded random instant of its measured run time. Each trial's outcome is asserted:
 * at a named step the command passes, it dies, leaving the state before it (or after it, at
 * `committed`); at a step it does not pass, and whenever the timed kill comes too late, it ends
 * with status 0 and the state after it; a timed kill leaves one of the two. Never exit status 1.
 * TSZFS_SOAK=1 runs twenty times as many timed trials.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeFile, catFiles } from '../../src/lib/files.js';
import { Home } from '../../src/lib/home.js';
import { Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';
import { fingerprint, pattern, random, runToDie, Saved } from './crash-support.js';

const SOAK = process.env.TSZFS_SOAK === '1';
// Every named step is a trial of its own; timed kills (at seeded fractions of the measured run
// time) add instants between them. TSZFS_SOAK=1 runs twenty times as many.
const TIMED_TRIALS = SOAK ? 120 : 3;
const STEPS = ['allocate', 'image-write', 'image-sync', 'commit', 'committed'];
/** Steps only a command that writes block data passes; every changing command passes the rest. */
const DATA_STEPS = ['allocate', 'image-write'];
const R = 131072;

export interface Scenario {
  name: string;
  setup: (sb: Sandbox) => void;
  args: string[];
  /** it writes block data to the image (and so passes DATA_STEPS) */
  writesData?: boolean;
  input?: Buffer;
  /** standard input made from the pool once it is set up (a stream sent from it) */
  inputOf?: (sb: Sandbox) => Buffer;
}

const poolOf = (size: string, layout?: string) => (sb: Sandbox) => {
  if (layout) {
    // a pool of several devices: tank.img first (its metadata beside it), then tank.devN
    const devices = ['tank.img', 'tank.dev1', 'tank.dev2'].map((f) => path.join(sb.home, f));
    // 'stripe': three plain files; 'file+mirror': a plain file and a mirror of the other two
    if (layout === 'file+mirror') sb.ok(['pool', 'create', '--size', size, '-f', 'tank', devices[0], 'mirror', devices[1], devices[2]]);
    else sb.ok(['pool', 'create', '--size', size, 'tank', ...(layout === 'stripe' ? [] : [layout]), ...devices]);
  } else sb.ok(['pool', 'create', '--size', size, 'tank']);
  sb.ok(['create', 'tank/a']);
  sb.ok(['write', '-p', 'tank/a', '/d/f'], pattern(3 * R + 100, 1));
  sb.ok(['write', 'tank/a', '/small'], 'small file\n');
  sb.ok(['snapshot', 'tank/a@s1']);
  sb.ok(['write', '--offset', String(R + 7), 'tank/a', '/d/f'], pattern(R, 2));
  sb.ok(['write', 'tank/a', '/g'], pattern(2 * R, 3));
};
const base = poolOf('64M');

const SCENARIOS: Scenario[] = [
  { name: 'write (replace, 12M)', setup: base, args: ['write', 'tank/a', '/d/f'], input: pattern(12 << 20, 4), writesData: true },
  { name: 'write on raidz1 of 3 (replace, 6M)', setup: poolOf('64M', 'raidz1'), args: ['write', 'tank/a', '/d/f'], input: pattern(6 << 20, 11), writesData: true },
  { name: 'rm -r on a mirror of 3', setup: poolOf('64M', 'mirror'), args: ['rm', '-r', 'tank/a', '/d', '/g'] },
  // zpool remove: the device's segments copied to the other two and mapped, in one txg
  { name: 'pool remove of a vdev of a stripe of 3', setup: poolOf('64M', 'stripe'), args: ['pool', 'remove', 'tank', 'tank.dev1'], writesData: true },
  { name: 'pool remove of a mirror (onto a plain file vdev)', setup: poolOf('64M', 'file+mirror'), args: ['pool', 'remove', 'tank', 'mirror-1'], writesData: true },
  // Past 32 MiB the image is flushed early on a thread of its own (pool/writeback.ts).
  { name: 'write (replace, 80M)', setup: poolOf('256M'), args: ['write', 'tank/a', '/d/f'], input: pattern(80 << 20, 10), writesData: true },
  { name: 'write --offset', setup: base, args: ['write', '--offset', '65536', 'tank/a', '/d/f'], input: pattern(3 * R, 5), writesData: true },
  { name: 'write -p (new file)', setup: base, args: ['write', '-p', 'tank/a', '/new/dir/h'], input: pattern(5000, 6), writesData: true },
  { name: 'rm -r', setup: base, args: ['rm', '-r', 'tank/a', '/d', '/g'] },
  { name: 'snapshot -r', setup: (sb) => (base(sb), sb.ok(['create', 'tank/a/b'])), args: ['snapshot', '-r', 'tank/a@s2'] },
  { name: 'clone', setup: base, args: ['clone', 'tank/a@s1', 'tank/c'] },
  { name: 'bookmark', setup: (sb) => (base(sb), sb.ok(['bookmark', 'tank/a@s1', 'tank/a#b0'])), args: ['bookmark', 'tank/a#b0', 'tank/a#b1'] },
  {
    name: 'destroy snapshot',
    setup: (sb) => (base(sb), sb.ok(['snapshot', 'tank/a@s2']), sb.ok(['write', 'tank/a', '/g'], pattern(R, 7))),
    args: ['destroy', 'tank/a@s2'],
  },
  { name: 'destroy -r filesystem', setup: base, args: ['destroy', '-r', 'tank/a'] },
  { name: 'set', setup: base, args: ['set', 'quota=10M', 'user:note=x', 'tank/a'] },
  {
    name: 'rollback',
    setup: (sb) => (base(sb), sb.ok(['snapshot', 'tank/a@s2']), sb.ok(['write', 'tank/a', '/g'], pattern(4 * R, 8))),
    args: ['rollback', 'tank/a@s2'],
  },
  {
    name: 'promote',
    setup: (sb) => (base(sb), sb.ok(['clone', 'tank/a@s1', 'tank/c']), sb.ok(['write', 'tank/c', '/cx'], pattern(R, 9))),
    args: ['promote', 'tank/c'],
  },
  // Commands over several datasets: one transaction for all of them (issue 12 item 4).
  {
    name: 'set on several datasets',
    setup: (sb) => (base(sb), sb.ok(['create', 'tank/a/b']), sb.ok(['create', 'tank/z'])),
    args: ['set', 'user:note=y', 'compression=off', 'tank/a', 'tank/a/b', 'tank/z'],
  },
  {
    name: 'inherit -r',
    setup: (sb) => {
      base(sb);
      sb.ok(['create', '-o', 'user:k=1', 'tank/a/b']);
      sb.ok(['create', '-o', 'user:k=2', 'tank/a/b/c']);
      sb.ok(['snapshot', '-r', 'tank/a@s9']);
      sb.ok(['set', 'user:k=3', 'tank/a', 'tank/a/b/c@s9']);
    },
    args: ['inherit', '-r', 'user:k', 'tank/a'],
  },
  {
    name: 'destroy -R (clones too)',
    setup: (sb) => (base(sb), sb.ok(['create', 'tank/a/b']), sb.ok(['snapshot', '-r', 'tank/a@s2']), sb.ok(['clone', 'tank/a/b@s2', 'tank/c'])),
    args: ['destroy', '-R', 'tank/a@s2'],
  },
  {
    name: 'rename -r',
    setup: (sb) => (base(sb), sb.ok(['create', 'tank/a/b']), sb.ok(['create', 'tank/a/b/c']), sb.ok(['snapshot', '-r', 'tank/a@s2'])),
    args: ['rename', '-r', 'tank/a@s2', 'tank/a@s3'],
  },
  {
    // Several snapshots in several txgs of one transaction, after -F pruned a snapshot.
    name: 'receive -F of an incremental replication stream',
    setup: (sb) => {
      base(sb);
      sb.ok(['create', 'tank/a/b']);
      sb.ok(['write', 'tank/a/b', '/f'], pattern(2 * R, 10));
      sb.ok(['snapshot', '-r', 'tank/a@s2']);
      sb.ok(['receive', 'tank/copy'], sb.bytesOf(['send', '-R', 'tank/a@s2']));
      sb.ok(['snapshot', 'tank/copy/b@extra']);
      sb.ok(['write', '--offset', '100', 'tank/a/b', '/f'], pattern(R, 11));
      sb.ok(['snapshot', '-r', 'tank/a@s3']);
      sb.ok(['write', 'tank/a', '/h'], pattern(3 * R, 12));
      sb.ok(['snapshot', '-r', 'tank/a@s4']);
    },
    inputOf: (sb) => sb.bytesOf(['send', '-R', '-I', '@s2', 'tank/a@s4']),
    args: ['receive', '-F', 'tank/copy'],
    writesData: true,
  },
  {
    // The old contents freed and the new written in one transaction: the filesystem is never empty.
    name: 'receive -F of a full stream over a filesystem without snapshots',
    setup: (sb) => (base(sb), sb.ok(['create', 'tank/b']), sb.ok(['write', 'tank/b', '/old'], pattern(2 * R, 13))),
    inputOf: (sb) => sb.bytesOf(['send', 'tank/a@s1']),
    args: ['receive', '-F', 'tank/b'],
    writesData: true,
  },
  {
    // The records a receive -s kept and the ones send -t brings applied, the kept ones dropped,
    // in one transaction: the partial state stays whole until the snapshot is there.
    name: 'receive -s completing a partial receive',
    setup: (sb) => {
      base(sb);
      sb.ok(['write', 'tank/a', '/big'], pattern(6 * R, 14));
      sb.ok(['snapshot', 'tank/a@s2']);
      const cut = sb.bytesOf(['send', 'tank/a@s2']).subarray(0, 4 * R);
      if (sb.run(['receive', '-s', 'tank/r'], cut).status !== 1) throw new Error('the cut stream was taken');
    },
    inputOf: (sb) => sb.bytesOf(['send', '-t', sb.ok(['get', '-H', '-o', 'value', 'receive_resume_token', 'tank/r']).trim()]),
    args: ['receive', '-s', 'tank/r'],
    writesData: true,
  },
  {
    // One archive, one transaction: thousands of objects of every kind (more than tar -x holds in
    // memory between two spills of written nodes) and 12 MiB of data, or nothing.
    name: 'tar -x of a tree',
    setup: (sb) => (poolOf('128M')(sb), sb.ok(['write', 'tank/a', '/d/keep'], 'old\n')),
    inputOf: () => treeArchive(),
    args: ['tar', '-x', '-C', '/d', 'tank/a'],
    writesData: true,
  },
  {
    // A whole layer chain (a base filesystem, snapshots, clones, deferred destroys, properties)
    // and every layer's files in one transaction, from an archive staged from standard input.
    name: 'image load of three layers',
    setup: (sb) => (poolOf('128M')(sb), sb.ok(['image', 'load'], imageArchive(['shared']))),
    inputOf: () => imageArchive(['shared', 'tree', 'changes']),
    args: ['image', 'load', 'img:1'],
    writesData: true,
  },
];

/** An OCI image layout as a tar archive, made here with GNU tar: layers `shared` (one file),
 *  `tree` (treeArchive's tree) and `changes` (a whiteout, a gzip-compressed layer, new data). */
function imageArchive(layers: string[]): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-crash-image-'));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  try {
    fs.mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
    const put = (b: Buffer) => (fs.writeFileSync(path.join(dir, 'blobs/sha256', sha(b)), b), `sha256:${sha(b)}`);
    const tars = layers.map((l) => {
      if (l === 'tree') return treeArchive();
      const t = fs.mkdtempSync(path.join(dir, 'layer-'));
      if (l === 'shared') fs.writeFileSync(path.join(t, 'base'), pattern(3 * R, 21));
      else {
        fs.writeFileSync(path.join(t, '.wh.big'), '');
        fs.mkdirSync(path.join(t, 'd1'));
        fs.writeFileSync(path.join(t, 'd1', 'f1'), pattern(2 * R, 22));
      }
      return execFileSync('tar', ['--format=posix', '-cf', '-', '-C', t, '.'], { maxBuffer: 64 << 20 });
    });
    const blobs = tars.map((t, i) => (layers[i] === 'changes' ? gzipSync(t) : t));
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha(t)}`) } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length },
        layers: blobs.map((b) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: put(b), size: b.length })),
      }),
    );
    fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(manifest), size: manifest.length }] }));
    return execFileSync('tar', ['-cf', '-', '-C', dir, 'oci-layout', 'index.json', 'blobs'], { maxBuffer: 64 << 20 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A GNU tar archive of a tree made on the host: directories, files, symlinks, hard links, a FIFO. */
function treeArchive(): Buffer {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-crash-tar-'));
  try {
    for (let d = 0; d < 60; d++) {
      fs.mkdirSync(path.join(dir, `d${d}`));
      for (let f = 0; f < 40; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}`), pattern(100 + d * 40 + f, d * 40 + f));
      fs.symlinkSync(`f0`, path.join(dir, `d${d}`, 'link'));
      fs.linkSync(path.join(dir, `d${d}`, 'f1'), path.join(dir, `d${d}`, 'hard'));
    }
    fs.writeFileSync(path.join(dir, 'big'), pattern(12 << 20, 99));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    return execFileSync('tar', ['--format=posix', '-cf', '-', '-C', dir, '.'], { maxBuffer: 64 << 20 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The scenarios `pick` keeps, each as a test (two test files share them, so that both of
 *  vitest's workers run crash trials at once). */
export function crashTests(title: string, pick: (scenario: Scenario) => boolean): void {
  describe(title, () => {
    for (const [index, scenario] of SCENARIOS.entries()) {
      if (!pick(scenario)) continue;
      it(`${scenario.name}: killed at any instant, the pool is as before or as after`, async () => {
        const sb = new Sandbox();
        try {
          scenario.setup(sb);
          const input = scenario.inputOf?.(sb) ?? scenario.input;
          const saved = new Saved(sb.home);
          const before = fingerprint(sb.home);
          const full = await runToDie(sb, scenario.args, input, {});
          expect(full.code).toBe(0);
          const after = fingerprint(sb.home);
          expect(after).not.toBe(before);
          const rand = random(1000 + index);
          const trials: Array<{ crashAt?: string; delayMs?: number }> = [
            ...STEPS.map((crashAt) => ({ crashAt })),
            ...Array.from({ length: TIMED_TRIALS }, () => ({ delayMs: Math.floor(full.ms * (0.3 + 0.8 * rand())) })),
          ];
          for (const trial of trials) {
            saved.restore();
            const outcome = await runToDie(sb, scenario.args, input, trial);
            const now = fingerprint(sb.home);
            const label = `${scenario.name} ${JSON.stringify(trial)} -> ${JSON.stringify(outcome)}`;
            // A run ends in one of two ways: killed, or done with status 0; never an error.
            expect(outcome.killed || outcome.code === 0, label).toBe(true);
            if (trial.crashAt !== undefined) {
              // A named step is hit exactly when the command passes it, and says which state is on disk.
              const passes = scenario.writesData || !DATA_STEPS.includes(trial.crashAt);
              expect(outcome.killed, label).toBe(passes);
              expect(now, label).toBe(passes && trial.crashAt !== 'committed' ? before : after);
            } else if (outcome.killed) {
              expect([before, after], label).toContain(now);
            } else {
              expect(now, label).toBe(after);
            }
            expect(poolProblems(sb.home), label).toEqual([]);
            // The pool takes new work.
            const home = new Home(sb.home);
            const data = pattern(R + 1, 77);
            let pos = 0;
            writeFile(home, 'tank', '/afterwards', { kind: 'replace' }, {
              read(buf, offset, length) {
                const n = Math.min(length, data.length - pos);
                data.copy(buf, offset, pos, pos + n);
                pos += n;
                return n;
              },
            }, { parents: false });
            const chunks: Buffer[] = [];
            catFiles(home, 'tank', ['/afterwards'], (c) => chunks.push(Buffer.from(c)));
            expect(Buffer.concat(chunks).equals(data), label).toBe(true);
            expect(poolProblems(sb.home), label).toEqual([]);
          }
        } finally {
          sb.cleanup();
        }
      }, SOAK ? 1_800_000 : 120_000);
    }
  });
}
