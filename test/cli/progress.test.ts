/**
 * Progress bars are for a person at a terminal: on a pseudo-terminal (util-linux `script`) a
 * long `write` and a `cat` into a file draw one on standard error and erase it; through pipes
 * nothing but the command's own output appears, and NO_COLOR keeps the bar plain.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, Sandbox } from './harness.js';

const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
const ESC = '\x1b';

/** Runs a shell command line on a pseudo-terminal; returns everything the terminal received. */
function onTerminal(sb: Sandbox, commandLine: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync('script', ['-qfec', commandLine, '/dev/null'], {
    env: { ...sb.env(), TSZFS_PROGRESS_DELAY_MS: '0', ...env },
    encoding: 'latin1',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe.skipIf(!hasScript)('progress on standard error', () => {
  // Each test has its own pool, with /big written where it reads it.
  let sb: Sandbox;
  let source: string;
  const node = `'${process.execPath}' '${BIN}'`;

  beforeEach(() => {
    sb = new Sandbox();
    source = path.join(sb.home, 'source.bin');
    fs.writeFileSync(source, Buffer.alloc(4 << 20, 7));
    sb.ok(['pool', 'create', '--size', '128M', 'tank']);
    sb.ok(['create', 'tank/fs']);
  });
  afterEach(() => sb.cleanup());

  it('a write on a terminal draws a bar, in colour, and erases it', () => {
    const seen = onTerminal(sb, `${node} write tank/fs /big '${source}'`, { NO_COLOR: '' });
    expect(seen).toMatch(/^\rwriting \/big {2}\d+(\.\d+)?[KM] \/ 4M {2}\[/);
    expect(seen).toContain(`${ESC}[32m#`);
    expect(seen.endsWith(`\r${ESC}[K`)).toBe(true);
  });

  it('NO_COLOR keeps the bar but drops the colour', () => {
    const seen = onTerminal(sb, `${node} write tank/fs /big '${source}'`, { NO_COLOR: '1' });
    expect(seen).toContain('writing /big');
    expect(seen).not.toContain(`${ESC}[32m`);
  });

  it('cat into a file shows progress; cat onto the terminal shows only the contents', () => {
    const out = path.join(sb.home, 'out.bin');
    sb.ok(['write', 'tank/fs', '/big', source]);
    const toFile = onTerminal(sb, `${node} cat tank/fs /big > '${out}'`);
    expect(toFile).toContain('reading /big');
    expect(fs.readFileSync(out).equals(fs.readFileSync(source))).toBe(true);
    sb.ok(['write', 'tank/fs', '/small'], 'hello\n');
    expect(onTerminal(sb, `${node} cat tank/fs /small`)).toBe('hello\r\n');
  });

  it('through pipes: nothing on standard error', () => {
    const env = { ...sb.env(), TSZFS_PROGRESS_DELAY_MS: '0' };
    const w = spawnSync(process.execPath, [BIN, 'write', 'tank/fs', '/big', source], { env, encoding: 'utf8' });
    expect([w.status, w.stdout, w.stderr]).toEqual([0, '', '']);
    const c = spawnSync(process.execPath, [BIN, 'cat', 'tank/fs', '/big'], { env, maxBuffer: 1 << 26 });
    expect([c.status, c.stdout.length, c.stderr.toString()]).toEqual([0, 4 << 20, '']);
  });
});

describe.skipIf(!hasScript)('progress of image load, save and commit', () => {
  const node = `'${process.execPath}' '${BIN}'`;

  it('on a terminal: a bar per layer, erased; through pipes: only what the commands print', async () => {
    const { ociImage, asTar } = await import('./images-support.js');
    const { THREE } = await import('./images-fixture.js');
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      const archive = sb.file('demo.tar', await asTar(await ociImage(THREE)));
      const loaded = onTerminal(sb, `${node} image load -i '${archive}' >/dev/null`);
      expect(loaded).toMatch(/^\rloading layer 1\/3 {2}\d/);
      expect(loaded).toContain('\rloading layer 3/3  ');
      expect(loaded.endsWith(`\r${ESC}[K`)).toBe(true);
      const saved = onTerminal(sb, `${node} image save -o '${path.join(sb.home, 'out.tar')}' demo:1.0`);
      expect(saved).toMatch(/^\rsaving layer 1\/3 {2}\d/);
      expect(saved.endsWith(`\r${ESC}[K`)).toBe(true);
      sb.ok(['container', 'create', 'demo:1.0', 'web']);
      sb.ok(['write', 'tank/web', '/etc/motd'], 'changed\n');
      const committed = onTerminal(sb, `${node} container commit web demo:2 >/dev/null`);
      expect(committed).toMatch(/^\rcommitting: reading changes {2}\d/);
      expect(committed).toContain('\rcommitting layer 4/4  ');
      // A terminal on standard output but none on standard error: no bar.
      expect(onTerminal(sb, `${node} image rm demo:2 2>/dev/null`)).toMatch(/^Untagged: demo:2\r\n/);
      const env = { ...sb.env(), TSZFS_PROGRESS_DELAY_MS: '0' };
      const piped = spawnSync(process.execPath, [BIN, 'image', 'save', 'demo:1.0'], { env, maxBuffer: 1 << 26 });
      expect([piped.status, piped.stderr.toString()]).toEqual([0, '']);
      expect(piped.stdout.equals(fs.readFileSync(path.join(sb.home, 'out.tar')))).toBe(true);
      // Saving onto the terminal itself is refused, as docker save refuses it.
      const r = spawnSync('script', ['-qfec', `${node} image save demo:1.0`, '/dev/null'], { env, encoding: 'latin1' });
      expect(r.stdout).toBe('cannot save image: cowardly refusing to save to a terminal. Use the -o flag or redirect\r\n');
      expect(r.status).toBe(1);
    } finally {
      sb.cleanup();
    }
  });
});
