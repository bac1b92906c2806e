/** TSZFS_LOG=FILE: one JSON line per invocation with argv, exit status, duration and pool. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, Sandbox } from './harness.js';

const tszfs = (args: string[], env: NodeJS.ProcessEnv) => spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });

describe('TSZFS_LOG', () => {
  it('appends one line per invocation, failures and usage errors included', () => {
    const sb = new Sandbox();
    const log = path.join(sb.home, 'calls.jsonl');
    const run = (args: string[]) => tszfs(args, { ...sb.env(), TSZFS_LOG: log });
    try {
      run(['pool', 'create', '--size', '128M', 'tank']);
      run(['create', 'tank/a']);
      run(['list', '-o', 'name', 'tank/a']);
      run(['destroy', 'tank/nope']);
      run(['list', '-Q']);
      run(['--version']);
      run(['pool', 'destroy', 'tank']);
      const lines = fs.readFileSync(log, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      const entries = lines.map((l) => JSON.parse(l));
      expect(entries.map((e) => [e.argv.join(' '), e.exit, e.pool])).toEqual([
        ['pool create --size 128M tank', 0, 'tank'],
        ['create tank/a', 0, 'tank'],
        ['list -o name tank/a', 0, 'tank'],
        ['destroy tank/nope', 1, 'tank'],
        ['list -Q', 2, null],
        ['--version', 0, null],
        ['pool destroy tank', 0, 'tank'],
      ]);
      for (const e of entries) {
        expect(Object.keys(e)).toEqual(['time', 'argv', 'exit', 'durationMs', 'pool']);
        expect(e.durationMs).toBeGreaterThan(0);
        expect(new Date(e.time).toISOString()).toBe(e.time);
      }
    } finally {
      sb.cleanup();
    }
  });

  it('a log that cannot be written changes nothing for the command', () => {
    const sb = new Sandbox();
    try {
      const r = tszfs(['--version'], { ...sb.env(), TSZFS_LOG: path.join(sb.home, 'no/such/dir/log') });
      expect([r.status, r.stdout, r.stderr]).toEqual([0, 'tszfs 0.1.0\n', '']);
    } finally {
      sb.cleanup();
    }
  });
});
