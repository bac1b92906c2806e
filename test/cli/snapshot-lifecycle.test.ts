/**
 * The snapshot lifecycle through the built binary (openzfs-reference.md §3.2, §7.2-§7.10):
 * destroy in all its forms, rollback, promote, rename, holds and diff: output, errors, exit codes.
 * Space numbers are checked in worked-examples-lifecycle.test.ts; here `list -p` lines pin them too.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox, transcript, type Step } from './harness.js';

const R = 131072;
// compression=off: the space numbers count whole records, as in the worked examples.
const POOL = ['pool', 'create', '--size', '128M', '-O', 'compression=off', 'tank'];
const SPACE = ['list', '-t', 'all', '-p', '-r', '-o', 'name,used,refer,usedsnap,usedds,origin', 'tank'];
const fill = (n: number, c: string) => Buffer.alloc(n, c);
const write = (ds: string, path: string, data: Buffer, offset?: number): Step => ({
  args: ['write', ...(offset === undefined ? [] : ['--offset', String(offset)]), ds, path],
  input: data,
});

/** Run the transcript in a sandbox kept for a final consistency check. */
function run(steps: Step[]): string {
  const sb = new Sandbox();
  const home = sb.home;
  const sbKeep = Object.assign(Object.create(Object.getPrototypeOf(sb)), sb, { cleanup: () => {} }) as Sandbox;
  try {
    const text = transcript(steps, sbKeep);
    expect(poolProblems(home)).toEqual([]);
    return text;
  } finally {
    sb.cleanup();
  }
}

describe('snapshot lifecycle', () => {
  it('destroy: -n -v -p, ranges, lists, -r, -R, -d and holds', () => {
    expectGolden(
      'lifecycle/destroy',
      run([
        POOL,
        ['create', '-p', 'tank/a/b'],
        write('tank/a', '/f', fill(4 * R, 'a')),
        write('tank/a/b', '/g', fill(R, 'g')),
        ['snapshot', '-r', 'tank/a@s1'],
        write('tank/a', '/f', fill(2 * R, 'b'), 0),
        ['snapshot', '-r', 'tank/a@s2'],
        write('tank/a', '/f', fill(R, 'c'), 3 * R),
        ['snapshot', 'tank/a@s3'],
        write('tank/a', '/f', fill(R, 'd'), 0),
        SPACE,
        ['destroy', '-nv', 'tank/a@s1%s2'],
        ['destroy', '-n', 'tank/a@s1'],
        ['destroy', '-np', 'tank/a@s1,s3'],
        ['destroy', '-nvr', 'tank/a@s1'],
        ['destroy', '-nv', 'tank/a@%'],
        ['destroy', '-nv', 'tank/a@nope'],
        ['destroy', '-nvr', 'tank/a'],
        ['destroy', '-nv', 'tank/a'],
        ['destroy', '-d', 'tank/a'],
        ['destroy', '-x', 'tank/a'],
        ['destroy'],
        ['destroy', 'tank/a', 'tank/b'],
        ['clone', 'tank/a@s3', 'tank/c'],
        ['destroy', 'tank/a@s3'],
        ['destroy', '-nvR', 'tank/a@s3'],
        ['destroy', '-vR', 'tank/a@s3'],
        SPACE,
        ['hold', 'keep', 'tank/a@s1'],
        ['destroy', 'tank/a@s1'],
        ['destroy', '-r', 'tank/a@s1'],
        ['destroy', '-nv', 'tank/a@s1'],
        ['destroy', '-dv', 'tank/a@s1'],
        ['list', '-t', 'snapshot', '-o', 'name', '-r', 'tank'],
        ['release', 'keep', 'tank/a@s1'],
        ['list', '-t', 'snapshot', '-o', 'name', '-r', 'tank'],
        ['clone', 'tank/a@s2', 'tank/c2'],
        ['destroy', '-d', 'tank/a@s2'],
        ['list', '-t', 'snapshot', '-o', 'name', '-r', 'tank'],
        ['destroy', '-v', 'tank/c2'],
        ['list', '-t', 'snapshot', '-o', 'name', '-r', 'tank'],
        SPACE,
        ['destroy', '-vr', 'tank'],
        SPACE,
        ['pool', 'history', 'tank'],
      ]),
    );
  });

  it('rollback: only the latest snapshot, -r, -R, the 32-entry limit', () => {
    const many: Step[] = [];
    for (let i = 0; i < 33; i++) many.push(['snapshot', `tank/m@n${i}`]);
    expectGolden(
      'lifecycle/rollback',
      run([
        POOL,
        ['create', 'tank/r'],
        write('tank/r', '/f', fill(4 * R, 'a')),
        ['snapshot', 'tank/r@a'],
        write('tank/r', '/f', fill(2 * R, 'b'), 0),
        write('tank/r', '/h', fill(2 * R, 'h')),
        ['snapshot', 'tank/r@b'],
        write('tank/r', '/h', fill(R, 'H'), 0),
        write('tank/r', '/k', fill(R, 'k')),
        SPACE,
        ['rollback', 'tank/r@a'],
        ['rollback', 'tank/r'],
        ['rollback', 'tank/r@nope'],
        ['rollback', 'tank/nope@a'],
        ['rollback'],
        ['rollback', 'tank/r@a', 'tank/r@b'],
        ['rollback', '-x', 'tank/r@a'],
        ['rollback', 'tank/r@b'],
        SPACE,
        ['ls', 'tank/r'],
        ['clone', 'tank/r@b', 'tank/rc'],
        ['rollback', '-r', 'tank/r@a'],
        ['hold', 'h', 'tank/r@b'],
        ['rollback', '-R', 'tank/r@a'],
        ['release', 'h', 'tank/r@b'],
        ['rollback', '-Rf', 'tank/r@a'],
        SPACE,
        ['ls', 'tank/r'],
        ['create', 'tank/m'],
        ...many,
        ['rollback', 'tank/m@n0'],
        ['rollback', '-r', 'tank/m@n0'],
        ['list', '-H', '-t', 'snapshot', '-o', 'name', 'tank/m'],
      ]),
    );
  });

  it('promote and rename', () => {
    expectGolden(
      'lifecycle/promote-rename',
      run([
        POOL,
        ['create', 'tank/o'],
        write('tank/o', '/f', fill(8 * R, 'a')),
        ['snapshot', 'tank/o@s1'],
        write('tank/o', '/f', fill(4 * R, 'b'), 0),
        ['snapshot', 'tank/o@s2'],
        write('tank/o', '/f', fill(2 * R, 'c'), 4 * R),
        ['clone', 'tank/o@s2', 'tank/c'],
        write('tank/c', '/g', fill(3 * R, 'g')),
        ['snapshot', 'tank/c@s1'],
        SPACE,
        ['promote', 'tank/o'],
        ['promote', 'tank/o@s1'],
        ['promote', 'tank/nope'],
        ['promote'],
        ['promote', '-f', 'tank/c'],
        ['promote', 'tank/c', 'tank/o'],
        ['promote', 'tank/c'],
        ['rename', 'tank/c@s1', 'tank/o@x'],
        ['rename', 'tank/c@s1', 'tank/c@'],
        ['rename', 'tank/c@nope', 'x'],
        ['rename', 'tank/c@s1', 'cs1'],
        ['promote', 'tank/c'],
        SPACE,
        ['get', '-H', '-o', 'name,value', 'clones', 'tank/c@s2'],
        ['promote', 'tank/o'],
        SPACE,
        ['rename', 'tank/c', 'tank/c'],
        ['rename', 'tank/c', 'tank/o'],
        ['rename', 'tank/c', 'tank/c/d'],
        ['rename', 'tank/c', 'tank/x/c'],
        ['rename', 'tank/c', 'other/c'],
        ['rename', 'tank/c', 'c'],
        ['rename', 'tank/c', 'tank/c@x'],
        ['rename', '-r', 'tank/c', 'tank/d'],
        ['rename', '-p', '-r', 'tank/c@s', 'tank/c@t'],
        ['rename', 'tank/c'],
        ['rename'],
        ['rename', '-p', 'tank/c', 'tank/x/y/c'],
        SPACE,
        ['create', 'tank/x/y/c/k'],
        ['snapshot', '-r', 'tank/x@r'],
        ['snapshot', 'tank/x/y/c/k@q'],
        ['rename', '-r', 'tank/x@r', 'tank/x@q'],
        ['rename', 'tank/x/y/c/k@r', '@q'],
        ['rename', '-r', 'tank/x@r', '@r2'],
        ['list', '-t', 'snapshot', '-o', 'name', '-r', 'tank/x'],
        ['ls', 'tank/x/y/c@cs1'],
      ]),
    );
  });

  it('hold, release, holds', () => {
    expectGolden(
      'lifecycle/holds',
      run([
        POOL,
        ['create', '-p', 'tank/a/b'],
        ['snapshot', '-r', 'tank/a@s'],
        ['snapshot', 'tank/a@t'],
        ['hold', 'keep', 'tank/a@s'],
        ['hold', 'keep', 'tank/a@s'],
        ['hold', '-r', 'k2', 'tank/a@s'],
        ['hold', 'x', 'tank/a@nope', 'tank/a', 'tank/nope@s', 'tank/a@t'],
        ['hold', '.tag', 'tank/a@s'],
        ['hold', 'keep'],
        ['hold'],
        ['holds', 'tank/a@s'],
        ['holds', '-r', 'tank/a@s'],
        ['holds', '-H', 'tank/a@s', 'tank/a@t'],
        ['holds', '-Hp', '-r', 'tank/a@s'],
        ['holds', '-p', 'tank/a/b@s'],
        ['holds', 'tank/a'],
        ['holds', 'tank/a@nope'],
        ['holds', '-r', 'tank/a@nope'],
        ['holds'],
        ['release', 'nope', 'tank/a@s'],
        ['release', 'keep', 'tank/a@nope'],
        ['release', '-r', 'k2', 'tank/a@s'],
        ['release', 'keep', 'tank/a@s', 'tank/a@t'],
        ['holds', '-r', 'tank/a@s'],
        ['destroy', 'tank/a@t'],
        ['release', 'x', 'tank/a@t'],
        ['destroy', 'tank/a@t'],
      ]),
    );
  });

  it('diff: +, -, M, -F, -t, -H, mangled names, clones and errors', () => {
    expectGolden(
      'lifecycle/diff',
      run([
        POOL,
        ['create', 'tank/d'],
        write('tank/d', '/keep', fill(100, 'k')),
        write('tank/d', '/mod', fill(2 * R, 'm')),
        write('tank/d', '/gone', fill(10, 'x')),
        ['mkdir', 'tank/d', '/dir'],
        write('tank/d', '/dir/recreated', fill(10, 'r')),
        ['snapshot', 'tank/d@a'],
        write('tank/d', '/mod', fill(10, 'M'), R),
        ['rm', 'tank/d', '/gone'],
        ['rm', 'tank/d', '/dir/recreated'],
        write('tank/d', '/dir/recreated', fill(10, 'R')),
        write('tank/d', '/new file', fill(10, 'n')),
        ['snapshot', 'tank/d@b'],
        write('tank/d', '/dir/later', fill(10, 'l')),
        ['diff', 'tank/d@a', 'tank/d@b'],
        ['diff', '-F', 'tank/d@a', '@b'],
        ['diff', '-Ft', 'tank/d@b'],
        ['diff', '-h', 'tank/d@a', 'tank/d@b'],
        ['diff', '-H', 'tank/d@a', 'tank/d'],
        ['diff', 'tank/d@b', 'tank/d@b'],
        ['diff', 'tank/d@b', 'tank/d@a'],
        ['clone', 'tank/d@b', 'tank/dc'],
        write('tank/dc', '/keep', fill(5, 'K')),
        ['diff', 'tank/d@a', 'tank/dc'],
        ['diff', 'tank/dc@x', 'tank/dc'],
        ['diff', 'tank/d'],
        ['diff', 'tank/nope@a'],
        ['diff'],
        ['diff', 'a', 'b', 'c'],
        ['set', 'mountpoint=/srv/data', 'tank/d'],
        ['diff', 'tank/d@a', 'tank/d@b'],
      ]),
    );
  });
});
