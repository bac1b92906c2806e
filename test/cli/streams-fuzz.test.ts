/**
 * Seeded fuzzing of receive (issue 12, item 5): valid full, incremental, volume and package (send -R)
 * streams, each mutated in
 * a field or in its structure and encoded again with every checksum recomputed. Whatever the
 * mutation, receive either succeeds, and then every file of the received dataset reads back and a
 * scrub finds nothing, or fails with exit 1 and one line starting `cannot receive`, and the pool's
 * metadata is exactly as before. Never another status, a stack trace or an internal error.
 *
 * Spawning the binary costs ~0.2 s, so most mutations are received through the library's receive
 * (the function the CLI's receive calls, with the same staging of its input); every SPAWN_EVERY-th
 * goes through the binary, whose status and message must be those the library gave for the same
 * stream, and whose accepted datasets are read back with `cat` and checked with `pool scrub`.
 * TSZFS_FUZZ_SEED and TSZFS_STREAM_FUZZ_RUNS pick other runs.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteSource } from '../../src/engine/pool/staging.js';
import { checkPool } from '../../src/engine/check.js';
import { scrub } from '../../src/engine/scrub.js';
import { destroy } from '../../src/lib/datasets/destroy.js';
import { ZfsError } from '../../src/lib/errors.js';
import type { WriteMode } from '../../src/engine/files/fs-writer.js';
import { createFilesystem, createVolume } from '../../src/lib/datasets/create.js';
import { snapshot } from '../../src/lib/datasets/snapshot.js';
import { catFiles, catVolume, contentsOf, listDirectory, makeDirectory, removeFiles, writeFile, writeVolume } from '../../src/lib/files.js';
import { createPool } from '../../src/lib/pools.js';
import { send } from '../../src/lib/send.js';
import { Home } from '../../src/lib/home.js';
import { receive } from '../../src/lib/receive.js';
import { withPoolOf } from '../../src/lib/session.js';
import { pattern, Sandbox } from './harness.js';
import { decode, encode, RecordType, type Records } from './stream-craft.js';

const RUNS = Number(process.env.TSZFS_STREAM_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.TSZFS_FUZZ_SEED ?? 20261207);
const SPAWN_EVERY = 25;

/** mulberry32: a small seeded generator, so that a failure names the run that shows it. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof generator>;

interface Base {
  name: string;
  streams: Records[];
  target: string;
  /** an incremental stream's: received with -F onto `target`, which holds this stream first */
  onto?: Buffer;
}
let bases: Base[] = [];
let sb: Sandbox;

beforeAll(() => {
  sb = new Sandbox();
  // Built through the library: the streams are inputs here, and the binary's start-up is slow.
  const home = new Home(sb.home);
  const write = (path: string, data: string | Buffer, mode: WriteMode = { kind: 'replace' }) =>
    writeFile(home, 'tank/src', path, mode, bytesSource(Buffer.from(data)), { parents: true });
  const sent = (name: string, from?: string, replicate = false) => {
    const chunks: Buffer[] = [];
    send(home, name, { dryRun: false, from, replicate }, (c) => chunks.push(Buffer.from(c)));
    return Buffer.concat(chunks);
  };
  createPool(home, 'tank', { size: 128 << 20, force: false, fsProps: [], poolProps: [] }, 'pool create');
  // Small records keep the streams small, and give files of several blocks and tree levels.
  createFilesystem(home, 'tank/src', { parents: false, props: [['recordsize', '4096']] }, 'create');
  write('/d/e/f', 'hello\n');
  write('/empty', '');
  write('/big', pattern(9 * 4096 + 100, 1));
  write('/d/h/i', pattern(5000, 2));
  snapshot(home, ['tank/src@a'], { recursive: false, props: [] }, 'snapshot');
  write('/d/g', 'gee\n');
  removeFiles(home, 'tank/src', ['/d/e/f'], { recursive: false, force: false });
  write('/big', 'patch', { kind: 'offset', offset: 4096 + 7 });
  write('/d/h/i', 'short now');
  makeDirectory(home, 'tank/src', '/n', { parents: false });
  snapshot(home, ['tank/src@b'], { recursive: false, props: [] }, 'snapshot');
  createVolume(home, 'tank/vol', { parents: false, props: [], size: 65536n, blocksize: '8192', sparse: false, warn: () => {} }, 'create');
  writeVolume(home, 'tank/vol', 8192, bytesSource(pattern(10000, 3)));
  snapshot(home, ['tank/vol@a'], { recursive: false, props: [] }, 'snapshot');
  const volume = sent('tank/vol@a');
  writeVolume(home, 'tank/vol', 5 * 8192, bytesSource(pattern(8192, 4)));
  snapshot(home, ['tank/vol@b'], { recursive: false, props: [] }, 'snapshot');
  const full = sent('tank/src@a');
  bases = [
    { name: 'full', streams: decode(full), target: 'tank/full' },
    { name: 'incremental', streams: decode(sent('tank/src@b', '@a')), target: 'tank/inc', onto: full },
    { name: 'volume', streams: decode(volume), target: 'tank/fullvol' },
    { name: 'package', streams: decode(sent('tank/src@a', undefined, true)), target: 'tank/pkg' },
    { name: 'volume incremental', streams: decode(sent('tank/vol@b', '@a')), target: 'tank/vinc', onto: volume },
  ];
  // Incremental streams go onto a copy of their source's @a (and -F rolls back to it).
  for (const base of bases) if (base.onto) expect(receiveInProcess(sb.home, base.target, false, base.onto)).toEqual({ status: 0, stderr: '' });
  // The streams are those the binary sends.
  expect(sb.bytesOf(['send', 'tank/src@a'])).toEqual(full);
});

afterAll(() => sb?.cleanup());

// ---- mutations ----

const NUMBERS = [0, -1, 1, 2, 3, 511, 512, 513, 4095, 4096, 8192, 1 << 20, 32 << 20, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, 1e300, -0.5, 1.5];
const NAMES = ['', '.', '..', 'a/b', 'nul\0', 'x'.repeat(255), 'x'.repeat(256), 'é'.repeat(128), 'big', 'd', 'new'];
/** Sizes: a file accepted with one is read back whole, so the large ones are those refused. */
const SIZES = [0, 1, 511, 4095, 4096, 4097, 36964, 65536, 1 << 20, 2 ** 53, 2 ** 60, 1e300, -1, 1.5];
const OTHERS: unknown[] = [null, true, '', 'x', 'file', 'dir', 'volume', [], {}, [['a', 2]], '12345'];

function anyValue(rng: Rng, old: unknown, objects: number[], key = ''): unknown {
  if (key === 'size') return rng.pick(SIZES);
  switch (rng.int(4)) {
    case 0:
      return rng.pick(NUMBERS);
    case 1:
      return typeof old === 'number' ? old + rng.pick([-2, -1, 1, 2, 4096]) : rng.pick(OTHERS);
    case 2:
      return rng.pick(objects.length ? [...objects, 999, 1] : [1]);
    default:
      return rng.pick(OTHERS);
  }
}

type Rec = Records[number];

/** One mutation of the records of `rs` (BEGIN first); returns what it did, for the failure message. */
function mutate(rng: Rng, rs: Records): string {
  if (rs.length === 0) return 'none';
  // (A header an earlier mutation made other than an object is left as it is.)
  const isHeader = (x: Rec) => typeof x.header === 'object' && x.header !== null && !Array.isArray(x.header);
  const objects = [...new Set(rs.filter((r) => r.type === RecordType.Object && isHeader(r)).map((r) => r.header.object as number))];
  const body = () => 1 + rng.int(Math.max(1, rs.length - 1));
  const at = Math.min(body(), rs.length - 1);
  const r: Rec = rs[at];
  switch (rng.int(11)) {
    case 10:
      // a header that is not an object at all
      r.header = rng.pick([5, 'x', null, [], [1, 2], true]) as unknown as Rec['header'];
      return `header of record ${at} = ${JSON.stringify(r.header)}`;
    case 0:
    case 1: {
      // a field of a record: replaced, or removed
      const target = rng.int(8) === 0 ? rs[0] : r;
      if (!isHeader(target)) return 'none';
      const keys = Object.keys(target.header);
      const key = rng.pick(keys);
      if (rng.int(6) === 0) {
        delete target.header[key];
        return `delete ${key} of record ${rs.indexOf(target)}`;
      }
      target.header[key] = anyValue(rng, target.header[key], objects, key);
      return `${key} of record ${rs.indexOf(target)} = ${JSON.stringify(target.header[key])}`;
    }
    case 2: {
      // a directory entry: renamed, pointed elsewhere, duplicated, dropped, added
      const dirs = rs.filter((x) => x.type === RecordType.Object && isHeader(x) && Array.isArray(x.header.entries));
      if (dirs.length === 0) return 'none';
      const dir = rng.pick(dirs);
      const entries = dir.header.entries as Array<[unknown, unknown]>;
      const i = rng.int(Math.max(1, entries.length));
      switch (rng.int(5)) {
        case 0:
          if (entries[i]) entries[i][0] = rng.pick(NAMES);
          break;
        case 1:
          if (entries[i]) entries[i][1] = anyValue(rng, entries[i][1], objects);
          break;
        case 2:
          if (entries[i]) entries.push([...entries[i]] as [unknown, unknown]);
          break;
        case 3:
          entries.splice(i, 1);
          break;
        default:
          entries.push([rng.pick(NAMES), rng.pick([...objects, 999])]);
      }
      return `entries of object ${String(dir.header.object)}: ${JSON.stringify(entries).slice(0, 200)}`;
    }
    case 3:
      rs.splice(at, 1);
      return `delete record ${at}`;
    case 4: {
      rs.splice(body(), 0, { ...r, header: structuredClone(r.header) });
      return `duplicate record ${at}`;
    }
    case 5: {
      const to = Math.min(body(), rs.length - 1);
      [rs[at], rs[to]] = [rs[to], rs[at]];
      return `swap records ${at} and ${to}`;
    }
    case 6: {
      const object = rng.pick([...objects, 1, 999]);
      const record: Rec = rng.int(2)
        ? { type: RecordType.FreeObject, header: { object } }
        : { type: RecordType.Free, header: { object, block: rng.pick([0, 1, 5, 2 ** 40]) } };
      rs.splice(body(), 0, record);
      return `insert ${JSON.stringify(record)}`;
    }
    case 7: {
      // a record's type changed, its header kept
      const type = rng.pick([RecordType.Begin, RecordType.Object, RecordType.FreeObject, RecordType.Write, RecordType.Free]);
      r.type = type;
      if (type === RecordType.Write) r.data ??= Buffer.alloc(Number(isHeader(r) && r.header.lsize) || 512);
      else delete r.data;
      return `record ${at} made type ${type}`;
    }
    case 8: {
      // a block's data: resized (with or without its lsize), or changed (which is fine)
      const writes = rs.filter((x) => x.type === RecordType.Write && isHeader(x) && x.data);
      if (writes.length === 0) return 'none';
      const w = rng.pick(writes);
      switch (rng.int(3)) {
        case 0:
          w.data = Buffer.concat([w.data!, Buffer.alloc(rng.pick([1, 512, 4096]))]);
          w.header.lsize = w.data.length;
          return `write ${rs.indexOf(w)} grown to ${w.data.length}`;
        case 1:
          w.data = w.data!.subarray(0, rng.int(w.data!.length));
          if (rng.int(2)) w.header.lsize = w.data.length;
          return `write ${rs.indexOf(w)} cut to ${w.data.length}`;
        default:
          w.data = Buffer.from(w.data!);
          w.data[rng.int(w.data.length)] ^= 1 << rng.int(8);
          return `write ${rs.indexOf(w)} data changed`;
      }
    }
    default: {
      // the BEGIN: names, guids, kind, version, creation
      const key = rng.pick(['toName', 'toName', 'fromGuid', 'toGuid', 'kind', 'version', 'toCreation', 'type', 'clone']);
      const values: Record<string, unknown[]> = {
        toName: ['', 'tank/src', 'tank/src@', '@a', 'tank/src@b@c', 'tank/src@' + 'x'.repeat(300), 'tank/src@new', 'tank//src@a', 5],
        fromGuid: [null, '1', '', 'x', 7],
        toGuid: ['1', '', 'x', null, '123456789012345678901234'],
        kind: ['full', 'incremental', 'package', 'other', null],
        version: [0, 2, 3, '1'],
        toCreation: [-1, 1.5, 1e300, '1', null, 0],
        type: ['volume', 'filesystem', 1],
        clone: [true, false, 'yes'],
      };
      if (!isHeader(rs[0])) return 'none';
      rs[0].header[key] = rng.pick(values[key]);
      return `BEGIN ${key} = ${JSON.stringify(rs[0].header[key])}`;
    }
  }
}

// ---- receiving and judging ----

const bytesSource = (input: Buffer): ByteSource => {
  let pos = 0;
  return {
    read(buf, offset, length) {
      const n = Math.min(length, input.length - pos);
      input.copy(buf, offset, pos, pos + n);
      pos += n;
      return n;
    },
  };
};

interface Outcome {
  status: number;
  stderr: string;
}

/** The library's receive, as the CLI calls it; what the CLI would print and return. */
function receiveInProcess(home: string, target: string, force: boolean, input: Buffer): Outcome {
  try {
    receive(new Home(home), target, { force, dryRun: false, naming: 'target' }, bytesSource(input), `receive ${target}`);
    return { status: 0, stderr: '' };
  } catch (err) {
    if (err instanceof ZfsError) return { status: err.exitCode, stderr: err.lines.join('\n') + '\n' };
    return { status: -1, stderr: `internal error: ${err instanceof Error ? err.stack : String(err)}\n` };
  }
}

/** Everything the pool's metadata holds about datasets, trees and space, as one hash. */
function fingerprint(home: string): string {
  return withPoolOf(
    new Home(home),
    'tank',
    (h) => {
      const hash = createHash('sha256');
      const t = h.pool.t;
      for (const table of [t.meta, t.dirs, t.dirChildren, t.datasets, t.snapNames, t.snapTxgs, t.nodes, t.deadEntries, t.deadSums, t.freeByOffset, t.freeBySize]) {
        for (const { key, value } of (table as typeof t.nodes).getRange({})) hash.update(JSON.stringify([key, value]));
        hash.update('|');
      }
      return hash.digest('hex');
    },
    () => 'no pool',
  );
}

/** Every file of `dataset` (or the volume) reads back; the pool scrubs clean and checks sound. */
function readsBack(home: string, dataset: string, viaBinary: boolean): string[] {
  const problems: string[] = [];
  const h = new Home(home);
  const paths: string[] = [];
  try {
    if (contentsOf(h, dataset) === 'volume') catVolume(h, dataset, () => {});
    else {
      for (const dir of listDirectory(h, dataset, '/', true)) {
        for (const e of dir.entries) if (e.dnode.type === 'file') paths.push(`${dir.path === '/' ? '' : dir.path}/${e.name}`);
      }
      catFiles(h, dataset, paths, () => {});
    }
  } catch (err) {
    problems.push(`read back: ${err instanceof Error ? err.message : String(err)}`);
  }
  withPoolOf(
    h,
    'tank',
    (handle) => {
      const found = scrub(handle.pool).found;
      if (found.length) problems.push(`scrub found ${found.length} damaged blocks`);
      problems.push(...checkPool(handle.pool).problems);
    },
    () => {
      problems.push('no pool');
    },
  );
  if (viaBinary) {
    const cat = sb.run(paths.length ? ['cat', dataset, ...paths] : ['cat', dataset]);
    if (cat.status !== 0) problems.push(`cat: ${cat.stderr}`);
    const scrubbed = sb.run(['pool', 'scrub', '-w', 'tank']);
    if (scrubbed.status !== 0) problems.push(`scrub: ${scrubbed.stderr}`);
    const status = sb.ok(['pool', 'status', 'tank']);
    if (!status.includes('errors: No known data errors') || !/with 0 errors/.test(status)) problems.push(`status: ${status}`);
  }
  return problems;
}

/** One line starting `cannot receive` (or zfs_receive_one's `cannot restore to SNAPSHOT`), or with
 *  one of the second lines OpenZFS's messages have. */
const ONE_MESSAGE = /^cannot (receive|restore to \S+)[^\n]*\n((must destroy them|must destroy it|must specify -F) to overwrite it\n|cannot overwrite with a ZVOL\n|since most recent snapshot\n|match incremental source\n)?$/;

/** Each run starts from the same state: no tank/full, and tank/inc holding only @a. */
function restore(base: Base): void {
  destroy(new Home(sb.home), base.target, { recursive: true, dependents: false }, 'destroy');
  if (base.onto) expect(receiveInProcess(sb.home, base.target, false, base.onto)).toEqual({ status: 0, stderr: '' });
}

describe('receive of mutated streams', () => {
  it(`${RUNS} mutations of full, incremental, volume, volume incremental and package streams: a clean success or a clean refusal`, () => {
    const rng = generator(SEED);
    const tally = { accepted: 0, refused: 0, spawned: 0 };
    for (let run = 0; run < RUNS; run++) {
      const base = bases[run % bases.length];
      const streams = structuredClone(base.streams).map((rs) => rs.map((r) => ({ ...r, data: r.data && Buffer.from(r.data) })));
      // A package is several streams (its header's, then each snapshot's): any of them changes.
      const one = () => {
        const i = rng.int(streams.length);
        return `stream ${i}: ${mutate(rng, streams[i])}`;
      };
      const did = [one()];
      if (rng.int(4) === 0) did.push(one());
      const input = encode(streams);
      const label = `run ${run} (seed ${SEED}, ${base.name}): ${did.join('; ')}`;
      const viaBinary = run % SPAWN_EVERY === 0;
      const before = fingerprint(sb.home);
      const got = receiveInProcess(sb.home, base.target, !!base.onto, input);
      if (viaBinary) {
        // The same stream through the binary gives the same answer (the library's success undone first).
        if (got.status === 0) restore(base);
        const r = sb.run(['receive', ...(base.onto ? ['-F'] : []), base.target], input);
        expect({ status: r.status, stderr: r.stderr }, label).toEqual(got);
        tally.spawned++;
      }
      expect([0, 1], `${label}: ${got.stderr}`).toContain(got.status);
      if (got.status === 1) {
        tally.refused++;
        expect(got.stderr, label).toMatch(ONE_MESSAGE);
        expect(fingerprint(sb.home), `${label}: ${got.stderr}`).toBe(before);
        continue;
      }
      tally.accepted++;
      expect(readsBack(sb.home, base.target, viaBinary), label).toEqual([]);
      restore(base);
    }
    // The mutations reach both outcomes, and the binary checked a share of them.
    expect(tally.accepted).toBeGreaterThan(RUNS / 20);
    expect(tally.refused).toBeGreaterThan(RUNS / 2);
    expect(tally.spawned).toBeGreaterThanOrEqual(Math.floor(RUNS / SPAWN_EVERY));
  });
});
