/**
 * `tszfs tree` and `tszfs blocks` (issue 17 item 7): the genealogy of datasets, snapshots and
 * clones, and a file's records across its snapshot and clone chain, as text (golden, no colour),
 * as SVG (golden), and in colour only on a terminal without NO_COLOR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGolden, ROOT, runLoaded, Sandbox, transcript, type Step } from './harness.js';

const BIN = path.join(ROOT, 'bin/tszfs.js');

/** The container layers of demo/container-layers.sh, smaller, plus a sparse file and a dataset
 *  of 4K records (more records than one table holds). */
const LAYERS: Step[] = [
  ['pool', 'create', '--size', '256M', '-O', 'compression=off', 'tank'],
  ['create', 'tank/base'],
  { args: ['write', '-p', 'tank/base', '/etc/os-release'], input: 'NAME=demo-os\n' },
  { args: ['write', '-p', 'tank/base', '/usr/lib/libapp.so'], input: Buffer.alloc(4 * 131072, 'libapp v1.0 ') },
  { args: ['write', '-p', 'tank/base', '/var/cache/pkg.db'], input: Buffer.alloc(131072 + 10, 'pkg ') },
  ['snapshot', 'tank/base@v1'],
  ['clone', 'tank/base@v1', 'tank/app'],
  { args: ['write', '--offset', '256K', 'tank/app', '/usr/lib/libapp.so'], input: Buffer.alloc(4096, 'libapp v1.1 ') },
  ['rm', 'tank/app', '/var/cache/pkg.db'],
  ['snapshot', 'tank/app@v2'],
  ['clone', 'tank/app@v2', 'tank/ctr'],
  { args: ['write', '-p', 'tank/ctr', '/var/log/app.log'], input: 'started\n' },
  { args: ['write', '--offset', '384K', 'tank/ctr', '/usr/lib/libapp.so'], input: Buffer.alloc(131072, 'ctr ') },
  { args: ['write', '-p', '--offset', '256K', 'tank/base', '/srv/sparse'], input: Buffer.alloc(131072, 'tail ') },
  ['create', '-o', 'recordsize=4K', 'tank/small'],
  { args: ['write', 'tank/small', '/rows'], input: Buffer.alloc(20 * 4096, 'row ') },
  ['snapshot', 'tank/small@a'],
  { args: ['write', '--offset', '68K', 'tank/small', '/rows'], input: Buffer.alloc(100, 'new ') },
];

describe('tree', () => {
  it('draws datasets, snapshots and clones below their origins, with used and refer', () => {
    expectGolden(
      'pictures/tree',
      transcript([
        ...LAYERS,
        ['tree'],
        ['tree', '-p', 'tank/app'],
        ['tree', 'tank/base'],
        ['promote', 'tank/app'],
        ['tree'],
        ['create', '-V', '8M', 'tank/vol'],
        ['snapshot', 'tank/vol@s'],
        ['tree', 'tank/vol'],
        ['tree', 'tank/nope'],
        ['tree', 'nopool/x'],
        ['tree', 'tank/base@v1'],
        ['tree', 'tank/base', 'tank/app'],
        ['tree', '-x'],
      ]),
    );
  });

  it('draws nothing for no pools', () => {
    const sb = new Sandbox();
    try {
      expect(sb.run(['tree'])).toEqual({ stdout: '', stderr: '', status: 0 });
    } finally {
      sb.cleanup();
    }
  });
});

describe('blocks', () => {
  it('marks each record new in its layer or shared with the layer it descends from', () => {
    expectGolden(
      'pictures/blocks',
      transcript([
        ...LAYERS,
        ['blocks', 'tank/ctr', '/usr/lib/libapp.so'],
        ['blocks', '-c', 'tank/base', '/usr/lib/libapp.so'],
        ['blocks', 'tank/app@v2', '/usr/lib/libapp.so'],
        ['blocks', '-c', 'tank/base', '/var/cache/pkg.db'],
        ['blocks', 'tank/ctr', '/var/log/app.log'],
        ['blocks', 'tank/base', '/srv/sparse'],
        ['blocks', 'tank/small', '/rows'],
        ['blocks', 'tank/base', '/etc'],
        ['blocks', 'tank/base', '/etc/os-release/'],
        ['blocks', 'tank/base@nope', '/etc/os-release'],
        ['create', '-V', '8M', 'tank/vol'],
        ['blocks', 'tank/vol', '/x'],
        ['blocks', 'tank/base', '/nope'],
        ['blocks', 'tank/nope', '/x'],
        ['blocks', 'tank/base'],
        ['blocks'],
        ['blocks', 'tank/base', '/a', '/b'],
      ]),
    );
  });
});

describe('pictures as SVG and in colour', () => {
  let sb: Sandbox;
  beforeAll(() => {
    sb = new Sandbox();
    for (const step of LAYERS) {
      if (Array.isArray(step)) sb.ok(step);
      else sb.ok(step.args, step.input);
    }
  });
  afterAll(() => sb.cleanup());

  /** Compare with test/cli/golden/pictures/NAME byte for byte (UPDATE_GOLDEN=1 rewrites it). */
  function expectGoldenSvg(name: string, actual: string): void {
    const file = path.join(ROOT, 'test/cli/golden/pictures', name);
    if (process.env.UPDATE_GOLDEN && !process.env.CI) fs.writeFileSync(file, actual);
    expect(actual).toBe(fs.readFileSync(file, 'utf8'));
    expect(actual).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^]*<\/svg>\n$/);
  }

  it('--svg FILE writes the picture and prints nothing; --svg - prints it', () => {
    const file = path.join(sb.home, 'blocks.svg');
    expect(sb.run(['blocks', '-c', '--svg', file, 'tank/base', '/usr/lib/libapp.so'])).toEqual({ stdout: '', stderr: '', status: 0 });
    expectGoldenSvg('blocks.svg', fs.readFileSync(file, 'utf8'));
    expectGoldenSvg('tree.svg', sb.ok(['tree', '--svg', '-']));
  });

  it('--svg into a folder that does not exist fails as OpenZFS words it', () => {
    const r = sb.run(['tree', '--svg', '/nonexistent/dir/t.svg']);
    expect(r).toEqual({ stdout: '', stderr: "cannot write '/nonexistent/dir/t.svg': no such file or directory\n", status: 1 });
  });

  /** Run in-process with standard output a terminal (or not) and the given environment. */
  function runOn(tty: boolean, env: NodeJS.ProcessEnv, args: string[]): string {
    const out: Buffer[] = [];
    const status = runLoaded([process.execPath, BIN, ...args], {
      stdout: { write: (b: Buffer) => out.push(Buffer.from(b)), isTTY: tty },
      stderr: { write: () => undefined },
      env: { ...sb.env(), ...env },
    });
    expect(status).toBe(0);
    return Buffer.concat(out).toString();
  }

  it('colour only on a terminal, never with NO_COLOR', () => {
    const ESC = '\u001b[';
    for (const args of [['tree'], ['blocks', '-c', 'tank/base', '/usr/lib/libapp.so']]) {
      const plain = sb.ok(args);
      const coloured = runOn(true, { NO_COLOR: undefined, TERM: 'xterm' }, args);
      expect(coloured).toContain(ESC);
      // The same picture once the colour is taken out: cli-table3 measures cells without it.
      expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(plain);
      expect(runOn(true, { NO_COLOR: '1', TERM: 'xterm' }, args)).toBe(plain);
      expect(runOn(false, { NO_COLOR: undefined, TERM: 'xterm' }, args)).toBe(plain);
    }
  });
});
