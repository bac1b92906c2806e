/**
 * No command holds the pool's write lock while it waits on its input (engine/pool/staging.ts):
 * same-pool pipelines finish, a write waiting for its input blocks no other command, and the input
 * staged by a killed command is gone with it. Real processes and real pipes: a deadlock fails
 * these tests by their time limit instead of hanging the suite.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, pattern, Sandbox } from './harness.js';

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
  sb.ok(['pool', 'create', 'tank']);
  sb.ok(['create', 'tank/a']);
});
afterEach(() => sb.cleanup());

const tszfs = `'${process.execPath}' '${BIN}'`;

/** Run a shell pipeline of tszfs commands, killed after `seconds`. */
function pipeline(script: string, seconds = 60) {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script.replaceAll('tszfs', tszfs)], { env: sb.env(), timeout: seconds * 1000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr.toString() };
}

const staged = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('.tszfs-staging-'));

describe('no waiting under the write lock', () => {
  const data = pattern(12 << 20, 7); // past what is staged in memory: it spills to a scratch file

  it('send | receive into the same pool finishes', () => {
    sb.ok(['write', 'tank/a', '/f', sb.file('data', data)]);
    sb.ok(['snapshot', 'tank/a@s']);
    expect(pipeline('tszfs send tank/a@s | tszfs receive tank/b')).toEqual({ status: 0, signal: null, stderr: '' });
    expect(sb.bytesOf(['cat', 'tank/b', '/f']).equals(data)).toBe(true);
  });

  it('cat | write on the same pool finishes', () => {
    sb.ok(['write', 'tank/a', '/f', sb.file('data', data)]);
    expect(pipeline('tszfs cat tank/a /f | tszfs write tank/a /g')).toEqual({ status: 0, signal: null, stderr: '' });
    expect(sb.bytesOf(['cat', 'tank/a', '/g']).equals(data)).toBe(true);
  });

  it('a write waiting for its input blocks no other command', async () => {
    const writer = spawn(process.execPath, [BIN, 'write', 'tank/a', '/slow'], { env: sb.env(), stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => writer.on('exit', resolve));
    writer.stdin.write(data.subarray(0, 1 << 20));
    // While the writer waits for the rest of its input, other commands change the pool.
    const other = spawnSync(process.execPath, [BIN, 'create', 'tank/other'], { env: sb.env(), timeout: 20_000 });
    expect(other.signal).toBe(null);
    expect(other.status).toBe(0);
    writer.stdin.end(data.subarray(1 << 20));
    expect(await exited).toBe(0);
    expect(sb.bytesOf(['cat', 'tank/a', '/slow']).equals(data)).toBe(true);
    expect(sb.ok(['list', '-H', '-o', 'name', 'tank/other'])).toBe('tank/other\n');
  });

  it('input staged by a killed write is freed, and nothing of it is counted', async () => {
    const before = sb.ok(['list', '-Hp', '-o', 'name,used,referenced']);
    const allocBefore = sb.ok(['pool', 'list', '-Hp', '-o', 'alloc', 'tank']);
    const writer = spawn(process.execPath, [BIN, 'write', 'tank/a', '/killed'], { env: sb.env(), stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => writer.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve) => writer.stdin.write(data, () => resolve()));
    // The scratch file exists only while the writer runs, and is never visible by name.
    expect(staged(sb.home)).toEqual([]);
    writer.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(sb.ok(['list', '-Hp', '-o', 'name,used,referenced'])).toBe(before);
    expect(sb.ok(['pool', 'list', '-Hp', '-o', 'alloc', 'tank'])).toBe(allocBefore);
    expect(sb.run(['ls', 'tank/a', '/killed']).status).toBe(1);
    expect(staged(sb.home)).toEqual([]);
  });
});
