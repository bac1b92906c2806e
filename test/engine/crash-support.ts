/**
 * Tools of the crash tests: a fingerprint of everything a pool holds (datasets, their space
 * numbers and properties, every file's bytes, the history), saving and restoring a pool's two
 * files, and running `tszfs` to be killed (from outside after a delay, or from inside at a named
 * step with TSZFS_CRASH_AT).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NodeReader } from '../../src/engine/blocks/nodes.js';
import { FsView } from '../../src/engine/files/fs-view.js';
import type { Dnode } from '../../src/engine/files/objset.js';
import type { DatasetRecord } from '../../src/engine/store/records.js';
import { Home } from '../../src/lib/home.js';
import { PoolHandle } from '../../src/lib/pool-handle.js';
import { BIN, seededBytes, type Sandbox } from '../cli/harness.js';

/** Seeded bytes that do not compress (harness.ts seededBytes). */
export const pattern = seededBytes;

/** Everything a user can observe of pool `tank`, as one comparable string. */
export function fingerprint(home: string): string {
  const h = PoolHandle.open(new Home(home), 'tank');
  if (!h) throw new Error('pool tank not found');
  try {
    const view = h.view();
    const src = new NodeReader(h.pool.t);
    const rows: string[] = [];
    for (const { value } of h.pool.t.datasets.getRange({})) {
      const ds = value as DatasetRecord;
      const dir = view.dir(ds.dir);
      const used = ds.kind === 'head' ? dir.used.head + dir.used.snap + dir.used.child : ds.unique;
      const props = ds.kind === 'head' ? dir.props : ds.props;
      const fsv = FsView.at(src, ds.root);
      const files: string[] = [];
      const walk = (at: string, dn: Dnode) => {
        for (const e of fsv.list(dn)) {
          const p = `${at}/${e.name}`;
          if (e.dnode.type === 'dir') {
            files.push(`${p}/`);
            walk(p, e.dnode);
          } else if (e.dnode.type !== 'file') {
            files.push(`${p}=${e.dnode.type}${e.dnode.type === 'symlink' ? `:${e.dnode.target}` : ''}`);
          } else {
            const hash = createHash('sha1');
            fsv.readFile(h.pool.image, e.dnode, (chunk) => hash.update(chunk));
            files.push(`${p}=${e.dnode.size}:${hash.digest('hex')}`);
          }
        }
      };
      walk('', fsv.lookup([]).dnode);
      const bookmarks = ds.kind === 'head' ? ` bookmarks=${JSON.stringify(dir.bookmarks ?? [])}` : '';
      rows.push(`${view.datasetName(ds)} ref=${ds.referenced} used=${used} props=${JSON.stringify(props)}${bookmarks} ${files.join(' ')}`);
    }
    rows.sort();
    const history = [...h.pool.t.history.getRange({})].map((e) => (e.value as { line: string }).line);
    return rows.join('\n') + `\nhistory: ${history.join(' | ')}`;
  } finally {
    h.close();
  }
}

/** The pool's files (image, metadata, registry), to put back between trials. The image is put
 *  back byte for byte, but only the chunks a trial changed are written (most of it is free space
 *  no trial touches): a whole copy per trial was most of this test's time. */
export class Saved {
  private readonly files: Map<string, Buffer>;

  constructor(private readonly home: string) {
    // tank.devN: the other devices of a pool of several (its first is tank.img)
    const devices = fs.readdirSync(home).filter((f) => /^tank\.dev\d+$/.test(f));
    this.files = new Map(['tank.img', 'tank.img.lmdb', 'pools.json', ...devices].map((f) => [f, fs.readFileSync(path.join(home, f))]));
  }

  restore(): void {
    for (const [f, saved] of this.files) {
      const file = path.join(this.home, f);
      if (f === 'tank.img' || f.startsWith('tank.dev')) restoreChanged(file, saved);
      else fs.writeFileSync(file, saved);
    }
    fs.rmSync(path.join(this.home, 'tank.img.lmdb-lock'), { force: true });
  }
}

const CHUNK = 1 << 20;

/** Make `file` equal to `saved`, writing only the chunks that differ. */
function restoreChanged(file: string, saved: Buffer): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(CHUNK);
    for (let at = 0; at < saved.length; at += CHUNK) {
      const want = saved.subarray(at, at + CHUNK);
      const n = fs.readSync(fd, buf, 0, want.length, at);
      if (n !== want.length || !buf.subarray(0, n).equals(want)) fs.writeSync(fd, want, 0, want.length, at);
    }
    fs.ftruncateSync(fd, saved.length);
  } finally {
    fs.closeSync(fd);
  }
}

export interface Outcome {
  code: number | null;
  killed: boolean;
  ms: number;
}

/** Run `tszfs ARGS`; kill it with SIGKILL after `delayMs` (if given) or let TSZFS_CRASH_AT do it. */
export function runToDie(sb: Sandbox, args: string[], input: Buffer | undefined, opts: { delayMs?: number; crashAt?: string }): Promise<Outcome> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const env = sb.env(opts.crashAt ? { TSZFS_CRASH_AT: opts.crashAt } : {});
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
    const timer = opts.delayMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.delayMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, killed: signal === 'SIGKILL', ms: Number(process.hrtime.bigint() - start) / 1e6 });
    });
  });
}

/** A small deterministic random number generator (mulberry32), so a failing seed can be rerun. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
