/**
 * Runs the built CLI in a fresh TSZFS_HOME with a pinned clock, and compares whole transcripts
 * with golden files byte for byte.
 *
 * Commands run in-process by default: the built CLI's `runLoaded` (src/cli/main.ts), loaded as
 * bin/tszfs.js loads it, takes the binary's path from routing to exit status, with the sandbox's
 * env and in-memory standard streams (stdin is read as a pipe would be). `new Sandbox({ spawn: true })`, or TSZFS_TEST_SPAWN=1 for every
 * sandbox, runs the real binary as a child process instead: tests of what only a process has
 * (signals, pipes between processes, terminals, start-up) use it.
 *
 * A transcript lists each command as `$ tszfs ARGS`, then its standard output, then `[stderr]`
 * and its standard error when there is any, then `[exit N]` when N is not 0.
 * `UPDATE_GOLDEN=1 npm test` rewrites the golden files (never under CI).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';

type Cli = typeof import('../../dist/cli/main.js');

/** The built CLI as bin/tszfs.js loads it: the bundle (one file, required natively, no per-module
 *  loading in each test file), or the per-module build when the bundle was not built from it. */
async function loadCli(): Promise<Cli> {
  const dist = path.join(import.meta.dirname, '../../dist');
  const bundle = path.join(dist, 'tszfs.cjs');
  try {
    // bin/tszfs.js's test: the bundle's build stamp is the one at the end of the modules' main.js
    const stamp = /^\/\* tszfs-build ([0-9a-f]+) \*\//.exec(fs.readFileSync(bundle, 'utf8'))?.[1];
    if (stamp && fs.readFileSync(path.join(dist, 'cli/main.js'), 'utf8').endsWith(`\n// tszfs-build ${stamp}\n`)) return createRequire(import.meta.url)(bundle) as Cli;
  } catch {
    // no bundle: the modules
  }
  return import('../../dist/cli/main.js');
}

/** The CLI's in-process entry (src/cli/main.ts `run`), loaded once per test file. */
export const { run, runLoaded, preloadCommands } = await loadCli();

await preloadCommands();

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'bin/tszfs.js');
export const NOW = '1736240700';
/** What each filesystem and volume is charged for its metadata when it is created (README, how
 *  space is counted): 96K at ashift 12, 24K at ashift 9. */
export const META = 96 * 1024;
export const META_ASHIFT9 = 24 * 1024;

/** Deterministic incompressible bytes (a linear congruential generator's high bytes). */
export function pattern(size: number, seed: number): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

/** Deterministic bytes that do not compress (xorshift32), for data that must take whole records. */
export function seededBytes(size: number, seed: number): Buffer {
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

/**
 * Where sandboxes go: under TMPDIR (test/setup.ts), with a prefix as long as `/tmp/tszfs-test-`
 * whatever TMPDIR is (up to 10 characters), so that path lengths, and so column widths in golden
 * files, are the same everywhere.
 */
function sandboxPrefix(): string {
  const base = os.tmpdir();
  const name = 'tszfs-test-';
  return path.join(base, name.slice(0, Math.max(5, '/tmp/tszfs-test-'.length - base.length - 1)));
}

export interface Result {
  stdout: string;
  stderr: string;
  status: number;
}

/** Sparse device files in the sandbox, as `truncate -s` makes them: PREFIX0, PREFIX1, ... */
export function sparseDevices(sb: Sandbox, n: number, size = 64 * 1024 * 1024, prefix = 'd'): string[] {
  return Array.from({ length: n }, (_, i) => {
    const p = path.join(sb.home, `${prefix}${i}`);
    fs.writeFileSync(p, '');
    fs.truncateSync(p, size);
    return p;
  });
}

export class Sandbox {
  readonly home: string;
  /** run the binary as a child process rather than in-process */
  readonly spawn: boolean;

  constructor(opts: { spawn?: boolean } = {}) {
    this.home = fs.mkdtempSync(sandboxPrefix());
    this.spawn = opts.spawn ?? Boolean(process.env.TSZFS_TEST_SPAWN);
  }

  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return { ...process.env, TSZFS_HOME: this.home, TSZFS_NOW: NOW, TZ: 'UTC', NO_COLOR: '1', XDG_RUNTIME_DIR: '', ...extra };
  }

  /** Run `tszfs ARGS` (input on stdin when given) and return what it printed. */
  run(args: string[], input?: string | Buffer, bin = BIN): Result {
    const r = this.exec(args, input, bin);
    return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), status: r.status };
  }

  /** Run `tszfs ARGS`: output as bytes. */
  exec(args: string[], input?: string | Buffer, bin = BIN): { stdout: Buffer; stderr: Buffer; status: number } {
    if (this.spawn || bin !== BIN) {
      const r = spawnSync(process.execPath, [bin, ...args], { env: this.env(), input, maxBuffer: 1 << 30 });
      return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Copies: a command may reuse a buffer once written.
    const status = runLoaded([process.execPath, BIN, ...args], {
      stdin: input,
      stdout: { write: (b: Buffer) => out.push(Buffer.from(b)) },
      stderr: { write: (b: Buffer) => err.push(Buffer.from(b)) },
      env: this.env(),
    });
    return { stdout: Buffer.concat(out), stderr: Buffer.concat(err), status };
  }

  /** Run and expect success; returns stdout as bytes. */
  bytesOf(args: string[], input?: string | Buffer): Buffer {
    const r = this.exec(args, input);
    if (r.status !== 0) throw new Error(`tszfs ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /** Run and expect success; returns stdout. */
  ok(args: string[], input?: string | Buffer): string {
    const r = this.run(args, input);
    if (r.status !== 0) throw new Error(`tszfs ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /** A space property in bytes (`get -Hp -o value`). */
  bytes(prop: string, dataset: string): number {
    return Number(this.ok(['get', '-Hp', '-o', 'value', prop, dataset]).trim());
  }

  file(name: string, data: string | Buffer): string {
    const p = path.join(this.home, name);
    fs.writeFileSync(p, data);
    return p;
  }

  cleanup(): void {
    fs.rmSync(this.home, { recursive: true, force: true });
  }
}

export type Step = string[] | { args: string[]; input: string | Buffer };

/** Run `steps` in a sandbox (a fresh one unless given) and build the transcript; the sandbox is
 *  removed afterwards unless `keep`. */
export function transcript(steps: Step[], sandbox = new Sandbox(), keep = false): string {
  let text = '';
  try {
    for (const step of steps) {
      const { args, input } = Array.isArray(step) ? { args: step, input: undefined } : step;
      const r = sandbox.run(args, input);
      text += `$ tszfs ${args.map(quote).join(' ')}\n${r.stdout}`;
      if (r.stderr) text += `[stderr]\n${r.stderr}`;
      if (r.status !== 0) text += `[exit ${r.status}]\n`;
    }
  } finally {
    if (!keep) sandbox.cleanup();
  }
  return text.split(sandbox.home).join('$TSZFS_HOME');
}

const quote = (a: string) => (/^[\w@%:/.,=+-]+$/.test(a) ? a : `'${a}'`);

/** Compare `actual` with test/cli/golden/NAME.txt byte for byte. */
export function expectGolden(name: string, actual: string): void {
  const file = path.join(ROOT, 'test/cli/golden', `${name}.txt`);
  if (process.env.UPDATE_GOLDEN && !process.env.CI) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
  }
  expect(fs.existsSync(file), `golden file ${file} is missing`).toBe(true);
  expect(actual).toBe(fs.readFileSync(file, 'utf8'));
}

/**
 * The steps of a worked example, each building on the state the one before left, as one test:
 * it makes its own pool (`setup`), runs every step in order and names the step that failed, so
 * no test depends on another having run first (`vitest --sequence.shuffle`).
 */
export function storySteps(title = 'every step, in order, on a pool of its own') {
  let setup = () => {};
  let teardown = () => {};
  const steps: Array<[string, () => void]> = [];
  it(title, () => {
    setup();
    try {
      for (const [name, fn] of steps) {
        try {
          fn();
        } catch (err) {
          if (err instanceof Error) err.message = `step '${name}': ${err.message}`;
          throw err;
        }
      }
    } finally {
      teardown();
    }
  }, 300_000);
  return {
    setup: (fn: () => void) => void (setup = fn),
    teardown: (fn: () => void) => void (teardown = fn),
    step: (name: string, fn: () => void) => void steps.push([name, fn]),
  };
}
