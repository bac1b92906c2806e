/**
 * A pool made by an older tszfs (format 1: records without the fields added since, deadlist sums
 * as one number, values without their checksum mark) is brought to the current format once, when
 * it is opened: every record is rewritten, and every command answers as it did before.
 */
import * as path from 'node:path';
import { open } from 'lmdb';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/engine/store/environment.js';
import { CURRENT_FORMAT } from '../../src/engine/store/upgrade.js';
import { pattern, Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';

const MARK = 0xc1;
const HEADER = 5;
const packr = new Packr();

/** Every table of the environment, by the names Store opens them under. */
function tableNames(metadata: string): string[] {
  const store = Store.open(metadata);
  try {
    return Object.keys(store.t);
  } finally {
    store.close();
  }
}

/** Write the pool's records as format 1 did: drop the fields added since, and every value's mark. */
function downgrade(metadata: string): void {
  const store = Store.open(metadata);
  const t = store.t;
  store.write(() => {
    for (const { key, value: dir } of [...t.dirs.getRange({})]) {
      expect([dir.used.childRsrv, dir.used.refrsrv]).toEqual([0, 0]);
      const old = { ...dir, used: { ...dir.used } } as Partial<typeof dir> & { used: Partial<typeof dir.used> };
      delete old.used.childRsrv;
      delete old.used.refrsrv;
      delete old.compressed;
      delete old.uncompressed;
      t.dirs.putSync(key, old as typeof dir);
    }
    for (const { key, value: ds } of [...t.datasets.getRange({})]) {
      const old: Record<string, unknown> = { ...ds };
      delete old.compressed;
      delete old.uncompressed;
      if (ds.kind === 'snapshot') {
        expect([ds.userrefs, ds.deferDestroy]).toEqual([0, false]);
        delete old.userrefs;
        delete old.deferDestroy;
      }
      t.datasets.putSync(key, old as unknown as typeof ds);
    }
    // Dnodes as format 2 had them: no POSIX attributes, times in whole seconds; neither a file's
    // charge nor an objset's space per owner.
    for (const { key, value } of [...t.nodes.getRange({})]) {
      const node = value as { t?: string; e?: Array<Record<string, unknown> | null>; owners?: unknown };
      if (node.t === 'os' && node.owners) {
        const { owners: _o, ...old } = node;
        t.nodes.putSync(key, old);
        continue;
      }
      if (node.t !== 'l' || !node.e?.some((e) => e && 'nlink' in e)) continue;
      const e = node.e.map((dn) => {
        if (!dn) return dn;
        const { mode: _m, uid: _u, gid: _g, nlink: _n, atime: _a, crtime: _c, used: _used, ...old } = dn;
        return { ...old, mtime: (dn.mtime as number[])[0], ctime: (dn.ctime as number[])[0] };
      });
      t.nodes.putSync(key, { ...node, e });
    }
    const sums = t.deadSums as unknown as { putSync(k: unknown, v: number): void };
    for (const { key, value } of [...t.deadSums.getRange({})]) {
      expect(value[1]).toBe(value[0]); // compression off: the three sums agree
      sums.putSync(key, value[0]);
    }
  });
  store.close();
  // Unmark every value, and say so in the pool's meta record.
  const names = tableNames(metadata);
  const env = open({ path: metadata, noSubdir: true, maxDbs: 32 });
  env.transactionSync(() => {
    for (const name of names) {
      const db = env.openDB<Buffer, never>({ name, encoding: 'binary' });
      for (const { key, value } of [...db.getRange({})]) {
        expect(value[0]).toBe(MARK);
        let body = value.subarray(HEADER);
        if (name === 'meta') {
          const meta = packr.unpack(body) as Record<string, unknown>;
          delete meta.valueChecksums;
          meta.formatVersion = 1;
          body = packr.pack(meta);
        }
        db.putSync(key, Buffer.from(body));
      }
    }
  });
  env.close();
}

describe('a pool made by an older tszfs', () => {
  it('is upgraded once at open, and answers as before', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank']);
      sb.ok(['create', '-o', 'com.example:tag=base', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f'], pattern(3 * 131072, 1));
      sb.ok(['snapshot', 'tank/a@s1']);
      sb.ok(['write', 'tank/a', '/f'], pattern(2 * 131072, 2));
      sb.ok(['snapshot', 'tank/a@s2']);
      sb.ok(['clone', 'tank/a@s1', 'tank/c']);
      sb.ok(['write', 'tank/c', '/g'], pattern(65536, 3));
      sb.ok(['mkdir', '-p', 'tank/a', '/d/e']);
      const views = (): string[] => [
        sb.ok(['ls', '-lR', 'tank/a']),
        sb.ok(['ls', '-lR', 'tank/c']),
        sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,refer,usedsnap,usedchild,logicalused,compressratio,written,userrefs,defer_destroy,com.example:tag']),
        sb.ok(['get', '-Hp', 'all', 'tank/a@s1']),
        sb.ok(['cat', 'tank/a@s1', '/f']),
        sb.ok(['cat', 'tank/c', '/g']),
        // space per owner, counted from the trees until a change stores it again
        sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a']),
        sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/a@s1']),
        sb.ok(['userspace', '-Hp', '-t', 'all', 'tank/c']),
      ];
      const before = views();

      const metadata = path.join(sb.home, 'tank.img.lmdb');
      downgrade(metadata);
      expect(views()).toEqual(before);

      // Rewritten once: the current format, and every value marked again.
      const env = open({ path: metadata, noSubdir: true, maxDbs: 32 });
      for (const name of tableNames(metadata)) {
        const db = env.openDB<Buffer, never>({ name, encoding: 'binary' });
        for (const { value } of db.getRange({})) expect(value[0], name).toBe(MARK);
      }
      env.close();
      const store = Store.open(metadata);
      const meta = store.t.meta.get('pool')!;
      expect([meta.formatVersion, meta.valueChecksums]).toEqual([CURRENT_FORMAT, true]);
      for (const { value } of store.t.deadSums.getRange({})) expect(Array.isArray(value)).toBe(true);
      for (const { value } of store.t.datasets.getRange({})) expect(value.compressed).toBeTypeOf('number');
      // Every dnode has its POSIX attributes; a directory counts its subdirectories.
      let dnodes = 0;
      const dirLinks = new Set<number>();
      for (const { value } of store.t.nodes.getRange({})) {
        const node = value as { t?: string; e?: Array<Record<string, unknown> | null> };
        if (node.t !== 'l') continue;
        for (const dn of node.e ?? []) {
          if (!dn || !('type' in dn)) continue;
          dnodes++;
          expect(dn.mtime).toEqual([Number(dn.crtime && (dn.crtime as number[])[0]), 0]);
          expect([dn.uid, dn.gid]).toEqual([0, 0]);
          expect(dn.mode).toBe(dn.type === 'dir' ? 0o755 : 0o644);
          if (dn.type === 'dir') dirLinks.add(dn.nlink as number);
        }
      }
      expect(dnodes).toBeGreaterThan(0);
      expect([...dirLinks].sort()).toEqual([2, 3]); // tank/a's root and /d hold a directory each
      store.close();

      expect(poolProblems(sb.home)).toEqual([]);
      sb.ok(['snapshot', 'tank/a@s3']);
      sb.ok(['destroy', 'tank/a@s2']);
      expect(poolProblems(sb.home)).toEqual([]);
      // The first change to an old tree counts its owners and stores them (checked by poolProblems).
      sb.ok(['chown', '4242', 'tank/a', '/f']);
      sb.ok(['write', '--append', 'tank/c', '/g'], pattern(65536, 4));
      expect(sb.ok(['userspace', '-Hp', '-o', 'name,used,objused', 'tank/a'])).toBe('root\t0\t3\n4242\t262144\t1\n');
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
