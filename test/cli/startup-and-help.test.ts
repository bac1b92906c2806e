/**
 * What a person meets first: --version, help and usage text (golden), and shell completion: the
 * scripts `tszfs completion bash|zsh` prints are the committed completion/ files, and the bash
 * one, run for real, completes commands, options, properties and live dataset names.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, expectGolden, ROOT, Sandbox, transcript } from './harness.js';

describe('start-up and help', () => {
  // The real binary: what a person meets first includes its start-up.
  it('--version, help, usage errors and the completion command', () => {
    expectGolden(
      'startup-and-help',
      transcript([
        ['--version'],
        ['-V'],
        [],
        ['--help'],
        ['pool', 'help'],
        ['frobnicate'],
        ['completion'],
        ['completion', 'tcsh'],
        ['completion', 'bash', 'zsh'],
        ['completion', '-x'],
      ], new Sandbox({ spawn: true })),
    );
  });
});

/** A folder holding `tszfs`, the built binary, as an installed package would put it on PATH. */
function tszfsOnPath(sb: Sandbox): string {
  const binDir = path.join(sb.home, 'bin');
  fs.mkdirSync(binDir, { recursive: true });
  fs.writeFileSync(path.join(binDir, 'tszfs'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
  return binDir;
}

const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;

describe.skipIf(!hasZsh)('zsh completion', () => {
  it('offers commands, options and live names through compadd', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['snapshot', 'tank@first']);
      const script = path.join(sb.home, '_tszfs');
      fs.writeFileSync(script, sb.ok(['completion', 'zsh']));
      // Outside a completion widget: compadd and compdef stand in, words/CURRENT are set by hand.
      const r = spawnSync(
        'zsh',
        [
          '-c',
          `compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; print -r -- "\${(j: :)argv}"; }
source '${script}'
t() { words=("$@"); CURRENT=$#; _tszfs; }
t tszfs pool ''
t tszfs rollback ''
t tszfs snapshot -`,
        ],
        { env: { ...sb.env(), PATH: `${tszfsOnPath(sb)}:${process.env.PATH}` }, encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      const [poolCommands, snapshots, options] = r.stdout.split('\n');
      expect(poolCommands.split(' ')).toEqual(expect.arrayContaining(['create', 'destroy', 'list', 'status']));
      expect([snapshots, options]).toEqual(['tank@first', '-o -r']);
    } finally {
      sb.cleanup();
    }
  });
});

const hasFish = spawnSync('fish', ['-c', 'true']).status === 0;

describe.skipIf(!hasFish)('fish completion', () => {
  it('completes commands, options and live names, as fish itself completes a line (complete -C)', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/apps']);
      sb.ok(['snapshot', 'tank/apps@monday']);
      sb.ok(['snapshot', 'tank/apps@tuesday']);
      const script = path.join(sb.home, 'tszfs.fish');
      fs.writeFileSync(script, sb.ok(['completion', 'fish']));
      const lines = ['tszfs pool s', 'tszfs rollback tank/apps@', 'tszfs hold keep tank/apps@t', 'tszfs list -o usedbys', 'tszfs snapshot -', 'tszfs send -i tank/', 'tszfs clone tank/apps@monday tank/', `tszfs --home ${sb.home} destroy tank/a`];
      const r = spawnSync('fish', ['--no-config', '-c', `source '${script}'\n${lines.map((l) => `echo '${l} ->' (complete -C '${l}' | sort)`).join('\n')}`], {
        env: { ...sb.env(), PATH: `${tszfsOnPath(sb)}:${process.env.PATH}` },
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.stdout.split(sb.home).join('$TSZFS_HOME')).toBe(
        [
          'tszfs pool s -> scrub set split status sync',
          'tszfs rollback tank/apps@ -> tank/apps@monday tank/apps@tuesday',
          'tszfs hold keep tank/apps@t -> tank/apps@tuesday',
          'tszfs list -o usedbys -> usedbysnapshots',
          'tszfs snapshot - -> -o -r',
          'tszfs send -i tank/ -> tank/apps@monday tank/apps@tuesday',
          'tszfs clone tank/apps@monday tank/ -> tank/apps',
          'tszfs --home $TSZFS_HOME destroy tank/a -> tank/apps tank/apps@monday tank/apps@tuesday',
          '',
        ].join('\n'),
      );
    } finally {
      sb.cleanup();
    }
  });
});

describe('the start-up bundle', () => {
  it('answers exactly as the per-module build does', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['write', '-p', 'tank', '/etc/motd'], 'hello\n');
      const steps = [['--version'], ['list', '-t', 'all'], ['get', 'all', 'tank'], ['cat', 'tank', '/etc/motd'], ['list', '-Q'], ['nope'], ['tree'], ['blocks', 'tank', '/etc/motd']];
      const both = steps.map((args) => {
        const run = (extra: NodeJS.ProcessEnv) => spawnSync(process.execPath, [BIN, ...args], { env: { ...sb.env(), ...extra }, encoding: 'utf8' });
        const bundled = run({});
        const modules = run({ TSZFS_NO_BUNDLE: '1' });
        return [[bundled.status, bundled.stdout, bundled.stderr], [modules.status, modules.stdout, modules.stderr]];
      });
      for (const [bundled, modules] of both) expect(bundled).toEqual(modules);
      expect(fs.existsSync(path.join(ROOT, 'dist/tszfs.cjs')), 'npm run build makes the bundle').toBe(true);
    } finally {
      sb.cleanup();
    }
  });
});

describe('--version alone', () => {
  it('is answered by bin/tszfs.js from package.json, as the CLI answers -V', async () => {
    const { VERSION } = await import('../../dist/cli/main.js');
    expect(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version).toBe(VERSION);
    const run = (arg: string) => spawnSync(process.execPath, [BIN, arg], { env: { ...process.env, TSZFS_LOG: '' }, encoding: 'utf8' });
    expect(run('--version')).toMatchObject({ status: 0, stdout: `tszfs ${VERSION}\n`, stderr: '' });
    expect(run('-V').stdout).toBe(`tszfs ${VERSION}\n`);
  });
});

describe('the build stamp', () => {
  // A copy of bin/ and dist/ whose bundle answers --version differently from the modules, to see
  // which of the two bin/tszfs.js runs.
  function copy(): { dir: string; version: () => string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-stamp-'));
    fs.cpSync(path.join(ROOT, 'bin'), path.join(dir, 'bin'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const bundle = path.join(dir, 'dist/tszfs.cjs');
    fs.writeFileSync(bundle, fs.readFileSync(bundle, 'utf8').replace(/`tszfs \$\{(VERSION\d*)\}(\n|\\n)`/, '`tszfs ${$1} (bundle)$2`'));
    fs.rmSync(`${bundle}.${process.version}-${process.arch}.cache`);
    // -V: `--version` alone is answered by bin/tszfs.js itself, from package.json
    const version = () => spawnSync(process.execPath, [path.join(dir, 'bin/tszfs.js'), '-V'], { encoding: 'utf8' }).stdout;
    return { dir, version };
  }

  it('runs the bundle whatever the file times (an unpacked package has them in any order)', () => {
    const { dir, version } = copy();
    try {
      const old = new Date('2020-01-01');
      fs.utimesSync(path.join(dir, 'dist/tszfs.cjs'), old, old);
      expect(version()).toBe('tszfs 0.1.0 (bundle)\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the modules when they were built again without the bundle (a bare tsc)', () => {
    const { dir, version } = copy();
    try {
      const main = path.join(dir, 'dist/cli/main.js');
      fs.writeFileSync(main, fs.readFileSync(main, 'utf8').replace(/\/\/ tszfs-build \w+\n$/, ''));
      const old = new Date('2020-01-01');
      fs.utimesSync(main, old, old);
      expect(version()).toBe('tszfs 0.1.0\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Compare with a committed completion script; UPDATE_GOLDEN=1 rewrites it, as for golden files. */
function expectScript(file: string, actual: string): void {
  const full = path.join(ROOT, 'completion', file);
  if (process.env.UPDATE_GOLDEN && !process.env.CI) fs.writeFileSync(full, actual);
  expect(actual).toBe(fs.readFileSync(full, 'utf8'));
}

describe('shell completion', () => {
  it('prints the committed scripts', () => {
    const sb = new Sandbox();
    try {
      expectScript('tszfs.bash', sb.ok(['completion', 'bash']));
      expectScript('_tszfs', sb.ok(['completion', 'zsh']));
      expectScript('tszfs.fish', sb.ok(['completion', 'fish']));
    } finally {
      sb.cleanup();
    }
  });

  it('bash completes commands, options, properties and names from the pool', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', 'tank/apps']);
      sb.ok(['create', 'tank/apps/web']);
      sb.ok(['create', 'tank/data']);
      sb.ok(['snapshot', 'tank/apps@monday']);
      sb.ok(['snapshot', 'tank/apps@tuesday']);
      const binDir = tszfsOnPath(sb);
      const cases: string[][] = [
        ['tszfs', 'sn'],
        ['tszfs', 'pool', 's'],
        ['tszfs', 'list', '-'],
        ['tszfs', 'list', '-o', 'usedbys'],
        ['tszfs', 'list', '-t', 'sn'],
        ['tszfs', 'list', '-o', 'name', 'tank/a'],
        ['tszfs', 'rollback', 'tank/apps@'],
        ['tszfs', 'clone', 'tank/apps@monday', 'tank/d'],
        ['tszfs', 'snapshot', 'tank/apps/'],
        ['tszfs', 'pool', 'status', 't'],
        ['tszfs', 'zpool', 'list', '-H', ''],
        ['tszfs', 'get', 'compressr'],
        ['tszfs', 'hold', 'keep', 'tank/apps@t'],
        ['tszfs', 'completion', ''],
        ['tszfs', '--home', sb.home, 'destroy', 'tank/apps/w'],
        ['tszfs', 'send', '-i', 'tank/apps@m'],
        ['tszfs', 'set', 'com.example:x=1', 'tank/apps@'],
        ['tszfs', 'tree', 'tank/a'],
        ['tszfs', 'blocks', '-c', 'tank/apps@t'],
        ['tszfs', 'tree', '--svg', `${sb.home}/tank.im`],
        ['tszfs', 'pool', 'get', 'size', 'tank', ''],
        ['tszfs', 'pool', 'set', 'comment=x', 'tank', 'r'],
      ];
      const calls = cases
        .map((words) => `t ${words.map((w) => `'${w}'`).join(' ')}`)
        .join('\n');
      const script = `
source <(tszfs completion bash)
# As readline calls it: the line and cursor, with bash's default COMP_WORDBREAKS (@, : and = in it).
COMP_WORDBREAKS=$' \\t\\n"\\'@><=;|&(:'
t() { COMP_LINE="$*"; COMP_POINT=\${#COMP_LINE}; _tszfs; echo "$* ->" $(printf '%s\\n' "\${COMPREPLY[@]}" | LC_ALL=C sort); }
${calls}
COMP_WORDBREAKS=$' \\t\\n'
t tszfs rollback tank/apps@
`;
      const r = spawnSync('bash', ['-c', script], { env: { ...sb.env(), PATH: `${binDir}:${process.env.PATH}` }, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.split(sb.home).join('$TSZFS_HOME')).toBe(
        [
          'tszfs sn -> snap snapshot',
          'tszfs pool s -> scrub set split status sync',
          'tszfs list - -> --json-int -H -S -d -j -o -p -r -s -t',
          'tszfs list -o usedbys -> usedbysnapshots',
          'tszfs list -t sn -> snapshot',
          'tszfs list -o name tank/a -> tank/apps tank/apps/web tank/apps@monday tank/apps@tuesday',
          // bash replaces the text after the last @: the reply is the rest of the name
          'tszfs rollback tank/apps@ -> monday tuesday',
          'tszfs clone tank/apps@monday tank/d -> tank/data',
          'tszfs snapshot tank/apps/ -> tank/apps/web',
          'tszfs pool status t -> tank',
          'tszfs zpool list -H  -> tank',
          'tszfs get compressr -> compressratio',
          'tszfs hold keep tank/apps@t -> tuesday',
          'tszfs completion  -> bash fish zsh',
          'tszfs --home $TSZFS_HOME destroy tank/apps/w -> tank/apps/web',
          'tszfs send -i tank/apps@m -> monday',
          'tszfs set com.example:x=1 tank/apps@ -> monday tuesday',
          'tszfs tree tank/a -> tank/apps tank/apps/web',
          'tszfs blocks -c tank/apps@t -> tuesday',
          'tszfs tree --svg $TSZFS_HOME/tank.im -> $TSZFS_HOME/tank.img $TSZFS_HOME/tank.img.lmdb $TSZFS_HOME/tank.img.lmdb-lock',
          // after the pool, its vdevs
          'tszfs pool get size tank  -> $TSZFS_HOME/tank.img all-vdevs root-0',
          'tszfs pool set comment=x tank r -> root-0',
          // where @ does not break words, the whole name
          'tszfs rollback tank/apps@ -> tank/apps@monday tank/apps@tuesday',
          '',
        ].join('\n'),
      );
    } finally {
      sb.cleanup();
    }
  });
});
