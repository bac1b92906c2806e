/**
 * Space per owner (issue 13 item 6): `zfs userspace`/`groupspace` with their options, the
 * userused@/groupused@/userobjused@/groupobjused@ and quota properties, quotas refused with
 * EDQUOT on write and chown storing nothing, and the counts exact through snapshot, clone,
 * rollback, send | receive and destroy. Owners are numbers no host names (4242, 5151), and root.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox, seededBytes, transcript, type Step, META } from './harness.js';

const POOL = ['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank'];
const bytes = (n: number, seed: number): Step => ({ args: ['write', 'tank/a', `/f${seed}`], input: seededBytes(n, seed) });

const BUILD: Step[] = [
  POOL,
  ['create', 'tank/a'],
  bytes(3000, 1),
  bytes(300_000, 2),
  bytes(70_000, 3),
  ['mkdir', 'tank/a', '/d'],
  ['chown', '4242:5151', 'tank/a', '/f2'],
  ['chown', '5151:4242', 'tank/a', '/f3'],
  ['chown', '4242', 'tank/a', '/d'],
  ['ln', 'tank/a', '/f2', '/d/f2-link'],
  ['ln', '-s', 'tank/a', '/f2', '/d/sym'],
  ['chown', '-h', '4242:4242', 'tank/a', '/d/sym'],
];

describe('space per owner', () => {
  it('userspace and groupspace with every option, the properties in get and list, and their errors', () => {
    expectGolden(
      'userspace/commands',
      transcript([
        ...BUILD,
        ['userspace', 'tank/a'],
        ['groupspace', 'tank/a'],
        ['userspace', '-n', '-t', 'all', 'tank/a'],
        ['userspace', '-H', '-p', 'tank/a'],
        ['userspace', '-Hp', '-t', 'posixgroup', '-o', 'name,used,objused', 'tank/a'],
        ['userspace', '-o', 'used,name', '-s', 'used', 'tank/a'],
        ['userspace', '-S', 'used', 'tank/a'],
        ['userspace', '-S', 'name', '-i', 'tank/a'],
        ['userspace', '-t', 'smbuser', 'tank/a'],
        ['get', 'referenced,userused@4242,userused@root,userobjused@4242,groupused@4242,groupobjused@5151,userquota@4242,userused@nosuchuser', 'tank/a'],
        ['get', '-Hp', '-o', 'property,value,source', 'userused@4242,userused@5151,groupused@0', 'tank/a'],
        ['list', '-o', 'name,userused@4242,groupobjused@4242', 'tank/a'],
        ['set', 'userquota@4242=1M', 'groupquota@5151=100K', 'userobjquota@5151=3', 'groupobjquota@root=2000', 'tank/a'],
        ['userspace', '-t', 'all', 'tank/a'],
        ['userspace', '-p', '-t', 'all', '-s', 'quota', 'tank/a'],
        ['get', 'userquota@4242,groupquota@5151,userobjquota@5151,groupobjquota@0,userquota@0', 'tank/a'],
        ['get', '-p', 'userquota@4242,userobjquota@5151', 'tank/a'],
        ['set', 'userquota@4242=none', 'groupquota@5151=0', 'tank/a'],
        ['userspace', '-t', 'all', 'tank/a'],
        ['snapshot', 'tank/a@s'],
        ['userspace', '-n', 'tank/a@s'],
        ['get', 'userused@4242', 'tank/a@s'],
        // get all lists none of them, as OpenZFS
        ['get', '-H', '-o', 'property', 'all', 'tank/a'],
        // errors
        ['set', 'userquota@nosuchuser=1G', 'tank/a'],
        ['set', 'userused@4242=1G', 'tank/a'],
        ['set', 'groupobjused@0=1', 'tank/a'],
        ['set', 'userquota@4242=lots', 'tank/a'],
        ['set', 'userquota@4242=1G', 'tank/a@s'],
        ['create', '-V', '8M', 'tank/v'],
        ['set', 'userquota@4242=1G', 'tank/v'],
        ['get', 'userused@0', 'tank/v'],
        ['userspace', 'tank/v'],
        ['userspace', 'tank/nope'],
        ['userspace', 'tank/a@nope'],
        ['userspace', '/nonexistent/dir'],
        ['userspace', 'tank/a#b'],
        ['userspace', '-o', 'type,size', 'tank/a'],
        ['userspace', '-t', 'posixuser,nobody', 'tank/a'],
        ['userspace', '-s', 'objused', 'tank/a'],
        ['userspace', '-x', 'tank/a'],
        ['userspace', '-o'],
        ['userspace', '-n'],
        ['userspace', 'tank/a', 'tank/a@s'],
        ['groupspace'],
      ]),
    );
  });

  it('quotas refuse write and chown with EDQUOT, and a refused command changes nothing', () => {
    const sb = new Sandbox();
    try {
      for (const step of BUILD) {
        if (Array.isArray(step)) sb.ok(step);
        else sb.ok(step.args, step.input);
      }
      sb.ok(['set', 'userquota@4242=400K', 'groupobjquota@5151=1', 'tank/a']);
      const state = () => ({
        us: sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a']),
        ls: sb.ok(['ls', '-lR', 'tank/a']),
        list: sb.ok(['list', '-Hp', '-o', 'name,used,refer', '-r', 'tank']),
        f2: sb.ok(['cat', 'tank/a', '/f2']),
      });
      // 4242's file of 300000 bytes takes 3 records (384K of its 400K): an append inside the last
      // record charges nothing more; one that needs a 4th record, or a rewrite as large, is refused.
      sb.ok(['write', '--append', 'tank/a', '/f2'], seededBytes(40_000, 8));
      const before = state();
      expect(sb.run(['write', '--append', 'tank/a', '/f2'], seededBytes(100_000, 9)).stderr).toBe("cannot write 'tank/a:/f2': disk quota exceeded\n");
      expect(sb.run(['write', 'tank/a', '/f2'], seededBytes(400_000, 9)).status).toBe(1);
      // Giving 4242 root's 3000-byte file (4K) stays under; the 70000-byte one (5151's) does not.
      expect(sb.run(['chown', '4242', 'tank/a', '/f3'])).toEqual({ stdout: '', stderr: "chown: changing ownership of 'tank/a:/f3': Disk quota exceeded\n", status: 1 });
      // group 5151 owns one object already: a second (chown -R over a new tree) is refused whole.
      expect(sb.run(['chown', '-R', ':5151', 'tank/a', '/d']).stderr).toBe("chown: changing ownership of 'tank/a:/d': Disk quota exceeded\n");
      expect(state()).toEqual(before);
      // What lowers an owner's use is allowed even over a quota, and then the space is there again.
      sb.ok(['set', 'userquota@4242=100K', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f2'], seededBytes(50_000, 9));
      expect(sb.ok(['get', '-Hp', '-o', 'value', 'userused@4242', 'tank/a'])).toBe('53248\n');
      sb.ok(['chown', '4242', 'tank/a', '/f1']);
      sb.ok(['write', '--append', 'tank/a', '/f2'], seededBytes(40_000, 10));
      expect(sb.ok(['get', '-Hp', '-o', 'value', 'userused@4242', 'tank/a'])).toBe('94208\n');
      expect(sb.run(['write', '--append', 'tank/a', '/f1'], seededBytes(10_000, 11)).status).toBe(1);
      // The quota is the file system's: another one's owners are not held to it.
      sb.ok(['create', 'tank/b']);
      sb.ok(['write', 'tank/b', '/big'], seededBytes(400_000, 12));
      sb.ok(['chown', '4242', 'tank/b', '/big']);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('the counts stay exact through snapshot, clone, rollback, send | receive and destroy', () => {
    const sb = new Sandbox();
    try {
      for (const step of BUILD) {
        if (Array.isArray(step)) sb.ok(step);
        else sb.ok(step.args, step.input);
      }
      const us = (ds: string) => sb.ok(['userspace', '-Hpn', '-t', 'all', '-o', 'type,name,used,objused', ds]);
      /** Every file system's owners add up to its referenced bytes, less its metadata allocation,
       *  and to its number of objects. */
      const adds = (ds: string) => {
        const rows = us(ds).trim().split('\n').map((l) => l.split('\t'));
        const sum = (type: string, col: number) => rows.filter((r) => r[0] === type).reduce((n, r) => n + Number(r[col]), 0);
        const refer = Number(sb.ok(['get', '-Hp', '-o', 'value', 'referenced', ds]).trim()) - META;
        const paths = sb.ok(['find', ds, '/']).trim().split('\n');
        const objects = new Set(sb.ok(['stat', '-c', '%i', ds, ...paths]).trim().split('\n')).size; // a hard link is one object
        expect([sum('POSIX User', 2), sum('POSIX Group', 2)]).toEqual([refer, refer]);
        expect([sum('POSIX User', 3), sum('POSIX Group', 3)]).toEqual([objects, objects]);
      };
      adds('tank/a');
      sb.ok(['snapshot', 'tank/a@1']);
      const at1 = us('tank/a');
      // The head changes; the snapshot keeps its counts.
      sb.ok(['chown', '-R', '7070:7070', 'tank/a', '/d']);
      sb.ok(['rm', 'tank/a', '/f3']);
      sb.ok(['write', 'tank/a', '/d/new'], seededBytes(200_000, 5));
      sb.ok(['chown', '7070', 'tank/a', '/d/new']);
      expect(us('tank/a@1')).toBe(at1);
      expect(us('tank/a')).not.toBe(at1);
      adds('tank/a');
      sb.ok(['snapshot', 'tank/a@2']);
      const at2 = us('tank/a');
      // A clone starts with its origin's counts, and goes its own way.
      sb.ok(['clone', 'tank/a@1', 'tank/c']);
      expect(us('tank/c')).toBe(at1);
      sb.ok(['rm', '-r', 'tank/c', '/d']);
      adds('tank/c');
      // Rollback brings a snapshot's counts back.
      sb.ok(['write', 'tank/a', '/f9'], seededBytes(10_000, 6));
      sb.ok(['rollback', 'tank/a@2']);
      expect(us('tank/a')).toBe(at2);
      // send | receive, full then incremental, and with -R.
      sb.ok(['receive', 'tank/r'], sb.bytesOf(['send', 'tank/a@1']));
      expect(us('tank/r')).toBe(at1);
      sb.ok(['receive', 'tank/r'], sb.bytesOf(['send', '-i', '@1', 'tank/a@2']));
      expect(us('tank/r')).toBe(at2);
      adds('tank/r');
      sb.ok(['receive', '-d', 'tank/rr'], sb.bytesOf(['send', '-R', 'tank/a@2']));
      expect(us('tank/rr/a@1')).toBe(at1);
      expect(us('tank/rr/a')).toBe(at2);
      // Destroying a snapshot, a clone and its origin's other snapshots leaves the rest as they were.
      sb.ok(['destroy', 'tank/c']);
      sb.ok(['destroy', 'tank/a@1']);
      expect(us('tank/a@2')).toBe(at2);
      expect(us('tank/a')).toBe(at2);
      adds('tank/a');
      // The pool check recounts every tree's owners and every file's charge from its blocks.
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('tar -x charges each entry to its owner (through the writer\'s spills) and refuses an archive over a quota whole', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', 'tank/a']);
      // More entries than the writer keeps before it spills its tree (lib/tar/extract.ts).
      const src = path.join(sb.home, 'src');
      fs.mkdirSync(path.join(src, 'd'), { recursive: true });
      for (let i = 0; i < 2500; i++) fs.writeFileSync(path.join(src, 'd', `f${i}`), 'x'.repeat(100));
      const archive = path.join(sb.home, 'a.tar');
      const tar = spawnSync('tar', ['-cf', archive, '--owner=4242', '--group=5151', '--numeric-owner', '-C', src, 'd']);
      expect(tar.status).toBe(0);
      sb.ok(['set', 'userobjquota@4242=2400', 'tank/a']);
      const before = sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a']);
      const refused = sb.run(['tar', '-x', '-f', archive, 'tank/a']);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/Disk quota exceeded|disk quota exceeded/);
      expect(sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a'])).toBe(before);
      sb.ok(['set', 'userobjquota@4242=none', 'tank/a']);
      sb.ok(['tar', '-x', '-f', archive, 'tank/a']);
      expect(sb.ok(['userspace', '-Hpn', '-t', 'all', '-o', 'type,name,used,objused', 'tank/a'])).toBe(
        `POSIX Group\t0\t0\t1\nPOSIX Group\t5151\t${2500 * 4096}\t2501\nPOSIX User\t0\t0\t1\nPOSIX User\t4242\t${2500 * 4096}\t2501\n`,
      );
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
