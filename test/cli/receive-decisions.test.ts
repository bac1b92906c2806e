/**
 * What receive decides about an existing destination, as OpenZFS does (recv_begin_check_existing_impl,
 * zfs_receive_one): an incremental from a snapshot that is not the newest, when nothing changed
 * since it (and when something did, with and without -F); and -F of a full stream over an
 * existing filesystem, a pool's root dataset included, and the refusals that stop it.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox, seededBytes, transcript } from './harness.js';

/** tank/src with /f changed between snapshots a, b and c. */
function source(sb: Sandbox): void {
  sb.ok(['pool', 'create', '--size', '128M', 'tank']);
  sb.ok(['create', 'tank/src']);
  sb.ok(['write', 'tank/src', '/f'], 'one\n');
  sb.ok(['snapshot', 'tank/src@a']);
  sb.ok(['write', 'tank/src', '/f'], 'two\n');
  sb.ok(['write', 'tank/src', '/g'], 'gee\n');
  sb.ok(['snapshot', 'tank/src@b']);
  sb.ok(['write', 'tank/src', '/f'], 'three\n');
  sb.ok(['snapshot', 'tank/src@c']);
}

const guid = (sb: Sandbox, ds: string) => sb.ok(['get', '-Hp', '-o', 'value', 'guid', ds]);

describe('receive decides as OpenZFS does', () => {
  it('takes an incremental from an older snapshot when nothing changed since it, and keeps the snapshots after it', () => {
    const sb = new Sandbox();
    try {
      source(sb);
      const full = sb.bytesOf(['send', 'tank/src@a']);
      const ab = sb.bytesOf(['send', '-i', '@a', 'tank/src@b']);
      const bc = sb.bytesOf(['send', '-i', '@b', 'tank/src@c']);
      const snaps = (ds: string) => ['list', '-r', '-t', 'snapshot', '-o', 'name', ds];
      const text = transcript(
        [
          { args: ['receive', 'tank/dst'], input: full },
          // Snapshots and properties are no change to the contents.
          ['snapshot', 'tank/dst@later'],
          ['set', 'user:note=set', 'tank/dst'],
          ['snapshot', 'tank/dst@later2'],
          { args: ['receive', 'tank/dst'], input: ab },
          snaps('tank/dst'),
          ['cat', 'tank/dst', '/f'],
          ['cat', 'tank/dst@later2', '/f'],
          // A change undone is still a change (the head's tree is not the snapshot's).
          { args: ['write', 'tank/dst', '/scratch'], input: 'x' },
          ['rm', 'tank/dst', '/scratch'],
          ['snapshot', 'tank/dst@mod'],
          { args: ['receive', 'tank/dst'], input: bc },
          snaps('tank/dst'),
          // -F destroys the snapshots after the incremental source and rolls back to it.
          { args: ['receive', '-F', 'tank/dst'], input: bc },
          snaps('tank/dst'),
          ['cat', 'tank/dst', '/f'],
          // With -F, snapshots after the source go even when nothing changed.
          { args: ['receive', 'tank/d2'], input: full },
          ['snapshot', 'tank/d2@x'],
          { args: ['receive', '-F', 'tank/d2'], input: ab },
          snaps('tank/d2'),
          // A later snapshot with the new snapshot's name stops the receive, -F or not.
          { args: ['receive', 'tank/d3'], input: full },
          ['snapshot', 'tank/d3@b'],
          { args: ['receive', 'tank/d3'], input: ab },
          { args: ['receive', '-F', 'tank/d3'], input: ab },
          snaps('tank/d3'),
          // Changed since the source, with the source still the newest snapshot.
          { args: ['write', 'tank/d3', '/f'], input: 'changed\n' },
          ['destroy', 'tank/d3@b'],
          { args: ['receive', 'tank/d3'], input: ab },
          ['cat', 'tank/d3', '/f'],
        ],
        sb,
        true,
      );
      expectGolden('receive-decisions/incremental', text);
      // The received snapshots are the sender's, whatever came between them on the destination.
      expect(guid(sb, 'tank/dst@b')).toBe(guid(sb, 'tank/src@b'));
      expect(guid(sb, 'tank/dst@c')).toBe(guid(sb, 'tank/src@c'));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('takes an incremental replication stream over a destination that only took snapshots', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/t']);
      sb.ok(['create', 'tank/t/b']);
      sb.ok(['write', 'tank/t/b', '/f'], 'one\n');
      sb.ok(['snapshot', '-r', 'tank/t@s1']);
      sb.ok(['receive', 'tank/copy'], sb.bytesOf(['send', '-R', 'tank/t@s1']));
      sb.ok(['write', 'tank/t/b', '/f'], 'two\n');
      sb.ok(['snapshot', '-r', 'tank/t@s2']);
      sb.ok(['write', 'tank/t/b', '/f'], 'three\n');
      sb.ok(['snapshot', '-r', 'tank/t@s3']);
      const text = transcript(
        [
          ['snapshot', 'tank/copy/b@mine'],
          { args: ['receive', 'tank/copy'], input: sb.bytesOf(['send', '-R', '-i', '@s1', 'tank/t@s2']) },
          ['list', '-r', '-t', 'snapshot', '-o', 'name', 'tank/copy'],
          ['cat', 'tank/copy/b', '/f'],
          // -F prunes what the sender does not have, as recv_incremental_replication does.
          { args: ['receive', '-F', 'tank/copy'], input: sb.bytesOf(['send', '-R', '-i', '@s2', 'tank/t@s3']) },
          ['list', '-r', '-t', 'snapshot', '-o', 'name', 'tank/copy'],
          ['cat', 'tank/copy/b', '/f'],
        ],
        sb,
        true,
      );
      expectGolden('receive-decisions/replication', text);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('replaces the contents of a filesystem without snapshots with -F, and refuses as libzfs does otherwise', () => {
    const sb = new Sandbox();
    try {
      source(sb);
      const full = sb.bytesOf(['send', 'tank/src@a']);
      sb.ok(['create', '-V', '1M', 'tank/vsrc']);
      sb.ok(['write', 'tank/vsrc', '-'], 'volume bytes');
      sb.ok(['snapshot', 'tank/vsrc@v']);
      const vol = sb.bytesOf(['send', 'tank/vsrc@v']);
      sb.ok(['create', '-o', 'user:note=kept', 'tank/dst']);
      sb.ok(['write', 'tank/dst', '/old'], seededBytes(300_000, 7));
      sb.ok(['create', 'tank/dst/child']);
      sb.ok(['write', 'tank/dst/child', '/c'], 'child\n');
      sb.ok(['create', 'tank/t']);
      sb.ok(['create', 'tank/t/b']);
      sb.ok(['snapshot', '-r', 'tank/t@s1']);
      sb.ok(['clone', 'tank/t/b@s1', 'tank/t/cl']);
      sb.ok(['snapshot', '-r', 'tank/t@s2']);
      const pkg = sb.bytesOf(['send', '-R', 'tank/t@s2']);
      const before = guid(sb, 'tank/dst');
      const text = transcript(
        [
          ['list', '-r', '-o', 'name,used,referenced', 'tank/dst'],
          { args: ['receive', 'tank/dst'], input: full },
          { args: ['receive', '-F', 'tank/dst'], input: full },
          ['ls', 'tank/dst'],
          ['cat', 'tank/dst', '/f'],
          ['list', '-r', '-t', 'all', '-o', 'name,used,referenced', 'tank/dst'],
          ['get', '-H', '-o', 'name,value,source', 'user:note', 'tank/dst'],
          ['cat', 'tank/dst/child', '/c'],
          { args: ['receive', '-F', 'tank/dst'], input: full },
          // A clone is not overwritten.
          ['clone', 'tank/src@a', 'tank/cl'],
          { args: ['receive', '-F', 'tank/cl'], input: full },
          // A volume takes the place of a filesystem only if it has no children and is not the root.
          ['create', 'tank/fs2'],
          ['create', 'tank/fs2/kid'],
          { args: ['receive', '-F', 'tank/fs2'], input: vol },
          { args: ['receive', '-F', 'tank'], input: vol },
          ['create', 'tank/fs3'],
          { args: ['write', 'tank/fs3', '/x'], input: 'x\n' },
          { args: ['receive', '-F', 'tank/fs3'], input: vol },
          ['list', '-t', 'all', '-r', '-o', 'name,type,volsize', 'tank/fs3'],
          // ... and a filesystem of a volume.
          ['create', '-V', '1M', 'tank/vol2'],
          { args: ['receive', '-F', 'tank/vol2'], input: full },
          ['list', '-t', 'all', '-r', '-o', 'name,type', 'tank/vol2'],
          ['ls', 'tank/vol2'],
          // The kernel receives no clone into an existing filesystem: the whole package is refused.
          ['create', 'tank/r'],
          ['create', 'tank/r/cl'],
          { args: ['receive', '-F', 'tank/r'], input: pkg },
          ['list', '-r', '-t', 'all', '-o', 'name,origin', 'tank/r'],
        ],
        sb,
        true,
      );
      expectGolden('receive-decisions/full-over-existing', text);
      expect(guid(sb, 'tank/dst')).toBe(before);
      expect(sb.bytesOf(['cat', 'tank/fs3']).subarray(0, 12).toString()).toBe('volume bytes');
      expect(guid(sb, 'tank/dst@a')).toBe(guid(sb, 'tank/src@a'));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it("replaces a pool's root dataset with -F, keeping its children", () => {
    const sb = new Sandbox();
    try {
      source(sb);
      const full = sb.bytesOf(['send', 'tank/src@a']);
      sb.ok(['pool', 'create', '--size', '128M', 'backup']);
      sb.ok(['write', 'backup', '/old'], seededBytes(200_000, 3));
      sb.ok(['create', 'backup/keep']);
      sb.ok(['write', 'backup/keep', '/k'], 'keep\n');
      const text = transcript(
        [
          ['list', '-r', '-o', 'name,used,referenced', 'backup'],
          { args: ['receive', 'backup'], input: full },
          { args: ['receive', '-F', 'backup'], input: full },
          ['ls', 'backup'],
          ['cat', 'backup', '/f'],
          ['cat', 'backup/keep', '/k'],
          ['list', '-r', '-t', 'all', '-o', 'name,used,referenced', 'backup'],
          { args: ['receive', 'backup'], input: sb.bytesOf(['send', '-i', '@a', 'tank/src@b']) },
          ['cat', 'backup', '/f'],
          { args: ['receive', '-F', 'backup'], input: full },
        ],
        sb,
        true,
      );
      expectGolden('receive-decisions/pool-root', text);
      expect(poolProblems(sb.home, 'backup')).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
