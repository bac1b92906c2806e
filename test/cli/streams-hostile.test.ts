/**
 * Hostile streams (issue 12, item 5): streams whose every checksum is right but whose structure is
 * not, made by decoding a valid stream, changing one thing and encoding it again. Each is refused
 * with OpenZFS's message and exit 1, and leaves the pool exactly as it was.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { pattern, Sandbox } from './harness.js';
import { decode, encode, RecordType, type Records } from './stream-craft.js';

const R = 131072;
const FULL = 'cannot receive new filesystem stream: invalid backup stream\n';
const INCREMENTAL = 'cannot receive incremental stream: invalid backup stream\n';

/** A small tree: /big (3 records), /d/e/f; then @b adds /d/g, removes /d/e/f and rewrites /big. */
let full: Buffer;
let incremental: Buffer;
/** `send -R tank/src@a`: a package header, then the stream of @a */
let pkg: Buffer;
/** a volume of 64K in blocks of 8K, the second of which is written; then the sixth, at @b */
let volume: Buffer;
let volumeIncremental: Buffer;

beforeAll(() => {
  const sb = new Sandbox();
  try {
    sb.ok(['pool', 'create', '--size', '64M', 'tank']);
    sb.ok(['create', 'tank/src']);
    sb.ok(['write', '-p', 'tank/src', '/d/e/f'], 'hello\n');
    sb.ok(['write', 'tank/src', '/big'], pattern(2 * R + 1000, 1));
    sb.ok(['snapshot', 'tank/src@a']);
    sb.ok(['write', 'tank/src', '/d/g'], 'gee\n');
    sb.ok(['rm', 'tank/src', '/d/e/f']);
    sb.ok(['write', '--offset', String(R + 7), 'tank/src', '/big'], 'patch');
    sb.ok(['snapshot', 'tank/src@b']);
    full = sb.bytesOf(['send', 'tank/src@a']);
    incremental = sb.bytesOf(['send', '-i', '@a', 'tank/src@b']);
    pkg = sb.bytesOf(['send', '-R', 'tank/src@a']);
    sb.ok(['create', '-V', '64K', '-b', '8192', 'tank/vol']);
    sb.ok(['write', '--offset', '8192', 'tank/vol'], pattern(8192, 3));
    sb.ok(['snapshot', 'tank/vol@a']);
    volume = sb.bytesOf(['send', 'tank/vol@a']);
    sb.ok(['write', '--offset', String(5 * 8192), 'tank/vol'], pattern(8192, 4));
    sb.ok(['snapshot', 'tank/vol@b']);
    volumeIncremental = sb.bytesOf(['send', '-i', '@a', 'tank/vol@b']);
  } finally {
    sb.cleanup();
  }
});

type Rec = Records[number];
const objectRecord = (rs: Records, object: number): Rec => rs.find((r) => r.type === RecordType.Object && r.header.object === object)!;
/** The OBJECT record of the entry `name` of directory `dir`. */
const entry = (rs: Records, dir: number, name: string): Rec => {
  const e = (objectRecord(rs, dir).header.entries as Array<[string, number]>).find(([n]) => n === name)!;
  return objectRecord(rs, e[1]);
};
const firstWrite = (rs: Records): Rec => rs.find((r) => r.type === RecordType.Write)!;

/** The pool of the case at hand: tank/dst holds @a, where incremental streams go; full ones go
 *  to tank/new. Made at a case's first refusal; every refusal after it must find it unchanged. */
let pool: { sb: Sandbox; state: () => string[]; before: string[] } | null = null;

afterEach(() => {
  pool?.sb.cleanup();
  pool = null;
});

function openPool(): NonNullable<typeof pool> {
  if (pool) return pool;
  const sb = new Sandbox();
  sb.ok(['pool', 'create', '--size', '64M', 'tank']);
  sb.ok(['receive', 'tank/dst'], full);
  const state = () => [
    sb.ok(['list', '-Hp', '-t', 'all', '-o', 'name,used,referenced,written,guid']),
    sb.ok(['pool', 'list', '-Hp', '-o', 'allocated,free', 'tank']),
  ];
  pool = { sb, state, before: state() };
  return pool;
}

/** Receive `stream` into `target`: exit 1, `message`, and the pool exactly as it was. */
function refused(stream: Buffer, message: string, target = 'tank/new'): void {
  const { sb, state, before } = openPool();
  const r = sb.run(['receive', target], stream);
  expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ status: 1, stderr: message, stdout: '' });
  expect(state()).toEqual(before);
  expect(poolProblems(sb.home)).toEqual([]);
}

/** The full stream with `change` made to its records, checksums recomputed. */
function fullWith(change: (rs: Records) => void): Buffer {
  const streams = decode(full);
  change(streams[0]);
  return encode(streams);
}

function incrementalWith(change: (rs: Records) => void): Buffer {
  const streams = decode(incremental);
  change(streams[0]);
  return encode(streams);
}

describe('hostile streams are refused and change nothing', () => {
  it('the unchanged streams are received (the cases below differ from them in one thing)', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['receive', 'tank/dst'], encode(decode(full)));
      sb.ok(['receive', 'tank/dst'], encode(decode(incremental)));
      expect(sb.bytesOf(['cat', 'tank/dst', '/d/g']).toString()).toBe('gee\n');
    } finally {
      sb.cleanup();
    }
  });

  it('a freed root', () => {
    // The incremental stream does not change the root: its freeing comes first, in object order.
    refused(
      incrementalWith((rs) => rs.splice(1, 0, { type: RecordType.FreeObject, header: { object: 1 } })),
      INCREMENTAL,
      'tank/dst',
    );
    refused(
      fullWith((rs) => {
        const i = rs.indexOf(objectRecord(rs, 1));
        rs[i] = { type: RecordType.FreeObject, header: { object: 1 } };
      }),
      FULL,
    );
  });

  it('a missing root', () => {
    refused(
      fullWith((rs) => rs.splice(rs.indexOf(objectRecord(rs, 1)), 1)),
      FULL,
    );
  });

  it('a record past the end of its file', () => {
    refused(fullWith((rs) => (rs.filter((r) => r.type === RecordType.Write).at(-1)!.header.block = 3)), FULL);
  });

  it('a record larger than its file block size', () => {
    refused(
      fullWith((rs) => {
        const w = rs.find((r) => r.type === RecordType.Write && r.header.lsize === R)!;
        w.header.lsize = 2 * R;
        w.data = Buffer.concat([w.data!, w.data!]);
      }),
      FULL,
    );
  });

  it('an unknown object type, or a type without what it carries', () => {
    // A directory, so that no block record follows to trip over it.
    refused(fullWith((rs) => (entry(rs, 1, 'd').header.type = 'door')), FULL);
    refused(fullWith((rs) => (entry(rs, 1, 'd').header.type = 'fifo')), FULL);
    refused(fullWith((rs) => (entry(rs, 1, 'big').header.type = 'symlink')), FULL);
  });

  it('POSIX attributes out of range or of the wrong shape', () => {
    const f = (change: (h: Record<string, unknown>) => void) => fullWith((rs) => change(entry(rs, 1, 'd').header));
    /** /d/e/f */
    const file = (change: (h: Record<string, unknown>) => void) =>
      fullWith((rs) => {
        const e = entry(rs, entry(rs, 1, 'd').header.object as number, 'e').header.object as number;
        change(entry(rs, e, 'f').header);
      });
    refused(f((h) => (h.mode = 0o10000)), FULL);
    refused(f((h) => (h.uid = -1)), FULL);
    refused(f((h) => (h.gid = 2 ** 32)), FULL);
    refused(f((h) => (h.nlink = 0)), FULL);
    refused(file((h) => (h.nlink = 2)), FULL); // one name, and no other directory
    refused(f((h) => (h.mtime = [1, 1e9])), FULL);
    refused(f((h) => (h.atime = [1.5, 0])), FULL);
    refused(f((h) => (h.crtime = 5)), FULL);
    refused(f((h) => delete h.ctime), FULL);
    refused(f((h) => (h.links = [1])), FULL); // a directory has one name
    refused(file((h) => Object.assign(h, { links: [1], nlink: 2 })), FULL); // the root does not name it
    refused(f((h) => (h.xattrs = [['not base64!', '']])), FULL);
    refused(f((h) => (h.xattrs = [['', '']])), FULL);
    refused(f((h) => (h.xattrs = [[Buffer.alloc(256, 97).toString('base64'), '']])), FULL);
    refused(f((h) => (h.xattrs = [[Buffer.from('user.a').toString('base64'), Buffer.alloc(65536).toString('base64')]])), FULL);
    refused(f((h) => (h.xattrs = [['dXNlci5h', ''], ['dXNlci5h', '']])), FULL);
    refused(f((h) => (h.xattrs = [])), FULL);
    refused(file((h) => (h.target = 'x')), FULL);
    refused(file((h) => (h.rdev = [1, 3])), FULL);
    // An older stream's object has no attributes at all, never some of them.
    refused(f((h) => (delete h.mode, (h.mtime = 5), (h.ctime = 5))), FULL);
    // A directory with two names, and a file that claims a name its directory does not give it.
    refused(
      fullWith((rs) => {
        const root = objectRecord(rs, 1).header;
        const d = (root.entries as Array<[string, number]>).find(([n]) => n === 'd')![1];
        root.entries = [...(root.entries as Array<[string, number]>), ['e2', d]].sort((a, b) => (a[0] < b[0] ? -1 : 1));
      }),
      FULL,
    );
    refused(
      fullWith((rs) => {
        const e = entry(rs, entry(rs, 1, 'd').header.object as number, 'e').header.object as number;
        Object.assign(entry(rs, e, 'f').header, { links: [e], nlink: 2 });
      }),
      FULL,
    );
    // Entries in name order (lookups rely on it).
    refused(fullWith((rs) => (objectRecord(rs, 1).header.entries as unknown[]).reverse()), FULL);
  });

  it('a directory cycle, detached from the root', () => {
    refused(
      fullWith((rs) => {
        // /d and /d/e name each other as parent and child; the root no longer names /d.
        const root = objectRecord(rs, 1);
        const d = entry(rs, 1, 'd');
        const e = entry(rs, d.header.object as number, 'e');
        root.header.entries = (root.header.entries as Array<[string, number]>).filter(([n]) => n !== 'd');
        (e.header.entries as Array<[string, number]>).push(['d', d.header.object as number]);
        d.header.parent = e.header.object;
      }),
      FULL,
    );
    // The same made by an incremental stream, which brings the root's new entries along.
    refused(
      incrementalWith((rs) => {
        const root = structuredClone(objectRecord(decode(full)[0], 1));
        root.header.entries = (root.header.entries as Array<[string, number]>).filter(([n]) => n !== 'd');
        rs.splice(1, 0, root);
        const d = objectRecord(rs, 2);
        const e = objectRecord(rs, 3);
        (e.header.entries as Array<[string, number]>).push(['d', 2]);
        d.header.parent = 3;
      }),
      INCREMENTAL,
      'tank/dst',
    );
  });

  it('a directory entry naming an object that does not exist', () => {
    refused(fullWith((rs) => (objectRecord(rs, 1).header.entries as Array<[string, number]>).push(['ghost', 999])), FULL);
  });

  it('a block record for an object the stream does not carry', () => {
    refused(
      incrementalWith((rs) => {
        const w = firstWrite(rs);
        rs.splice(rs.indexOf(w), 0, { type: RecordType.Write, header: { ...w.header, object: 999 }, data: w.data });
      }),
      INCREMENTAL,
      'tank/dst',
    );
  });

  it('a moved object that its old directory still names', () => {
    refused(
      incrementalWith((rs) => {
        // /d/g says the root is its parent, which the root (not in the stream) does not know, and /d still names it.
        const g = entry(rs, 2, 'g');
        g.header.parent = 1;
        expect(rs.some((r) => r.type === RecordType.Object && r.header.object === 1)).toBe(false);
      }),
      INCREMENTAL,
      'tank/dst',
    );
  });

  it('an invalid block size', () => {
    refused(fullWith((rs) => (entry(rs, 1, 'big').header.blksz = 1000)), FULL);
    refused(fullWith((rs) => (entry(rs, 1, 'big').header.blksz = 32 << 20)), FULL);
  });

  it('a name over 255 bytes', () => {
    refused(
      fullWith((rs) => {
        const root = objectRecord(rs, 1);
        root.header.entries = (root.header.entries as Array<[string, number]>).map(([n, o]) => [n === 'big' ? 'é'.repeat(128) : n, o]);
      }),
      FULL,
    );
  });

  it('an absurd time or length', () => {
    refused(fullWith((rs) => (objectRecord(rs, 1).header.mtime = 1e18)), FULL);
    refused(fullWith((rs) => (entry(rs, 1, 'big').header.size = 2 ** 60)), FULL);
    refused(fullWith((rs) => (rs[0].header.toCreation = -5)), 'cannot receive: invalid backup stream\n');
    // A record announcing a 4 GiB header is refused before anything is allocated for it.
    const frame = Buffer.from([RecordType.Object, 0xf0, 0xff, 0xff, 0xff]);
    refused(Buffer.concat([full.subarray(0, full.indexOf('}', 16) + 1 + 4), frame]), FULL);
  });

  it('an empty target name', () => {
    refused(fullWith((rs) => (rs[0].header.toName = '')), 'cannot receive: invalid stream (bad snapshot name)\n');
    refused(fullWith((rs) => (rs[0].header.toName = 'tank/src@')), "cannot receive: empty component or misplaced '@' or '#' delimiter in name\n");
    // An empty TARGET operand: the destination would be `@a`.
    refused(full, "cannot receive: empty component or misplaced '@' or '#' delimiter in name\n", '');
  });

  it('a package whose streams are not those it lists', () => {
    const pkgWith = (change: (streams: Records[]) => void) => {
      const streams = decode(pkg);
      change(streams);
      return encode(streams);
    };
    const bad = 'cannot receive: invalid backup stream\n';
    // A snapshot of a filesystem other than the one the package was sent from.
    refused(pkgWith((s) => (s[0][0].header.toName = '@a')), bad);
    // No stream listed, yet one follows; and a stream after those listed.
    refused(pkgWith((s) => (s[0][0].header.streams = [])), bad);
    refused(pkgWith((s) => s.push(decode(full)[0])), bad);
  });

  it('a volume that is not one object of whole blocks, and a filesystem called a volume', () => {
    const volumeWith = (change: (rs: Records) => void) => {
      const streams = decode(volume);
      change(streams[0]);
      return encode(streams);
    };
    refused(
      volumeWith((rs) => {
        // The data object made a directory, its block record dropped.
        Object.assign(objectRecord(rs, 1).header, { type: 'dir', entries: [], size: undefined, blksz: undefined });
        rs.splice(rs.indexOf(firstWrite(rs)), 1);
      }),
      FULL,
    );
    refused(volumeWith((rs) => Object.assign(objectRecord(rs, 1).header, { blksz: 3 * 4096, size: 3 * 4096 * 5 })), FULL);
    refused(volumeWith((rs) => (objectRecord(rs, 1).header.size = 65536 + 512)), FULL);
    refused(volumeWith((rs) => rs.push({ ...objectRecord(rs, 1), header: { ...objectRecord(rs, 1).header, object: 2 } })), FULL);
    refused(fullWith((rs) => (rs[0].header.type = 'volume')), FULL);
  });

  it('a volume made shorter than the blocks it keeps', () => {
    const p = openPool();
    p.sb.ok(['receive', 'tank/vol'], volume);
    p.before = p.state();
    const streams = decode(volumeIncremental);
    // One block long, yet the second block (written at @a) stays.
    objectRecord(streams[0], 1).header.size = 8192;
    streams[0] = streams[0].filter((r) => r.type !== RecordType.Write);
    refused(encode(streams), INCREMENTAL, 'tank/vol');
  });
});
