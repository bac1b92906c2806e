/**
 * A real file tree (issue 13): every object type and every attribute, the commands that make,
 * change and show them, and the kernel's errors; then each attribute kept unchanged through
 * snapshot, clone, rollback and send | receive (full, incremental, -R).
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox, transcript, type Step } from './harness.js';

const POOL = ['pool', 'create', '--size', '256M', 'tank'];

/** A tree of every type, with owners, modes (setuid, setgid, sticky), times to the ns, xattrs and hard links. */
const BUILD: Step[] = [
  ['create', 'tank/a'],
  ['mkdir', '-p', 'tank/a', '/etc/ssl'],
  { args: ['write', 'tank/a', '/etc/passwd'], input: 'root:x:0:0::/root:/bin/sh\n' },
  { args: ['write', '-p', 'tank/a', '/bin/tool'], input: Buffer.alloc(3000, 7) },
  ['mkdir', 'tank/a', '/tmp'],
  ['chmod', '1777', 'tank/a', '/tmp'],
  ['chown', '4242:77', 'tank/a', '/bin/tool'],
  ['chmod', 'u+s,g+s,a+x', 'tank/a', '/bin/tool'],
  ['chmod', 'go-r', 'tank/a', '/etc/passwd'],
  ['chown', '4343:4343', 'tank/a', '/etc/ssl'],
  ['ln', '-s', 'tank/a', '../etc/passwd', '/bin/pw'],
  ['ln', '-s', 'tank/a', '/etc', '/etc-abs'],
  ['ln', 'tank/a', '/bin/tool', '/bin/tool2'],
  ['ln', 'tank/a', '/bin/tool', '/etc/ssl/tool3'],
  ['mknod', 'tank/a', '/dev-null', 'c', '1', '3'],
  ['mknod', '-m', '600', 'tank/a', '/dev-sda', 'b', '8', '0'],
  ['mknod', 'tank/a', '/fifo', 'p'],
  ['xattr', 'set', 'tank/a', '/bin/tool', 'security.capability', 'cap-bytes'],
  ['xattr', 'set', 'tank/a', '/bin/tool', 'user.comment', 'hello world'],
  ['xattr', 'set', '-h', 'tank/a', '/bin/pw', 'trusted.link', 'on the link'],
  ['touch', '-d', '2021-03-04 05:06:07.123456789', 'tank/a', '/etc/passwd'],
  ['touch', '-m', '-d', '@1600000000.5', 'tank/a', '/bin/tool'],
  ['touch', '-a', '-d', '1999-12-31T23:59:59Z', 'tank/a', '/bin/tool'],
  ['touch', '-d', '2022-01-01', 'tank/a', '/etc'],
];

describe('a real file tree', () => {
  it('makes, changes and shows every type and attribute, and words each error as the kernel does', () => {
    expectGolden(
      'trees/commands',
      transcript([
        POOL,
        ...BUILD,
        ['ls', '-l', 'tank/a'],
        ['ls', '-lR', 'tank/a', '/etc'],
        ['ls', '-l', 'tank/a', '/bin/pw'],
        ['stat', 'tank/a', '/bin/tool', '/bin/pw', '/dev-null', '/tmp'],
        ['stat', '-c', '%n %s %a %A %u %g %h %i %X %Y %Z %F %N', 'tank/a', '/etc/passwd', '/bin/pw', '/fifo', '/dev-sda'],
        ['stat', '-L', '-c', '%n %F %s', 'tank/a', '/bin/pw', '/etc-abs'],
        ['readlink', 'tank/a', '/bin/pw'],
        ['readlink', '-f', 'tank/a', '/bin/pw'],
        ['readlink', 'tank/a', '/etc/passwd'],
        ['cat', 'tank/a', '/bin/pw'],
        ['cat', 'tank/a', '/etc-abs/passwd'],
        ['xattr', 'list', 'tank/a', '/bin/tool'],
        ['xattr', 'get', 'tank/a', '/bin/tool', 'user.comment'],
        ['xattr', 'list', 'tank/a', '/bin/pw'],
        ['xattr', 'list', '-h', 'tank/a', '/bin/pw'],
        ['xattr', 'remove', 'tank/a', '/bin/tool', 'user.comment'],
        ['xattr', 'list', 'tank/a', '/bin/tool2'],
        ['find', 'tank/a'],
        ['find', 'tank/a', '/', '-type', 'l'],
        ['find', 'tank/a', '/bin', '-name', 'tool*', '-type', 'f'],
        ['find', 'tank/a', '-newer', '/etc/passwd'],
        ['du', 'tank/a'],
        ['du', '-a', 'tank/a', '/bin'],
        ['du', '-sh', 'tank/a'],
        ['chmod', '-R', 'a+rX', 'tank/a', '/etc'],
        ['chown', '-R', '4444:4545', 'tank/a', '/etc'],
        ['chown', 'root:root', 'tank/a', '/etc/passwd'],
        ['chown', ':4646', 'tank/a', '/etc/passwd'],
        ['ls', '-lR', 'tank/a', '/etc'],
        // The errors, in the kernel's words.
        ['stat', 'tank/a', '/nope', '/etc/passwd/x'],
        ['ln', '-s', 'tank/a', 'x', '/etc/passwd'],
        ['ln', 'tank/a', '/nope', '/x'],
        ['ln', 'tank/a', '/etc', '/etc2'],
        ['ln', 'tank/a', '/etc/passwd', '/bin/tool2'],
        ['mknod', 'tank/a', '/fifo', 'p'],
        ['chmod', '644', 'tank/a', '/nope'],
        ['chmod', 'zz', 'tank/a', '/etc'],
        ['chown', 'nosuchuser', 'tank/a', '/etc'],
        ['touch', '-d', 'garbage', 'tank/a', '/x'],
        ['touch', '-r', '/nope', 'tank/a', '/x'],
        ['touch', 'tank/a', '/nope/x'],
        ['ln', '-s', 'tank/a', '/loop2', '/loop1'],
        ['ln', '-s', 'tank/a', '/loop1', '/loop2'],
        ['cat', 'tank/a', '/loop1'],
        ['cat', 'tank/a', '/tmp'],
        ['cat', 'tank/a', '/fifo'],
        ['ln', '-sf', 'tank/a', 'x', '/tmp/'],
        // Through a dangling symlink, touch and write make its target.
        ['ln', '-s', 'tank/a', '../etc/new-conf', '/tmp/conf'],
        ['touch', 'tank/a', '/tmp/conf'],
        { args: ['write', '--append', 'tank/a', '/tmp/conf'], input: 'line\n' },
        ['ln', '-s', 'tank/a', '/nope/x', '/tmp/dangling'],
        ['touch', 'tank/a', '/tmp/dangling'],
        ['stat', '-c', '%n %F %s', 'tank/a', '/etc/new-conf', '/tmp/conf'],
        ['rm', 'tank/a', '/tmp/conf', '/tmp/dangling', '/etc/new-conf'],
        ['readlink', 'tank/a', '/tmp/x'],
        ['rm', 'tank/a', '/tmp/x'],
        ['stat', '-L', 'tank/a', '/loop1'],
        ['xattr', 'get', 'tank/a', '/etc', 'user.none'],
        ['xattr', 'remove', 'tank/a', '/etc', 'user.none'],
        ['find', 'tank/a', '/nope'],
        ['du', 'tank/a', '/nope'],
        ['readlink', 'tank/a', '/nope'],
        // A snapshot is read, never changed.
        ['snapshot', 'tank/a@s'],
        ['stat', '-c', '%n %a %U %G', 'tank/a@s', '/bin/tool', '/etc/passwd'],
        ['chmod', '600', 'tank/a@s', '/bin/tool'],
        ['chown', '0', 'tank/a@s', '/bin/tool'],
        ['touch', 'tank/a@s', '/bin/tool'],
        ['ln', '-s', 'tank/a@s', 'x', '/y'],
        ['mv', 'tank/a@s', '/bin', '/sbin'],
        ['mknod', 'tank/a@s', '/p2', 'p'],
        ['xattr', 'set', 'tank/a@s', '/bin/tool', 'user.x', 'y'],
        ['xattr', 'list', 'tank/a@s', '/bin/tool'],
        ['find', 'tank/a@s', '/bin', '-type', 'f'],
      ]),
    );
  });

  it('refuses a name over 255 bytes and a path over 4096 as ENAMETOOLONG', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', 'tank/a']);
      const long = `/${'n'.repeat(256)}`;
      expect(sb.run(['stat', 'tank/a', long]).stderr).toBe(`stat: cannot statx 'tank/a:${long}': File name too long\n`);
      const deep = `/${'d/'.repeat(2100)}x`;
      const r = sb.run(['touch', 'tank/a', deep]);
      expect([r.status, r.stderr]).toEqual([1, `touch: cannot touch 'tank/a:${deep}': File name too long\n`]);
      expect(sb.run(['ln', '-s', 'tank/a', 'x'.repeat(4096), '/l']).stderr).toBe("ln: failed to create symbolic link 'tank/a:/l': File name too long\n");
      expect(sb.run(['mkdir', 'tank/a', `/${'m'.repeat(255)}`]).status).toBe(0);
    } finally {
      sb.cleanup();
    }
  });

  it('mv renames atomically as rename(2) does, and refuses what rename refuses', () => {
    expectGolden(
      'trees/mv',
      transcript([
        POOL,
        ['create', 'tank/a'],
        ['create', 'tank/b'],
        ['mkdir', '-p', 'tank/a', '/d/sub'],
        ['mkdir', '-p', 'tank/a', '/e'],
        ['mkdir', '-p', 'tank/a', '/full/x'],
        { args: ['write', 'tank/a', '/f'], input: 'f\n' },
        { args: ['write', 'tank/a', '/g'], input: 'g\n' },
        ['ln', 'tank/a', '/f', '/d/f-link'],
        ['mv', 'tank/a', '/f', '/g'],
        ['cat', 'tank/a', '/g'],
        ['stat', '-c', '%n %h %i', 'tank/a', '/g', '/d/f-link'],
        ['mv', 'tank/a', '/g', '/d'],
        ['mv', '-T', 'tank/a', '/e', '/d/sub'],
        ['ls', '-lR', 'tank/a'],
        ['mv', 'tank/a', '/nope', '/x'],
        ['mv', '-T', 'tank/a', '/d', '/full'],
        ['mv', '-T', 'tank/a', '/d', '/d/g'],
        ['mv', '-T', 'tank/a', '/d/g', '/full'],
        ['mv', '-T', 'tank/a', '/full', '/d/g'],
        ['mv', 'tank/a', '/d', '/d/sub'],
        ['mv', 'tank/a', '/d/g', 'tank/b:/g'],
        ['mv', 'tank/a', '/d/g', '/nope/x'],
        ['stat', '-c', '%n %h', 'tank/a', '/', '/d', '/full'],
      ]),
    );
  });
});

/** Every object's attributes and contents: stat fields, link targets, xattrs, bytes. */
function fingerprint(sb: Sandbox, dataset: string): string {
  const paths = sb.ok(['find', dataset]).trim().split('\n');
  let out = sb.ok(['stat', '-c', '%n|%F|%s|%a|%u|%g|%h|%i|%t:%T|%x|%y|%z|%w|%N', dataset, ...paths]);
  for (const p of paths) {
    const type = sb.ok(['stat', '-c', '%F', dataset, p]).trim();
    if (type.startsWith('regular')) out += `${p} bytes ${sb.bytesOf(['cat', dataset, p]).toString('hex')}\n`;
    const names = sb.ok(['xattr', 'list', '-h', dataset, p]).split('\n').filter(Boolean);
    for (const n of names) out += `${p} xattr ${n}=${sb.bytesOf(['xattr', 'get', '-h', dataset, p, n]).toString('hex')}\n`;
  }
  return out;
}

describe('attributes go wherever the data goes', () => {
  it('through snapshot, clone, rollback and send | receive (full, incremental, -R), unchanged', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      for (const step of BUILD) Array.isArray(step) ? sb.ok(step) : sb.ok(step.args, step.input);
      // A value of every byte, and a name that is not text.
      sb.ok(['xattr', 'set', 'tank/a', '/etc/passwd', 'user.bin'], Buffer.from(Array.from({ length: 256 }, (_, i) => i)));
      sb.ok(['xattr', 'set', 'tank/a', '/etc', 'system.posix_acl_access', '\x02\x00\x00\x00']);
      const s1 = fingerprint(sb, 'tank/a');
      expect(s1).toContain('/bin/tool|regular file|3000|6755|4242|77|3|');
      sb.ok(['snapshot', 'tank/a@s1']);
      expect(fingerprint(sb, 'tank/a@s1')).toBe(s1);
      sb.ok(['clone', 'tank/a@s1', 'tank/c']);
      expect(fingerprint(sb, 'tank/c')).toBe(s1);

      // Changes after s1: every kind of attribute.
      sb.ok(['chmod', '0700', 'tank/a', '/etc/passwd']);
      sb.ok(['chown', '-h', '9:9', 'tank/a', '/bin/pw']);
      sb.ok(['touch', '-d', '@-86400.25', 'tank/a', '/fifo']);
      sb.ok(['xattr', 'remove', 'tank/a', '/bin/tool', 'user.comment']);
      sb.ok(['rm', 'tank/a', '/bin/tool2']);
      sb.ok(['ln', 'tank/a', '/etc/passwd', '/passwd-link']);
      sb.ok(['mv', 'tank/a', '/dev-sda', '/etc/ssl/sda']);
      sb.ok(['mknod', 'tank/a', '/sock-less', 'p']);
      sb.ok(['ln', '-sf', 'tank/a', 'changed-target', '/etc-abs']);
      const s2 = fingerprint(sb, 'tank/a');
      expect(s2).not.toBe(s1);
      sb.ok(['snapshot', 'tank/a@s2']);

      sb.ok(['rollback', 'tank/a@s2']);
      expect(fingerprint(sb, 'tank/a')).toBe(s2);
      sb.ok(['rollback', '-r', 'tank/a@s1']);
      expect(fingerprint(sb, 'tank/a')).toBe(s1);
      expect(fingerprint(sb, 'tank/c')).toBe(s1);

      // Rebuild s2 on the rolled-back head, then send and receive: full, then incremental.
      sb.ok(['destroy', '-R', 'tank/a@s1']);
      sb.ok(['create', 'tank/src']);
      for (const step of BUILD.slice(1)) {
        const args = (Array.isArray(step) ? step : step.args).map((a) => (a === 'tank/a' ? 'tank/src' : a));
        if (Array.isArray(step)) sb.ok(args);
        else sb.ok(args, step.input);
      }
      sb.ok(['snapshot', 'tank/src@1']);
      const src1 = fingerprint(sb, 'tank/src@1');
      sb.ok(['chmod', 'o+t', 'tank/src', '/etc']);
      sb.ok(['rm', 'tank/src', '/bin/tool']);
      sb.ok(['xattr', 'set', 'tank/src', '/etc/ssl/tool3', 'user.new', 'v']);
      sb.ok(['touch', '-d', '2030-01-01 00:00:00.000000001', 'tank/src', '/tmp']);
      sb.ok(['snapshot', 'tank/src@2']);
      const src2 = fingerprint(sb, 'tank/src@2');
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', 'tank/src@1']));
      expect(fingerprint(sb, 'tank/dst@1')).toBe(src1);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', '-i', '@1', 'tank/src@2']));
      expect(fingerprint(sb, 'tank/dst@2')).toBe(src2);
      expect(fingerprint(sb, 'tank/dst')).toBe(src2);
      sb.ok(['receive', '-d', 'tank/rep'], sb.bytesOf(['send', '-R', 'tank/src@2']));
      expect(fingerprint(sb, 'tank/rep/src@1')).toBe(src1);
      expect(fingerprint(sb, 'tank/rep/src@2')).toBe(src2);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('ctime changes on every metadata change, mtime and ctime on data changes; links counted', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f'], 'x');
      sb.ok(['mkdir', 'tank/a', '/d']);
      const times = (p: string) => sb.ok(['stat', '-c', '%X %Y %Z', 'tank/a', p]).trim();
      const old = '2000-01-01 00:00:00Z';
      const reset = () => {
        sb.ok(['touch', '-d', old, 'tank/a', '/f']);
        // touch itself changes ctime to now; what follows must keep atime and mtime
        expect(times('/f')).toBe('946684800 946684800 1736240700');
      };
      reset();
      sb.ok(['chmod', '600', 'tank/a', '/f']);
      expect(times('/f')).toBe('946684800 946684800 1736240700');
      reset();
      sb.ok(['write', '--append', 'tank/a', '/f'], 'y');
      expect(times('/f')).toBe('946684800 1736240700 1736240700');
      // A directory's mtime follows its entries; its link count its subdirectories.
      sb.ok(['touch', '-d', old, 'tank/a', '/d']);
      sb.ok(['mkdir', 'tank/a', '/d/sub']);
      expect(sb.ok(['stat', '-c', '%Y %h', 'tank/a', '/d']).trim()).toBe('1736240700 3');
      expect(sb.ok(['stat', '-c', '%h', 'tank/a', '/']).trim()).toBe('3');
      sb.ok(['ln', 'tank/a', '/f', '/d/sub/f2']);
      sb.ok(['ln', 'tank/a', '/f', '/f3']);
      expect(sb.ok(['stat', '-c', '%h', 'tank/a', '/f']).trim()).toBe('3');
      sb.ok(['rm', '-r', 'tank/a', '/d']);
      expect(sb.ok(['stat', '-c', '%h', 'tank/a', '/f', '/f3', '/']).trim()).toBe('2\n2\n2');
      sb.ok(['rm', 'tank/a', '/f']);
      expect(sb.ok(['cat', 'tank/a', '/f3'])).toBe('xy');
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('a symlink, a device, a FIFO and an xattr take no block; a hard link nothing more', () => {
    const sb = new Sandbox();
    try {
      sb.ok(POOL);
      sb.ok(['create', '-o', 'compression=off', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f'], Buffer.alloc(1000, 1));
      const used = () => sb.bytes('referenced', 'tank/a');
      const before = used();
      sb.ok(['ln', '-s', 'tank/a', 'x'.repeat(1000), '/l']);
      sb.ok(['mknod', 'tank/a', '/c', 'c', '4', '5']);
      sb.ok(['mknod', 'tank/a', '/p', 'p']);
      sb.ok(['ln', 'tank/a', '/f', '/h']);
      sb.ok(['xattr', 'set', 'tank/a', '/f', 'user.big', 'v'.repeat(60000)]);
      expect(used()).toBe(before);
      expect(sb.ok(['du', '-s', 'tank/a'])).toBe(sb.ok(['du', '-s', 'tank/a', '/f']).replace('/f', '/'));
      const r = sb.run(['xattr', 'set', 'tank/a', '/f', 'user.more', 'v'.repeat(6000)]);
      expect([r.status, r.stderr]).toEqual([1, "xattr: cannot set 'user.more' of 'tank/a:/f': No space left on device\n"]);
    } finally {
      sb.cleanup();
    }
  });
});
