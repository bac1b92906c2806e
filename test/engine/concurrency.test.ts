/**
 * Several tszfs processes working one pool at once: every change that reported success is there
 * afterwards, snapshots hold whole files (never half a write), no space is handed out twice, and
 * the counters equal the walk. And a reader whose blocks are freed and reused under it by other
 * processes gets an I/O error, never wrong bytes, and the pool does not count it as damage.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, META, Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';
import { pattern, random } from './crash-support.js';

interface Job {
  args: string[];
  input?: Buffer;
}

function run(sb: Sandbox, job: Job): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...job.args], { env: sb.env(), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c));
    child.stdin.on('error', () => {});
    child.stdin.end(job.input ?? '');
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

const R = 131072;

describe('concurrency', () => {
  for (const seed of process.env.TSZFS_SOAK === '1' ? [1, 2, 3, 4, 5, 6, 7, 8] : [1, 2]) {
    it(`writes, snapshots, creates, destroys and lists at once lose nothing (seed ${seed})`, async () => {
      const sb = new Sandbox();
      const rand = random(seed);
      try {
        sb.ok(['pool', 'create', '--size', '256M', 'tank']);
        for (const ds of ['tank/a', 'tank/b', 'tank/gone']) sb.ok(['create', ds]);
        sb.ok(['write', 'tank/b', '/old'], pattern(R, 50));
        sb.ok(['snapshot', 'tank/b@pre']);
        sb.ok(['write', 'tank/a', '/doomed'], pattern(2 * R, 51));

        const distinct = new Map<string, Buffer>();
        const jobs: Job[] = [];
        for (let i = 0; i < 8; i++) {
          const ds = i % 2 ? 'tank/a' : 'tank/b';
          const data = pattern(Math.floor(rand() * 4 * R) + 1, seed * 100 + i);
          distinct.set(`${ds}:/f${i}`, data);
          jobs.push({ args: ['write', ds, `/f${i}`], input: data });
        }
        const same = [0, 1, 2, 3].map((i) => pattern(R + i * 1000, seed * 1000 + i));
        for (const data of same) jobs.push({ args: ['write', 'tank/a', '/same'], input: data });
        jobs.push({ args: ['snapshot', 'tank/a@x1'] }, { args: ['snapshot', 'tank/b@x2'] }, { args: ['snapshot', 'tank/a@x3'] });
        jobs.push({ args: ['create', 'tank/c'] }, { args: ['create', 'tank/a/d'] });
        jobs.push({ args: ['destroy', 'tank/gone'] }, { args: ['destroy', 'tank/b@pre'] }, { args: ['rm', 'tank/a', '/doomed'] });
        jobs.push({ args: ['list', '-t', 'all'] }, { args: ['cat', 'tank/b', '/old'] }, { args: ['list', '-Hp', '-o', 'name,used'] });
        // Shuffle so that each seed starts the processes in another order.
        for (let i = jobs.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
        }

        const results = await Promise.all(jobs.map((job) => run(sb, job)));
        for (const [i, r] of results.entries()) expect(r.code, `${jobs[i].args.join(' ')}: ${r.stderr}`).toBe(0);
        const catOld = results[jobs.findIndex((j) => j.args[0] === 'cat')];
        expect(catOld.stdout.equals(pattern(R, 50))).toBe(true);

        for (const [key, data] of distinct) {
          const [ds, path] = key.split(':');
          expect(sb.bytesOf(['cat', ds, path]).equals(data), key).toBe(true);
        }
        const final = sb.bytesOf(['cat', 'tank/a', '/same']);
        expect(same.some((d) => d.equals(final))).toBe(true);
        const names = sb.ok(['list', '-H', '-t', 'all', '-o', 'name']).trim().split('\n');
        for (const n of ['tank/a@x1', 'tank/b@x2', 'tank/a@x3', 'tank/c', 'tank/a/d']) expect(names).toContain(n);
        for (const n of ['tank/gone', 'tank/b@pre']) expect(names).not.toContain(n);
        expect(sb.run(['cat', 'tank/a', '/doomed']).status).toBe(1);

        // A snapshot taken amid the writes holds each file whole or not at all.
        for (const snap of ['tank/a@x1', 'tank/a@x3', 'tank/b@x2']) {
          const ds = snap.split('@')[0];
          const listing = sb.ok(['ls', snap, '/']).trim().split('\n').filter(Boolean);
          for (const name of listing) {
            const bytes = sb.bytesOf(['cat', snap, `/${name}`]);
            const expected = name === 'same' ? same : [distinct.get(`${ds}:/${name}`) ?? pattern(name === 'old' ? R : 2 * R, name === 'old' ? 50 : 51)];
            expect(expected.some((d) => d.equals(bytes)), `${snap}:/${name}`).toBe(true);
          }
        }
        expect(poolProblems(sb.home)).toEqual([]);
      } finally {
        sb.cleanup();
      }
    });
  }

  /** `cat` of a 2M file that stalls on a full pipe after its first records, still holding its view. */
  async function stalledReader(sb: Sandbox) {
    const reader = spawn(process.execPath, [BIN, 'cat', 'tank/a', '/big'], { env: sb.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    reader.stderr.on('data', (c: Buffer) => (stderr += c));
    reader.stdout.pause();
    const first = await new Promise<Buffer>((resolve) => reader.stdout.once('readable', () => resolve(reader.stdout.read() as Buffer)));
    const finish = async () => {
      const chunks: Buffer[] = [first ?? Buffer.alloc(0)];
      reader.stdout.on('data', (c: Buffer) => chunks.push(c));
      reader.stdout.resume();
      const code = await new Promise<number | null>((resolve) => reader.on('close', resolve));
      return { code, stdout: Buffer.concat(chunks), stderr };
    };
    return { reader, finish };
  }

  const alloc = (sb: Sandbox) => Number(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc']).trim());
  /** the label and the metadata allocations of tank and tank/a */
  const BASE = 4096 + 2 * META;

  it('a reader keeps its blocks while other processes free the file and write new ones (I4)', async () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/a']);
      const original = pattern(16 * R, 60);
      sb.ok(['write', 'tank/a', '/big'], original);
      const { finish } = await stalledReader(sb);

      // Another process frees the file's blocks, a third writes as much again: it must get other
      // space, since the reader has yet to read most of those blocks.
      sb.ok(['rm', 'tank/a', '/big']);
      expect(alloc(sb)).toBe(BASE + 16 * R);
      sb.ok(['write', 'tank/a', '/other'], pattern(16 * R, 61));
      expect(alloc(sb)).toBe(BASE + 32 * R);
      expect(poolProblems(sb.home)).toEqual([]);

      const { code, stdout, stderr } = await finish();
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout.equals(original)).toBe(true);
      // The reader gone, the freed space is free again.
      expect(alloc(sb)).toBe(BASE + 16 * R);
      expect(sb.bytesOf(['cat', 'tank/a', '/other']).equals(pattern(16 * R, 61))).toBe(true);
      expect(sb.ok(['pool', 'status', 'tank'])).toContain('errors: No known data errors');
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('a reader killed while it pins freed space does not pin it for ever', async () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['write', 'tank/a', '/big'], pattern(16 * R, 62));
      const { reader, finish } = await stalledReader(sb);
      sb.ok(['rm', 'tank/a', '/big']);
      expect(alloc(sb)).toBe(BASE + 16 * R);
      reader.kill('SIGKILL');
      await finish();
      expect(poolProblems(sb.home)).toEqual([]);
      // The next command notices the reader is gone and frees what it pinned.
      sb.ok(['write', 'tank/a', '/small'], 'x');
      expect(alloc(sb)).toBe(BASE + 4096);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
