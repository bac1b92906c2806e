/**
 * The CLI in-process (cli/main.ts `run`, what the harness uses): each invocation reads its own
 * env (clock, zone, home, colour) and standard streams, never the process's, so runs with
 * different settings do not leak into each other, also when they overlap; and what it prints is
 * what the binary prints.
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BIN, NOW, run, Sandbox } from './harness.js';

interface Captured {
  status: number;
  stdout: string;
  stderr: string;
}

async function inProcess(args: string[], env: NodeJS.ProcessEnv, stdin?: Buffer | string | Readable): Promise<Captured> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const status = await run([process.execPath, BIN, ...args], {
    stdin,
    stdout: { write: (b: Buffer) => out.push(Buffer.from(b)) },
    stderr: { write: (b: Buffer) => err.push(Buffer.from(b)) },
    env,
  });
  return { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

function spawned(args: string[], env: NodeJS.ProcessEnv, input?: string): Captured {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, input, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('run() in-process', () => {
  it('takes clock, zone and home from its own env, also while another run with other settings overlaps', async () => {
    const a = new Sandbox();
    const b = new Sandbox();
    try {
      // Different homes, clocks and zones, created at once.
      const envA = a.env({ TSZFS_NOW: NOW, TZ: 'UTC' });
      const envB = b.env({ TSZFS_NOW: String(Number(NOW) + 86400 * 40 + 3600 * 5), TZ: 'America/New_York' });
      const created = await Promise.all([
        inProcess(['pool', 'create', '--size', '64M', 'tank'], envA),
        inProcess(['pool', 'create', '--size', '64M', 'pond'], envB),
      ]);
      expect(created.map((r) => r.status)).toEqual([0, 0]);
      const [listA, listB, historyA, historyB] = await Promise.all([
        inProcess(['list', '-H', '-o', 'name,creation'], envA),
        inProcess(['list', '-H', '-o', 'name,creation'], envB),
        inProcess(['pool', 'history'], envA),
        inProcess(['pool', 'history'], envB),
      ]);
      expect(listA.stdout).toBe('tank\tTue Jan  7  9:05 2025\n');
      expect(listB.stdout).toBe('pond\tSun Feb 16  9:05 2025\n');
      // The binary, given the same env, prints the same.
      for (const [args, env, got] of [
        [['list', '-H', '-o', 'name,creation'], envA, listA],
        [['list', '-H', '-o', 'name,creation'], envB, listB],
        [['pool', 'history'], envA, historyA],
        [['pool', 'history'], envB, historyB],
      ] as const) {
        expect(got).toEqual(spawned([...args], env));
      }
      expect(historyB.stdout).toContain('2025-02-16.09:05:00 zpool create');
    } finally {
      a.cleanup();
      b.cleanup();
    }
  });

  it('reads standard input from bytes, a string or a stream, and its exit status is the binary\'s', async () => {
    const sb = new Sandbox();
    try {
      const env = sb.env();
      expect((await inProcess(['pool', 'create', '--size', '64M', 'tank'], env)).status).toBe(0);
      expect((await inProcess(['write', 'tank', '/a'], env, Buffer.from('bytes\n'))).status).toBe(0);
      expect((await inProcess(['write', 'tank', '/b'], env, 'string\n')).status).toBe(0);
      expect((await inProcess(['write', 'tank', '/c'], env, Readable.from([Buffer.from('str'), Buffer.from('eam\n')]))).status).toBe(0);
      expect((await inProcess(['cat', 'tank', '/a', '/b', '/c'], env)).stdout).toBe('bytes\nstring\nstream\n');
      for (const args of [['cat', 'tank', '/nope'], ['list', '-Q'], ['frobnicate'], ['--version']]) {
        expect(await inProcess(args, env)).toEqual(spawned(args, env));
      }
    } finally {
      sb.cleanup();
    }
  });

  it('a terminal is the invocation\'s stream, not fd 1: send refuses one, as OpenZFS', async () => {
    const sb = new Sandbox();
    try {
      const env = sb.env();
      await inProcess(['pool', 'create', '--size', '64M', 'tank'], env);
      await inProcess(['snapshot', 'tank@s'], env);
      const err: Buffer[] = [];
      const status = await run([process.execPath, BIN, 'send', 'tank@s'], {
        stdout: { write: () => {}, isTTY: true },
        stderr: { write: (b: Buffer) => err.push(Buffer.from(b)) },
        env,
      });
      expect([status, Buffer.concat(err).toString()]).toEqual([1, 'Error: Stream can not be written to a terminal.\nYou must redirect standard output.\n']);
      expect((await inProcess(['send', 'tank@s'], env)).status).toBe(0);
    } finally {
      sb.cleanup();
    }
  });
});
