/**
 * Hostile input: random argument vectors (names at and past the 255/256-byte limits, paths with
 * `..`, unicode, huge and negative numbers, empty strings, options in odd places) through the built
 * binary. Whatever the input: never a stack trace or an "internal error", always exit 0, 1 or 2
 * (255 for `set`, as OpenZFS) with an OpenZFS-shaped message on failure (exit 1: `cannot <verb>
 * '<name>': <reason>` lines; exit 2: a reason and the usage), and a failed command leaves the pool
 * exactly as it was and consistent. NUL bytes cannot travel in argv: they go through the library.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeReader } from '../../src/engine/blocks/nodes.js';
import { FsView } from '../../src/engine/files/fs-view.js';
import type { Dnode } from '../../src/engine/files/objset.js';
import type { DatasetRecord } from '../../src/engine/store/records.js';
import { catFiles, makeDirectory, removeFiles, writeFile } from '../../src/lib/files.js';
import { ZfsError } from '../../src/lib/errors.js';
import { Home } from '../../src/lib/home.js';
import { PoolHandle } from '../../src/lib/pool-handle.js';
import { poolProblems } from '../engine/check-helper.js';
import { Sandbox } from './harness.js';

const SOAK = process.env.TSZFS_SOAK === '1';
const RUNS = Number(process.env.TSZFS_FUZZ_RUNS ?? (SOAK ? 2000 : 300));

/** Datasets, space numbers, properties, the file tree with sizes, and history: what a failed
 *  command must leave alone. (File bytes are not read: a fuzzed sparse file may be huge.) */
function state(home: string): string {
  const h = PoolHandle.open(new Home(home), 'tank');
  if (!h) return 'no pool';
  try {
    const view = h.view();
    const src = new NodeReader(h.pool.t);
    const rows: string[] = [];
    for (const { value } of h.pool.t.datasets.getRange({})) {
      const ds = value as DatasetRecord;
      const dir = view.dir(ds.dir);
      const fsv = FsView.at(src, ds.root);
      const files: string[] = [];
      const walk = (at: string, dn: Dnode) => {
        for (const e of fsv.list(dn)) {
          files.push(`${at}/${e.name}:${e.dnode.type === 'file' ? e.dnode.size : 'dir'}`);
          if (e.dnode.type === 'dir') walk(`${at}/${e.name}`, e.dnode);
        }
      };
      walk('', fsv.lookup([]).dnode);
      rows.push(`${view.datasetName(ds)} ${ds.referenced} ${JSON.stringify(dir.used)} ${JSON.stringify(dir.props)} ${files.join(',')}`);
    }
    const history = [...h.pool.t.history.getRange({})].length;
    return rows.sort().join('\n') + `\nhistory ${history} meta ${JSON.stringify({ ...h.pool.meta(), txg: 0 })}`;
  } finally {
    h.close();
  }
}

const long = (n: number, c = 'x') => c.repeat(n);

const SUBCOMMANDS = [
  'create', 'destroy', 'snapshot', 'snap', 'rollback', 'clone', 'promote', 'rename', 'diff', 'list', 'set', 'get',
  'inherit', 'hold', 'holds', 'release', 'write', 'cat', 'ls', 'mkdir', 'rm', 'version', 'tree', 'blocks', 'userspace', 'groupspace', 'bogus', '',
];
const POOL_SUBCOMMANDS = ['list', 'status', 'get', 'set', 'history', 'clear', 'scrub', 'import', 'bogus', 'create'];

const name = fc.oneof(
  fc.constantFrom('tank', 'tank/a', 'tank/a@s', 'tank/a/b', 'tank@s', 'tank/a@', '@s', 'tank/', '/tank', 'tank//a', 'nope/a'),
  fc.constantFrom(`tank/${long(251)}`, `tank/${long(252)}`, `tank/a@${long(248)}`, `tank/a@${long(249)}`, `tank/${long(300)}`),
  fc.constantFrom('tank/a%b', 'tank/a#b', 'tank/é', 'tank/日本', 'tank/a b', 'tank/-a', 'tank/.', 'tank/..', 'tank/a@s%t'),
  fc.string({ maxLength: 12 }).map((s) => `tank/${s}`),
);
const filePath = fc.oneof(
  fc.constantFrom('/', '', '.', '..', '/..', '/../x', '/a/../../b', '/f', '/d/f', 'f', '/d/', '//f', '/./f', '/d/../f'),
  fc.constantFrom(`/${long(255)}`, `/${long(256)}`, `/${long(85, 'é')}`, `/${long(128, 'é')}`, '/日本/語', '/\u{1F600}', '/a\\b'),
  fc.string({ maxLength: 10 }).map((s) => `/${s}`),
);
const number = fc.constantFrom('0', '-1', '1', '512', '1K', '1.5G', '16E', '17E', '1e309', '99999999999999999999', '9007199254740993', 'NaN', '-0', '0x10', '', ' 1', '1 ', 'none', '128k');
const propAssign = fc.oneof(
  fc.tuple(fc.constantFrom('quota', 'refquota', 'reservation', 'recordsize', 'checksum', 'readonly', 'compression', 'mountpoint', 'atime', 'user:x', 'bogus', 'a:b:c', '', 'used'), number.chain((n) => fc.constantFrom(n, 'on', 'off', 'sha256', 'bogus', '/x')))
    .map(([k, v]) => `${k}=${v}`),
  fc.constantFrom('=', 'a=b=c', 'user:x=' + long(9000), 'quota', '=on'),
);
const option = fc.constantFrom('-r', '-R', '-p', '-H', '-f', '-v', '-d', '-o', '-t', '-s', '-S', '-e', '--append', '--offset', '--size', '-x', '--', '-', '-rp', '-o', '-j', '--json-int', '-n');
const token = fc.oneof({ weight: 3, arbitrary: name }, { weight: 3, arbitrary: filePath }, { weight: 2, arbitrary: number }, { weight: 2, arbitrary: propAssign }, { weight: 3, arbitrary: option }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });

const argv = fc.oneof(
  fc.tuple(fc.constantFrom(...SUBCOMMANDS), fc.array(token, { maxLength: 5 })).map(([c, rest]) => [c, ...rest]),
  fc.tuple(fc.constantFrom(...POOL_SUBCOMMANDS), fc.array(token, { maxLength: 4 })).map(([c, rest]) => ['pool', c, ...rest]),
);

/** `pool create` may only make small images in the sandbox: its size is the one number it takes. */
function safe(args: string[]): string[] {
  if (args[0] === 'pool' && args[1] === 'create') return ['pool', 'create', '--size', '64M', ...args.slice(2).filter((a) => a !== '--size' && !a.startsWith('/'))];
  return args;
}

/** Commands that go on after one operand fails: scrub and clear per pool, set/inherit per dataset,
 *  hold/release per snapshot, rm per path. */
function iterates(args: string[]): boolean {
  const [first, second] = args;
  if (first === 'pool') return second === 'scrub' || second === 'clear';
  return ['set', 'inherit', 'hold', 'release', 'rm'].includes(first);
}

/** What no message line may look like: a stack frame, a JavaScript error, an internal error. */
const NOT_A_MESSAGE = /^\s|^\w*Error\b|internal error|\[object |\bundefined\b/;

/**
 * Exit 0: silence, or `zpool import`'s one line when it finds nothing. Exit 2: at most one line
 * saying what is wrong, then the usage. Exit 1 (and `set`'s and `userspace`'s 255): one or more lines, each one
 * sentence (an operand's failure, or libzfs's hint after it), the first naming what failed;
 * `cannot ...` lines have libzfs's `cannot <action> <what>: <description>` shape.
 */
function expectMessageShape(status: number, stderr: string, what: string): void {
  expect(stderr === '' || stderr.endsWith('\n'), what).toBe(true);
  if (status === 0) {
    expect(['', 'no pools available to import\n'], what).toContain(stderr);
    return;
  }
  if (status === 2) {
    expect(stderr, what).toMatch(/^([^\s][^\n]*\n)?usage:( |\n)/);
    expect(stderr.split('\n', 1)[0], what).not.toMatch(NOT_A_MESSAGE);
    return;
  }
  const lines = stderr.slice(0, -1).split('\n');
  expect(lines[0].length, what).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line, what).not.toMatch(NOT_A_MESSAGE);
    if (line.startsWith('cannot ')) expect(line, what).toMatch(/^cannot [a-z]+( [a-z]+)* .+: \S.*$/);
  }
}

describe('fuzzed command lines', () => {
  it(`${RUNS} random argument vectors: an OpenZFS message and exit 0/1/2, never a crash; failures change nothing`, () => {
    const sb = new Sandbox();
    let cases = 0;
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', '-p', 'tank/a', '/d/f'], 'hello\n');
      sb.ok(['snapshot', 'tank/a@s']);
      let before = state(sb.home);
      fc.assert(
        fc.property(argv, (raw) => {
          const args = safe(raw);
          cases++;
          const r = sb.run(args, '');
          const what = `tszfs ${JSON.stringify(args)} -> ${r.status}\n${r.stderr}`;
          expect(r.stderr, what).not.toMatch(/internal error|\n\s+at |TypeError|RangeError|ReferenceError/);
          // 255: `set`'s failures, and userspace's bad -o or -t (zfs_do_userspace returns -1)
          const mayBe255 = args.includes('set') || args.includes('userspace') || args.includes('groupspace');
          expect([0, 1, 2, ...(mayBe255 ? [255] : [])], what).toContain(r.status);
          expectMessageShape(r.status, r.stderr, what);
          const after = state(sb.home);
          if (r.status !== 0) {
            // Commands that work operand by operand keep what succeeded (as OpenZFS's do).
            if (!iterates(args)) expect(after, what).toBe(before);
          }
          expect(poolProblems(sb.home), what).toEqual([]);
          before = after;
        }),
        { numRuns: RUNS, seed: Number(process.env.TSZFS_FUZZ_SEED ?? 20261127), endOnFailure: true },
      );
    } finally {
      console.log(`fuzz cases run: ${cases}`);
      sb.cleanup();
    }
  }, SOAK ? 3_600_000 : 240_000);

  it('NUL bytes and hostile paths through the library: refused, nothing changes, nothing leaves the dataset', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', 'tank/a', '/f'], 'x\n');
      const home = new Home(sb.home);
      const before = state(sb.home);
      const empty = { read: () => 0 };
      const refused = (fn: () => void) => {
        try {
          fn();
        } catch (err) {
          expect(err).toBeInstanceOf(ZfsError);
          expect((err as ZfsError).exitCode).toBe(1);
          return (err as ZfsError).lines.join('\n');
        }
        throw new Error('not refused');
      };
      for (const p of ['/a\0b', '\0', '/f\0/../x', '/..', '../f', '/a/../../f', `/${long(256)}`]) {
        expect(refused(() => writeFile(home, 'tank/a', p, { kind: 'replace' }, empty, { parents: true }))).toMatch(/^cannot write/);
        expect(refused(() => makeDirectory(home, 'tank/a', p, { parents: true }))).toMatch(/^cannot create directory/);
        expect(refused(() => removeFiles(home, 'tank/a', [p], { recursive: true, force: false }))).toMatch(/^cannot remove/);
        expect(refused(() => catFiles(home, 'tank/a', [p], () => {}))).toMatch(/^cannot open/);
      }
      for (const ds of ['tank/a\0', 'tank\0/a', '\0']) {
        expect(refused(() => writeFile(home, ds, '/g', { kind: 'replace' }, empty, { parents: false }))).toMatch(/^cannot open/);
      }
      expect(state(sb.home)).toBe(before);
      // Nothing outside the pool's files appeared on the host.
      expect(fs.readdirSync(sb.home).sort()).toEqual(['pools.json', 'tank.img', 'tank.img.lmdb', 'tank.img.lmdb-lock']);
      expect(fs.existsSync(path.join(sb.home, '..', 'f'))).toBe(false);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
