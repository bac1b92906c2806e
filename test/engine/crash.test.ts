/**
 * Kill -9 in the middle of changing commands: afterwards every file reads as before the command
 * or as after it, the pool check finds no leaked or doubly used space, and the pool takes new work.
 * (A short run of the crash harness; issue 5 extends it to every command and many seeds.)
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';

function pattern(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

/** Start `tszfs ARGS` fed with `input`, kill it with SIGKILL after `delayMs`; resolves when it is gone. */
function killDuring(sb: Sandbox, args: string[], input: Buffer, delayMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: sb.env(), stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('crash safety', () => {
  it('a write killed at any instant leaves the file as before or after, and no space leaked', async () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/a']);
      let current = pattern(3 * 131072 + 100, 1);
      sb.ok(['write', 'tank/a', '/f'], current);
      sb.ok(['snapshot', 'tank/a@s']);
      const snapshotContents = current;
      for (let trial = 0; trial < 12; trial++) {
        const next = pattern(20 * 1024 * 1024 + trial * 4096, trial + 2);
        const mode = trial % 3 === 0 ? ['--offset', '65536'] : [];
        const expectedAfter = mode.length ? Buffer.concat([current.subarray(0, 65536), next]) : next;
        const code = await killDuring(sb, ['write', ...mode, 'tank/a', '/f'], next, 40 + ((trial * 37) % 200));
        const now = sb.bytesOf(['cat', 'tank/a', '/f']);
        if (code === 0) expect(now.equals(expectedAfter)).toBe(true);
        else expect(now.equals(current) || now.equals(expectedAfter)).toBe(true);
        current = now;
        expect(sb.bytesOf(['cat', 'tank/a@s', '/f']).equals(snapshotContents)).toBe(true);
        expect(poolProblems(sb.home)).toEqual([]);
      }
      sb.ok(['write', 'tank/a', '/after'], 'still works\n');
      expect(sb.ok(['cat', 'tank/a', '/after'])).toBe('still works\n');
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});

describe('concurrency', () => {
  it('several processes writing one pool at once lose no update and hand out no space twice', async () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '256M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['create', 'tank/b']);
      const run = (args: string[], input?: Buffer) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [BIN, ...args], { env: sb.env(), stdio: ['pipe', 'ignore', 'pipe'] });
          child.stdin.end(input ?? '');
          child.on('exit', resolve);
        });
      const jobs: Array<Promise<number | null>> = [];
      const files = new Map<string, Buffer>();
      for (let i = 0; i < 8; i++) {
        const ds = i % 2 ? 'tank/a' : 'tank/b';
        const data = pattern(131072 * (1 + (i % 3)) + i, 100 + i);
        files.set(`${ds}:/f${i}`, data);
        jobs.push(run(['write', ds, `/f${i}`], data));
      }
      jobs.push(run(['snapshot', 'tank/a@x']));
      jobs.push(run(['create', 'tank/c']));
      jobs.push(run(['list']));
      const codes = await Promise.all(jobs);
      expect(codes).toEqual(codes.map(() => 0));
      for (const [key, data] of files) {
        const [ds, path] = key.split(':');
        expect(sb.bytesOf(['cat', ds, path]).equals(data)).toBe(true);
      }
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
