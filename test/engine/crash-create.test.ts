/**
 * `pool create` is atomic at the edges (issue 12 item 4): killed at any instant it leaves either
 * no pool or a working one, and a retried create works; several creates of different names at
 * once all register (the home's registry is changed under a lock).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { Home } from '../../src/lib/home.js';
import { BIN, ROOT, Sandbox } from '../cli/harness.js';
import { random, runToDie } from './crash-support.js';

const SOAK = process.env.TSZFS_SOAK === '1';
const TIMED_TRIALS = SOAK ? 100 : 8;
const STEPS = ['image-sync', 'commit', 'committed', 'create-built', 'create-registered'];
const CREATE = ['pool', 'create', '--size', '64M', 'tank'];

/** The pool works: a file written to its root dataset reads back. */
function works(sb: Sandbox, label: string): void {
  sb.ok(['write', 'tank', '/f'], 'hello\n');
  expect(sb.ok(['cat', 'tank', '/f']), label).toBe('hello\n');
}

const registered = (sb: Sandbox) => sb.ok(['pool', 'list', '-H', '-o', 'name']).split('\n').filter(Boolean);

describe('pool create under kill -9', () => {
  it('leaves no pool or a working one, and a retry works', async () => {
    const sb = new Sandbox();
    try {
      const full = await runToDie(sb, CREATE, undefined, {});
      expect(full.code).toBe(0);
      sb.ok(['pool', 'destroy', 'tank']);
      const rand = random(4242);
      const trials: Array<{ crashAt?: string; delayMs?: number }> = [
        ...STEPS.map((crashAt) => ({ crashAt })),
        ...Array.from({ length: TIMED_TRIALS }, () => ({ delayMs: Math.floor(full.ms * (0.1 + 1.0 * rand())) })),
      ];
      let killed = 0;
      for (const trial of trials) {
        const outcome = await runToDie(sb, CREATE, undefined, trial);
        const label = `${JSON.stringify(trial)} -> ${JSON.stringify(outcome)}`;
        if (outcome.killed) killed++;
        const pools = registered(sb);
        if (pools.length === 0) {
          expect(outcome.code, label).not.toBe(0);
          // No pool: the retry works.
          const retry = sb.run(CREATE);
          expect(retry, label).toEqual({ stdout: '', stderr: '', status: 0 });
        } else expect(pools, label).toEqual(['tank']);
        works(sb, label);
        sb.ok(['pool', 'destroy', 'tank']);
        // Nothing is left behind once the pool is gone.
        expect(fs.readdirSync(sb.home).filter((f) => f !== 'pools.json'), label).toEqual([]);
      }
      expect(killed).toBeGreaterThan(STEPS.length);
    } finally {
      sb.cleanup();
    }
  }, 300_000);
});

describe('pool create on a file the user gave, killed', () => {
  it('before registering: no pool, none to import, and a retry without -f works', async () => {
    const sb = new Sandbox();
    try {
      const image = path.join(sb.home, 'disk.img');
      fs.writeFileSync(image, '');
      fs.truncateSync(image, 64 << 20);
      for (const crashAt of ['commit', 'create-built']) {
        const outcome = await runToDie(sb, ['pool', 'create', 'tank', image], undefined, { crashAt });
        expect(outcome.killed, crashAt).toBe(true);
        expect(registered(sb), crashAt).toEqual([]);
        expect(sb.run(['pool', 'import', '-d', sb.home]), crashAt).toEqual({ stdout: '', stderr: 'no pools available to import\n', status: 0 });
      }
      expect(sb.run(['pool', 'create', 'tank', image])).toEqual({ stdout: '', stderr: '', status: 0 });
      works(sb, 'after the retry');
      expect(fs.readdirSync(sb.home).sort()).toEqual(['disk.img', 'disk.img.lmdb', 'disk.img.lmdb-lock', 'pools.json']);
    } finally {
      sb.cleanup();
    }
  }, 60_000);
});

describe('pool create in parallel', () => {
  it('several creates of different names at once all register', async () => {
    const sb = new Sandbox();
    try {
      const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
      const codes = await Promise.all(
        names.map(
          (name) =>
            new Promise<number | null>((resolve) => {
              const child = spawn(process.execPath, [BIN, 'pool', 'create', '--size', '64M', name], { env: sb.env(), stdio: 'ignore' });
              child.on('exit', (code) => resolve(code));
            }),
        ),
      );
      expect(codes).toEqual(names.map(() => 0));
      expect(registered(sb)).toEqual(names);
      for (const name of names) sb.ok(['create', `${name}/a`]);
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('creates retried at once over a killed create: one clears and builds, the others are refused', async () => {
    const sb = new Sandbox();
    try {
      const create = () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [BIN, ...CREATE], { env: sb.env(), stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          child.stderr.on('data', (d) => (stderr += d));
          child.on('exit', (code) => resolve({ code, stderr }));
        });
      for (let round = 0; round < 3; round++) {
        // A create killed once its pool was built, before it registered it.
        expect((await runToDie(sb, CREATE, undefined, { crashAt: 'create-built' })).killed).toBe(true);
        const results = await Promise.all([1, 2, 3, 4].map(create));
        const won = results.filter((r) => r.code === 0);
        expect(won.length, JSON.stringify(results)).toBe(1);
        for (const r of results.filter((r) => r.code !== 0)) expect(r.stderr).toMatch(/^cannot create 'tank': pool already exists\n/);
        works(sb, `round ${round}`);
        sb.ok(['pool', 'destroy', 'tank']);
        expect(fs.readdirSync(sb.home)).toEqual(['pools.json']);
      }
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('no registration is lost when processes change the registry at once', async () => {
    const sb = new Sandbox();
    try {
      // Each process registers (and forgets) many pools, to make the processes' changes overlap.
      const HOME = JSON.stringify(path.join(ROOT, 'dist/lib/home.js'));
      const script = (k: number) =>
        `import(${HOME}).then(({ Home }) => { const h = new Home(process.env.TSZFS_HOME);` +
        ` for (let i = 0; i < 60; i++) { h.add({ name: 'p${k}x' + i, image: '/i' }); h.add({ name: 'gone${k}', image: '/i' }); h.remove('gone${k}'); } })`;
      const procs = [1, 2, 3, 4].map(
        (k) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, ['-e', script(k)], { env: sb.env(), stdio: 'inherit' });
            child.on('exit', (code) => resolve(code));
          }),
      );
      expect(await Promise.all(procs)).toEqual([0, 0, 0, 0]);
      const want = [1, 2, 3, 4].flatMap((k) => Array.from({ length: 60 }, (_, i) => `p${k}x${i}`)).sort();
      expect(new Home(sb.home).pools().map((p) => p.name)).toEqual(want);
      expect(fs.readdirSync(sb.home).sort()).toEqual(['pools.json']);
    } finally {
      sb.cleanup();
    }
  }, 120_000);

  it('a registry lock left by a killed process is broken, not waited on', () => {
    const sb = new Sandbox();
    try {
      fs.writeFileSync(path.join(sb.home, 'pools.json.lock'), '999999999 dead\n');
      const start = Date.now();
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      expect(Date.now() - start).toBeLessThan(5000);
      expect(registered(sb)).toEqual(['tank']);
      expect(fs.existsSync(path.join(sb.home, 'pools.json.lock'))).toBe(false);
    } finally {
      sb.cleanup();
    }
  });
});

describe('pool create of several devices, killed', () => {
  it('leaves no pool or a working one, and a retry without -f works', async () => {
    const sb = new Sandbox();
    try {
      const devices = ['d0', 'd1', 'd2'].map((f) => path.join(sb.home, f));
      for (const d of devices.slice(0, 2)) {
        fs.writeFileSync(d, '');
        fs.truncateSync(d, 64 << 20);
      }
      // d2 is made by the create (--size): it goes with a create that did not finish.
      const create = ['pool', 'create', '--size', '64M', 'tank', 'mirror', ...devices];
      const full = await runToDie(sb, create, undefined, {});
      expect(full.code).toBe(0);
      sb.ok(['pool', 'destroy', 'tank']);
      const rand = random(777);
      const trials: Array<{ crashAt?: string; delayMs?: number }> = [
        ...STEPS.map((crashAt) => ({ crashAt })),
        ...Array.from({ length: TIMED_TRIALS / 2 }, () => ({ delayMs: Math.floor(full.ms * (0.1 + 1.0 * rand())) })),
      ];
      for (const trial of trials) {
        fs.rmSync(devices[2], { force: true });
        const outcome = await runToDie(sb, create, undefined, trial);
        const label = `${JSON.stringify(trial)} -> ${JSON.stringify(outcome)}`;
        if (registered(sb).length === 0) {
          expect(outcome.code, label).not.toBe(0);
          expect(sb.run(['pool', 'import', '-d', sb.home]), label).toEqual({ stdout: '', stderr: 'no pools available to import\n', status: 0 });
          expect(sb.run(create), label).toEqual({ stdout: '', stderr: '', status: 0 });
        } else expect(registered(sb), label).toEqual(['tank']);
        works(sb, label);
        expect(sb.ok(['pool', 'status', '-x', 'tank']), label).toBe("pool 'tank' is healthy\n");
        sb.ok(['pool', 'destroy', 'tank']);
        // Nothing but the devices is left once the pool is gone (destroy keeps device files).
        expect(fs.readdirSync(sb.home).filter((f) => f !== 'pools.json').sort(), label).toEqual(['d0', 'd1', 'd2']);
      }
    } finally {
      sb.cleanup();
    }
  }, 300_000);
});
