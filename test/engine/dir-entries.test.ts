/**
 * Large directories (engine/files/dir.ts): past DIR_FLAT_MAX entries a directory's names go to
 * hashed buckets, and back to one node below half of it. Against a plain model (a sorted list):
 * every lookup, every listing in name order, what snapshots keep, and the pool's accounting; and
 * one more name in a large directory rewrites a bounded amount, not the whole list.
 */
import { describe, expect, it } from 'vitest';
import { DIR_FLAT_MAX } from '../../src/engine/files/dir.js';
import { changeFiles, readFiles } from '../../src/lib/files.js';
import { Home } from '../../src/lib/home.js';
import { Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';

const names = (fs: Parameters<Parameters<typeof readFiles>[2]>[0], dir: string[]) => fs.list(fs.lookup(dir).dnode).map((e) => e.name);

describe('a directory past DIR_FLAT_MAX entries', () => {
  it('keeps every name, lists them in order, and goes back to one node when it shrinks', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const home = new Home(sb.home);
      const model = new Set<string>();
      const N = DIR_FLAT_MAX + 700;
      // Names in a scrambled order, some of them alike but for case or a suffix.
      changeFiles(home, 'tank/a', 'x', (fs) => {
        fs.mkdir(['d'], false);
        for (let i = 0; i < N; i++) {
          const name = `n${(i * 7919) % N}${i % 3 === 0 ? 'X' : ''}`;
          fs.create(['d', name], { type: 'symlink', target: String(i) });
          model.add(name);
        }
      });
      const sorted = () => [...model].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(readFiles(home, 'tank/a', (fs) => names(fs, ['d']))).toEqual(sorted());
      sb.ok(['snapshot', 'tank/a@full']);
      // One name more, in a transaction of its own, and one name less.
      sb.ok(['ln', '-s', 'tank/a', 't', '/d/late']);
      model.add('late');
      sb.ok(['rm', 'tank/a', '/d/n5']);
      model.delete('n5');
      expect(readFiles(home, 'tank/a', (fs) => names(fs, ['d']))).toEqual(sorted());
      expect(sb.ok(['readlink', 'tank/a', '/d/n7'])).not.toBe('');
      expect(sb.run(['readlink', 'tank/a', '/d/n5']).status).toBe(1);
      // Shrink below half the threshold: one node again, the same names.
      const going = [...model].filter((_n, i) => i % 3 !== 0);
      sb.ok(['rm', 'tank/a', ...going.map((n) => `/d/${n}`)]);
      for (const n of going) model.delete(n);
      expect(model.size).toBeLessThan(DIR_FLAT_MAX / 2);
      expect(readFiles(home, 'tank/a', (fs) => names(fs, ['d']))).toEqual(sorted());
      expect(readFiles(home, 'tank/a@full', (fs) => names(fs, ['d'])).length).toBe(N);
      expect(sb.ok(['stat', '-c', '%s', 'tank/a', '/d']).trim()).toBe(String(model.size + 2));
      expect(poolProblems(sb.home)).toEqual([]);
      sb.ok(['destroy', 'tank/a@full']);
      expect(poolProblems(sb.home)).toEqual([]);
      sb.ok(['rm', '-r', 'tank/a', '/d']);
      // LMDB's meta names pages past the end of the file that this transaction took and freed:
      // the pool still opens.
      expect(sb.run(['list', '-H', '-o', 'name', 'tank/a']).stdout).toBe('tank/a\n');
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('sends and receives a large directory, full and incremental', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const home = new Home(sb.home);
      changeFiles(home, 'tank/a', 'x', (fs) => {
        for (let i = 0; i < DIR_FLAT_MAX + 10; i++) fs.create(['d', `f${i}`], { type: 'fifo' }, {}, { parents: true });
      });
      sb.ok(['snapshot', 'tank/a@1']);
      sb.ok(['mknod', 'tank/a', '/d/zz', 'p']);
      sb.ok(['snapshot', 'tank/a@2']);
      sb.ok(['receive', 'tank/b'], sb.bytesOf(['send', 'tank/a@1']));
      sb.ok(['receive', 'tank/b'], sb.bytesOf(['send', '-i', '@1', 'tank/a@2']));
      const list = (ds: string) => readFiles(home, ds, (fs) => names(fs, ['d']));
      expect(list('tank/b')).toEqual(list('tank/a'));
      expect(list('tank/b@1')).toEqual(list('tank/a@1'));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
