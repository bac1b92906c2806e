/**
 * Links, renames and removals in any order keep a tree's invariants (fast-check): a non-directory's
 * link count is its number of names, and `parent` + `links` are exactly the directories that name
 * it; a directory has one name and 2 + its subdirectories as link count. Each state's snapshot goes
 * through send | receive (incremental after the first) and comes back the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errno.js';
import type { FsView } from '../../src/engine/files/fs-view.js';
import { changeFiles, readFiles } from '../../src/lib/files.js';
import { Home } from '../../src/lib/home.js';
import { Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';

const DIRS = [[], ['a'], ['b'], ['a', 'c']];
const NAMES = ['x', 'y', 'z', 'c'];

type Op =
  | { kind: 'mkdir' | 'file' | 'symlink' | 'fifo' | 'unlink' | 'rmdir' | 'chmod'; at: [number, number] }
  | { kind: 'link' | 'rename'; from: [number, number]; to: [number, number] };

const place = fc.tuple(fc.nat(DIRS.length - 1), fc.nat(NAMES.length - 1));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('mkdir', 'file', 'file', 'symlink', 'fifo'), at: place }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('unlink', 'rmdir', 'chmod'), at: place }) as fc.Arbitrary<Op> },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('link', 'rename'), from: place, to: place }) as fc.Arbitrary<Op> },
  // Links of the files every case starts with (/x, /a/y, /b/z, /a/c/x, /b/x), to anywhere.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('link'), from: fc.constantFrom<[number, number]>([0, 0], [1, 1], [2, 2], [3, 0], [2, 0]), to: place }) as fc.Arbitrary<Op> },
);
const partsOf = ([d, n]: [number, number]) => [...DIRS[d], NAMES[n]];

/** Every object reached from the root, with the directories naming it (one per name). */
function survey(fs: FsView): string[] {
  const namedBy = new Map<number, number[]>();
  const problems: string[] = [];
  const lines: string[] = [];
  fs.walk(fs.lookup([]), (parts, object, dn) => {
    lines.push(`/${parts.join('/')} ${dn.type} ${dn.nlink} ${dn.mode.toString(8)}`);
    if (dn.type === 'dir') {
      const subdirs = fs.list(dn).filter((e) => e.dnode.type === 'dir').length;
      if (dn.nlink !== 2 + subdirs) problems.push(`/${parts.join('/')}: nlink ${dn.nlink}, ${subdirs} subdirectories`);
      for (const e of fs.list(dn)) namedBy.set(e.object, [...(namedBy.get(e.object) ?? []), object]);
    }
  });
  for (const [object, dirs] of namedBy) {
    const dn = fs.dnode(object);
    const claimed = [dn.parent, ...(dn.links ?? [])].sort();
    if (JSON.stringify(claimed) !== JSON.stringify(dirs.sort())) problems.push(`object ${object}: named by ${dirs}, claims ${claimed}`);
    if (dn.type !== 'dir' && dn.nlink !== dirs.length) problems.push(`object ${object}: nlink ${dn.nlink}, ${dirs.length} names`);
    if (dn.type === 'dir' && dirs.length !== 1) problems.push(`directory ${object} has ${dirs.length} names`);
  }
  expect(problems).toEqual([]);
  return lines;
}

function apply(fs: Parameters<Parameters<typeof changeFiles>[3]>[0], o: Op): void {
  switch (o.kind) {
    case 'mkdir':
      return fs.mkdir(partsOf(o.at), false);
    case 'file':
    case 'fifo':
      fs.create(partsOf(o.at), { type: o.kind });
      return;
    case 'symlink':
      fs.create(partsOf(o.at), { type: 'symlink', target: '../x' });
      return;
    case 'unlink':
      return fs.remove(partsOf(o.at), false);
    case 'rmdir':
      return fs.remove(partsOf(o.at), true);
    case 'chmod':
      return fs.setAttrs(partsOf(o.at), { mode: 0o4711 }, false);
    case 'link':
      return fs.hardlink(partsOf(o.from), partsOf(o.to));
    case 'rename':
      return fs.rename(partsOf(o.from), partsOf(o.to));
  }
}

describe('hard links, renames and removals', () => {
  it('keep every link count and parent right, through send | receive', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      const home = new Home(sb.home);
      let run = 0;
      const tally = { applied: 0, refused: 0, links: 0 };
      fc.assert(
        fc.property(fc.array(op, { minLength: 5, maxLength: 40 }), (ops) => {
          const fsName = `tank/t${run}`;
          const copy = `tank/r${run++}`;
          sb.ok(['create', fsName]);
          changeFiles(home, fsName, 'x', (fs) => {
            fs.mkdir(['a', 'c'], true);
            fs.mkdir(['b'], false);
            // Files to link from, in every directory.
            for (const [dir, name] of [[[], 'x'], [['a'], 'y'], [['b'], 'z'], [['a', 'c'], 'x'], [['b'], 'x']] as const) fs.create([...dir, name], { type: 'file' });
          });
          let snap = 0;
          for (const [i, o] of ops.entries()) {
            try {
              changeFiles(home, fsName, 'x', (fs) => apply(fs, o));
              tally.applied++;
              if (o.kind === 'link') tally.links++;
            } catch (err) {
              tally.refused++;
              // A refusal (EEXIST, ENOENT, EINVAL...) changes nothing; anything else is a bug.
              if (!(err instanceof Error) || /internal|missing/.test(err.message)) throw err;
              if (!(err instanceof EngineError) && !('lines' in err)) throw err;
            }
            const state = readFiles(home, fsName, survey);
            if (i % 8 === 7 || i === ops.length - 1) {
              sb.ok(['snapshot', `${fsName}@${++snap}`]);
              const stream = snap === 1 ? sb.bytesOf(['send', `${fsName}@1`]) : sb.bytesOf(['send', '-i', `@${snap - 1}`, `${fsName}@${snap}`]);
              sb.ok(['receive', copy], stream);
              expect(readFiles(home, copy, survey)).toEqual(state);
            }
          }
        }),
        { numRuns: 12 },
      );
      // The cases do something: most operations apply, hard links among them.
      expect(tally.applied).toBeGreaterThan(tally.refused / 3);
      expect(tally.links).toBeGreaterThan(5);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  }, 120_000);
});
