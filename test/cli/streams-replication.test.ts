/**
 * send -R / -p and their receive: whole trees (children, snapshots, clones, properties) through a
 * shell pipe into a pool under another TSZFS_HOME, incremental replication with -F pruning,
 * dry-run lines, damaged packages, and version 1 streams of earlier tszfs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { BIN, expectGolden, ROOT, Sandbox, transcript, pattern } from './harness.js';

const R = 131072;
/** Each test runs the binary some dozens of times: on a loaded machine that takes minutes. */
const SLOW = 300_000;

/** tank/a with children b, c (8K records), c/deep, snapshots s1..s3 and a clone of b@s1. */
function sourceTree(sb: Sandbox): void {
  sb.ok(['pool', 'create', '--size', '256M', 'tank']);
  sb.ok(['create', '-o', 'atime=off', 'tank/a']);
  sb.ok(['create', '-o', 'user:note=hello', 'tank/a/b']);
  sb.ok(['create', '-o', 'recordsize=8K', 'tank/a/c']);
  sb.ok(['create', 'tank/a/c/deep']);
  sb.ok(['write', '-p', 'tank/a', '/etc/app.conf'], 'x=1\n');
  sb.ok(['write', 'tank/a/b', '/big'], pattern(5 * R, 1));
  sb.ok(['write', 'tank/a/c', '/small'], pattern(40 * 8192, 2));
  sb.ok(['write', 'tank/a/c/deep', '/d'], 'deep\n');
  sb.ok(['snapshot', '-r', 'tank/a@s1']);
  sb.ok(['write', '--offset', String(2 * R + 7), 'tank/a/b', '/big'], 'patch');
  sb.ok(['rm', 'tank/a', '/etc/app.conf']);
  sb.ok(['snapshot', '-r', 'tank/a@s2']);
  sb.ok(['set', 'user:snapnote=second', 'tank/a/b@s2']);
  sb.ok(['clone', 'tank/a/b@s1', 'tank/a/clone']);
  sb.ok(['write', 'tank/a/clone', '/mine'], pattern(R + 100, 3));
  sb.ok(['write', 'tank/a/c', '/small'], pattern(8192, 4));
  sb.ok(['snapshot', '-r', 'tank/a@s3']);
}

/** Every dataset and snapshot below `top` with its guid, origin and space, names relative to `top`. */
function inventory(sb: Sandbox, top: string): string {
  const out = sb.ok(['list', '-Hp', '-t', 'all', '-r', '-o', 'name,guid,origin,used,referenced,usedbysnapshots,written', top]);
  // A filesystem's own guid is new on the receiving side; its snapshots keep theirs.
  return out
    .split(top)
    .join('TOP')
    .split('\n')
    .map((line) => (line.split('\t')[0].includes('@') ? line : line.replace(/\t\d+\t/, '\t-\t')))
    .join('\n');
}

/** The files of every dataset and snapshot below `top`, byte for byte. */
function contents(sb: Sandbox, top: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of sb.ok(['list', '-H', '-t', 'all', '-r', '-o', 'name', top]).trim().split('\n')) {
    const listing = sb.ok(['ls', '-R', name]);
    files.set(`${name.replace(top, 'TOP')} ls`, Buffer.from(listing));
    for (const p of listing.split('\n').filter((l) => l.startsWith('/') && !l.endsWith(':'))) {
      const r = spawnSync(process.execPath, [BIN, 'cat', name, p], { env: sb.env() });
      if (r.status === 0) files.set(`${name.replace(top, 'TOP')} ${p}`, r.stdout);
    }
  }
  return files;
}

function pipe(from: Sandbox, sendArgs: string, to: Sandbox, recvArgs: string): { status: number; stderr: string } {
  const r = spawnSync('bash', ['-c', `set -o pipefail; node ${BIN} ${sendArgs} | TSZFS_HOME=${to.home} node ${BIN} ${recvArgs}`], {
    env: from.env(),
  });
  return { status: r.status ?? -1, stderr: r.stderr.toString() };
}

describe('send -R and receive of a tree', () => {
  it('replicates a tree, full then incremental with -F, into another TSZFS_HOME through a pipe', () => {
    const from = new Sandbox();
    const to = new Sandbox();
    try {
      sourceTree(from);
      to.ok(['pool', 'create', '--size', '256M', 'backup']);
      expect(pipe(from, 'send -R tank/a@s3', to, 'receive -d backup')).toEqual({ status: 0, stderr: '' });
      expect(inventory(to, 'backup/a')).toBe(inventory(from, 'tank/a'));
      expect(contents(to, 'backup/a')).toEqual(contents(from, 'tank/a'));
      expect(to.ok(['get', '-H', '-o', 'value,source', 'origin', 'backup/a/clone'])).toBe('backup/a/b@s1\t-\n');
      expect(poolProblems(to.home, 'backup')).toEqual([]);

      // The sender moves on: a new child, a destroyed snapshot and child, new data everywhere.
      from.ok(['write', 'tank/a/b', '/big'], pattern(R, 5));
      from.ok(['create', 'tank/a/new']);
      from.ok(['write', 'tank/a/new', '/n'], 'new\n');
      from.ok(['snapshot', '-r', 'tank/a@s4']);
      from.ok(['destroy', 'tank/a/c@s2']);
      from.ok(['destroy', '-r', 'tank/a/clone']);
      from.ok(['write', 'tank/a/c/deep', '/d'], 'deeper\n');
      from.ok(['snapshot', '-r', 'tank/a@s5']);
      // The receiver grew things the sender does not have (a snapshot alone would be no change).
      to.ok(['write', 'backup/a/c', '/mine'], 'mine\n');
      to.ok(['snapshot', 'backup/a/c@mine']);
      to.ok(['create', 'backup/a/local']);

      const refused = pipe(from, 'send -R -I @s3 tank/a@s5', to, 'receive -d backup');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toBe('cannot receive incremental stream: destination backup/a/c has been modified\nsince most recent snapshot\n');
      expect(to.run(['list', 'backup/a/new']).status).toBe(1);

      expect(pipe(from, 'send -R -I @s3 tank/a@s5', to, 'receive -F -d backup')).toEqual({ status: 0, stderr: '' });
      expect(inventory(to, 'backup/a')).toBe(inventory(from, 'tank/a'));
      expect(contents(to, 'backup/a')).toEqual(contents(from, 'tank/a'));
      expect(poolProblems(to.home, 'backup')).toEqual([]);
    } finally {
      from.cleanup();
      to.cleanup();
    }
  }, SLOW);

  it('-R -i sends only the named snapshots; a new child starts with a full stream', () => {
    const sb = new Sandbox();
    try {
      sourceTree(sb);
      sb.ok(['receive', 'tank/copy'], sb.bytesOf(['send', '-R', 'tank/a@s1']));
      sb.ok(['create', 'tank/a/later']);
      sb.ok(['snapshot', '-r', 'tank/a@s4']);
      const text = transcript(
        [
          ['send', '-nv', '-R', '-i', 'tank/a@s1', 'tank/a@s4'],
          { args: ['receive', '-v', '-n', 'tank/copy'], input: sb.bytesOf(['send', '-R', '-i', '@s1', 'tank/a@s4']) },
        ],
        sb,
        true,
      );
      expectGolden('streams-replication-incremental', text);
      sb.ok(['receive', 'tank/copy'], sb.bytesOf(['send', '-R', '-i', '@s1', 'tank/a@s4']));
      // An incremental package received twice: the second time every snapshot is there already
      // (same name, same guid), so each stream is skipped.
      sb.ok(['snapshot', '-r', 'tank/a@s5']);
      const s5 = sb.bytesOf(['send', '-R', '-i', '@s4', 'tank/a@s5']);
      sb.ok(['receive', 'tank/copy'], s5);
      const again = sb.run(['receive', '-v', 'tank/copy'], s5);
      expect(again.status).toBe(0);
      expect(again.stdout.split('\n').filter((l) => l.startsWith('snap '))).toEqual([
        'snap tank/copy@s5 already exists; ignoring',
        'snap tank/copy/b@s5 already exists; ignoring',
        'snap tank/copy/c@s5 already exists; ignoring',
        'snap tank/copy/c/deep@s5 already exists; ignoring',
        'snap tank/copy/clone@s5 already exists; ignoring',
        'snap tank/copy/later@s5 already exists; ignoring',
      ]);
      expect(sb.ok(['list', '-H', '-t', 'snapshot', '-o', 'name', '-r', 'tank/copy'])).toBe(
        [
          'tank/copy@s1',
          'tank/copy@s4',
          'tank/copy@s5',
          'tank/copy/b@s1',
          'tank/copy/b@s4',
          'tank/copy/b@s5',
          'tank/copy/c@s1',
          'tank/copy/c@s4',
          'tank/copy/c@s5',
          'tank/copy/c/deep@s1',
          'tank/copy/c/deep@s4',
          'tank/copy/c/deep@s5',
          'tank/copy/clone@s4',
          'tank/copy/clone@s5',
          'tank/copy/later@s4',
          'tank/copy/later@s5',
          '',
        ].join('\n'),
      );
      expect(sb.bytesOf(['cat', 'tank/copy/b@s4', '/big']).equals(sb.bytesOf(['cat', 'tank/a/b@s4', '/big']))).toBe(true);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  }, SLOW);

  it('an incremental replication stream carries only what changed', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/a']);
      for (const child of ['x', 'y', 'z']) {
        sb.ok(['create', `tank/a/${child}`]);
        sb.ok(['write', `tank/a/${child}`, '/f'], pattern(20 * R, child.charCodeAt(0)));
      }
      sb.ok(['snapshot', '-r', 'tank/a@1']);
      sb.ok(['write', '--offset', String(7 * R + 1), 'tank/a/y', '/f'], 'one record');
      sb.ok(['snapshot', '-r', 'tank/a@2']);
      const full = sb.bytesOf(['send', '-R', 'tank/a@2']).length;
      const incremental = sb.bytesOf(['send', '-R', '-i', '@1', 'tank/a@2']).length;
      expect(full).toBeGreaterThan(60 * R);
      // One changed record, plus a few hundred bytes of header and framing per filesystem.
      expect(incremental).toBeGreaterThan(R);
      expect(incremental).toBeLessThan(R + 4096);
      // -nP's sizes are the sizes of the streams that follow the package's header.
      const parsable = sb.ok(['send', '-nP', '-R', '-i', '@1', 'tank/a@2']).trim().split('\n');
      const total = Number(parsable[parsable.length - 1].split('\t')[1]);
      expect(parsable.slice(0, -1).reduce((sum, l) => sum + Number(l.split('\t').pop()), 0)).toBe(total);
      expect(incremental - total).toBeGreaterThan(0);
      expect(incremental - total).toBeLessThan(2048);
    } finally {
      sb.cleanup();
    }
  }, SLOW);

  it('-p and -R bring properties with source received; local values still win', () => {
    const sb = new Sandbox();
    try {
      sourceTree(sb);
      sb.ok(['receive', 'tank/p'], sb.bytesOf(['send', '-p', 'tank/a/c@s1']));
      sb.ok(['receive', 'tank/r'], sb.bytesOf(['send', '-R', 'tank/a@s2']));
      sb.ok(['set', 'user:note=mine', 'tank/r/b']);
      sb.ok(['receive', 'tank/plain'], sb.bytesOf(['send', 'tank/a/c@s1']));
      const text = transcript(
        [
          ['get', '-o', 'name,property,value,received,source', 'recordsize', 'tank/p', 'tank/plain'],
          ['get', '-r', '-s', 'received', 'all', 'tank/r'],
          ['get', '-o', 'all', 'user:note,atime', 'tank/r/b'],
          ['get', 'user:snapnote', 'tank/r/b@s2', 'tank/r/b@s1'],
          ['inherit', '-S', 'user:note', 'tank/r/b'],
          ['get', 'user:note', 'tank/r/b'],
          ['inherit', 'user:note', 'tank/r/b'],
          ['get', 'user:note', 'tank/r/b'],
          ['get', '-j', 'recordsize', 'tank/r/c'],
        ],
        sb,
        true,
      );
      expectGolden('streams-received-properties', text);
    } finally {
      sb.cleanup();
    }
  }, SLOW);

  it('prints OpenZFS dry-run lines and refuses what OpenZFS refuses', () => {
    const sb = new Sandbox();
    sourceTree(sb);
    sb.ok(['create', 'tank/a/nosnap']);
    sb.ok(['snapshot', 'tank/a@lone']);
    const text = transcript(
      [
        ['send', '-nv', '-R', 'tank/a@s3'],
        ['send', '-nvP', '-R', 'tank/a@s3'],
        ['send', '-nP', '-R', '-I', '@s1', 'tank/a@s3'],
        ['send', '-nvp', 'tank/a/b@s2'],
        ['send', '-nvc', '-L', '-e', '-w', '-i', '@s1', 'tank/a/b@s2'],
        ['send', '-nP', '-R', 'tank/a/b@s3'],
        ['send', '-nv', '-R', 'tank/a@lone'],
        ['send', '-n', '-R', '-i', 'tank/a/b@s1', 'tank/a@s3'],
        ['send', '-n', '-R', 'tank/a'],
        ['send', '-n', '-R', '-i', '@s3', 'tank/a@s1'],
        { args: ['receive', 'tank/x@snap'], input: sb.bytesOf(['send', '-R', 'tank/a/c@s2']) },
        { args: ['receive', '-e', 'tank/x'], input: sb.bytesOf(['send', '-R', 'tank/a/c@s2']) },
        { args: ['receive', '-e', '-v', '-u', '-s', 'tank/a'], input: sb.bytesOf(['send', '-R', 'tank/a/c@s2']) },
        ['list', '-H', '-t', 'all', '-r', '-o', 'name', 'tank/a/c'],
      ],
      sb,
      true,
    );
    try {
      // Timings vary: only the shape of `received ...` lines is kept.
      expectGolden('streams-replication', text.replace(/^received (\S+) stream in [\d.]+ seconds \(\S+\/sec\)$/gm, 'received $1 stream in N seconds (RATE/sec)'));
    } finally {
      sb.cleanup();
    }
  }, SLOW);

  it('refuses damaged packages and leaves the destination exactly as it was', () => {
    const sb = new Sandbox();
    try {
      sourceTree(sb);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', '-R', 'tank/a@s1']));
      sb.ok(['snapshot', 'tank/dst/c@extra']);
      const full = sb.bytesOf(['send', '-R', 'tank/a@s3']);
      const inc = sb.bytesOf(['send', '-R', '-I', '@s1', 'tank/a@s3']);
      const headerEnd = inc.indexOf('TSZFS-STREAM v1\n', 16);
      const secondStream = inc.indexOf('TSZFS-STREAM v1\n', headerEnd + 16);
      const lastStream = inc.lastIndexOf('TSZFS-STREAM v1\n');
      const flip = (buf: Buffer, at: number) => {
        const copy = Buffer.from(buf);
        copy[at] ^= 0x20;
        return copy;
      };
      const before = sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,guid,used,referenced,written']);
      const damaged: Array<[string, Buffer]> = [
        ['header cut short', inc.subarray(0, headerEnd - 10)],
        ['header only', inc.subarray(0, headerEnd)],
        ['cut between two streams', inc.subarray(0, secondStream)],
        ['cut inside the last stream', inc.subarray(0, inc.length - 20)],
        ['a byte of the header flipped', flip(inc, 40)],
        ['a byte of the last stream flipped', flip(inc, lastStream + 200)],
        ['streams of another package', Buffer.concat([inc.subarray(0, headerEnd), full.subarray(full.indexOf('TSZFS-STREAM v1\n', 16))])],
      ];
      for (const [what, bytes] of damaged) {
        const r = sb.run(['receive', '-F', 'tank/dst'], bytes);
        expect(r.status, what).toBe(1);
        expect(r.stderr, what).toMatch(/^cannot receive( incremental stream| new filesystem stream)?: (failed to read from stream|invalid backup stream)\n$/);
        expect(sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,guid,used,referenced,written']), what).toBe(before);
      }
      expect(poolProblems(sb.home)).toEqual([]);
      // The whole package still goes in, pruning tank/dst/c@extra.
      sb.ok(['receive', '-F', 'tank/dst'], inc);
      expect(inventory(sb, 'tank/dst')).toBe(inventory(sb, 'tank/a'));
    } finally {
      sb.cleanup();
    }
  }, SLOW);

  it('receives version 1 streams of earlier tszfs (no POSIX attributes): objects get the defaults', () => {
    const sb = new Sandbox();
    try {
      const fixture = (name: string) => fs.readFileSync(path.join(ROOT, 'test/cli/fixtures', name));
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['receive', 'tank/old'], fixture('v1-full.stream'));
      sb.ok(['receive', 'tank/old'], fixture('v1-incremental.stream'));
      expect(sb.ok(['cat', 'tank/old@1', '/a.txt'])).toBe('version one\n');
      expect(sb.ok(['cat', 'tank/old', '/b.txt'])).toBe('second\n');
      expect(sb.ok(['list', '-Hp', '-t', 'snapshot', '-o', 'name,guid'])).toBe('tank/old@1\t1232875777118012068\ntank/old@2\t17297999725423047132\n');
      // Streams before POSIX attributes: mode 0644/0755, root's, atime and crtime from mtime.
      expect(sb.ok(['stat', '-c', '%n %F %a %u %g %h %X %Y %W', 'tank/old', '/', '/a.txt', '/b.txt'])).toMatch(
        /^\/ directory 755 0 0 2 (\d+) \1 \1\n\/a.txt regular file 644 0 0 1 (\d+) \2 \2\n\/b.txt regular file 644 0 0 1 (\d+) \3 \3\n$/,
      );
    } finally {
      sb.cleanup();
    }
  }, SLOW);
});
