#!/usr/bin/env node
/**
 * `npm run bench:images` (issue 14): in one run,
 * - `tszfs image load` of a multi-layer OCI image made from real trees of this machine (GNU tar
 *   archives of /usr/lib/python3.11, perl, i18n and zoneinfo, /usr/lib/python3, and a layer of
 *   whiteouts; gzip) against `umoci unpack --rootless` of the same image directory (goal: at most
 *   1.5x umoci's time);
 * - `tszfs container create` on a 1-layer 10 MB image and on a 20-layer 1 GB image (goal: ratio at
 *   most 1.2). The 1 GB is zeros (50 MiB per layer), so that its gzip blobs are small and the pool
 *   holds it in little room: what container create does does not depend on what the layers hold;
 * - `tszfs container diff` after 10 changed files (4 rewritten, 3 removed, 3 new) in a 200-file and
 *   in a 20,000-file image (goal: ratio at most 1.5).
 * TSZFS_BENCH_ROWS=load,create,diff picks rows (default all); TSZFS_BENCH_KEEP=1 keeps the work
 * folder (its images, for profiling). Medians of TSZFS_BENCH_REPEAT runs (default 5; the load row 3), the two sides of a row run in
 * turn so that load drifting over minutes hits both alike. The load average is printed with the
 * table: on a shared machine the absolute times swing with it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtMs, fmtRatio, median, printTable, timed } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/tszfs.js');
const REPEAT = Number(process.env.TSZFS_BENCH_REPEAT) || 5;
const LOAD_REPEAT = Number(process.env.TSZFS_BENCH_LOAD_REPEAT) || 3;
const TREES = (process.env.TSZFS_BENCH_IMAGE_TREES ?? '/usr/lib/python3.11:/usr/share/perl,/usr/lib/x86_64-linux-gnu/perl:/usr/share/i18n,/usr/share/zoneinfo:/usr/lib/python3')
  .split(':')
  .map((l) => l.split(',').filter((d) => fs.existsSync(d)))
  .filter((l) => l.length > 0);

for (const tool of ['umoci', 'tar', 'gzip']) {
  if (spawnSync(tool, ['--version']).status !== 0) {
    console.error(`bench/images.js needs ${tool} (Debian: apt-get install ${tool})`);
    process.exit(1);
  }
}

const work = fs.mkdtempSync(path.join(process.env.TSZFS_BENCH_DIR ?? os.tmpdir(), 'tszfs-bench-images-'));
if (process.env.TSZFS_BENCH_KEEP) console.error(`keeping ${work}`);
else process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
/** TSZFS_BENCH_ROWS=load,create,diff (default: all) */
const ROWS = new Set((process.env.TSZFS_BENCH_ROWS ?? 'load,create,diff').split(','));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');
const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

/** An OCI image layout in `dir` (tag `bench`) of the given layer tars, gzip-compressed. */
function layout(dir, tars) {
  fs.mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b) => (fs.writeFileSync(path.join(dir, 'blobs/sha256', sha(b)), b), `sha256:${sha(b)}`);
  const layers = tars.map((t) => {
    const gz = execFileSync('gzip', ['-n', '-1', '-c'], { input: t, maxBuffer: 2 ** 31 });
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: put(gz), size: gz.length };
  });
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha(t)}`) }, history: [] }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length }, layers }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }),
  );
  return dir;
}

/** A GNU tar (POSIX format) of `paths` (absolute), members named as they are without the leading `/`. */
const tarOf = (paths) => execFileSync('tar', ['--format=posix', '-cf', '-', '-C', '/', ...paths.map((p) => p.replace(/^\//, ''))], { maxBuffer: 2 ** 31 });

/** A tar of a generated directory. */
function tarOfTree(make) {
  const dir = fs.mkdtempSync(path.join(work, 'tree-'));
  make(dir);
  const t = execFileSync('tar', ['--format=posix', '-cf', '-', '-C', dir, '.'], { maxBuffer: 2 ** 31 });
  fs.rmSync(dir, { recursive: true, force: true });
  return t;
}

/** A fresh home with one pool; `tszfs` runs there. */
function home(name, size) {
  const dir = path.join(work, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir);
  const env = { ...process.env, TSZFS_HOME: dir, NO_COLOR: '1' };
  const run = (...args) => timed(process.execPath, [BIN, ...args], { env });
  run('pool', 'create', '--size', size, 'tank');
  return { dir, env, run };
}

const rows = [];

// 1. image load against umoci unpack --rootless.
if (ROWS.has('load')) {
  console.error(`making the load image from ${TREES.map((l) => l.join(',')).join(' | ')} ...`);
  const tars = TREES.map(tarOf);
  // A last layer of whiteouts: a few of the first tree's files deleted.
  const first = TREES[0][0].replace(/^\//, '');
  const victims = execFileSync('tar', ['-tf', '-'], { input: tars[0], maxBuffer: 1 << 28 }).toString().split('\n').filter((n) => n && !n.endsWith('/')).slice(0, 200).filter((_, i) => i % 20 === 0);
  tars.push(tarOfTree((dir) => {
    for (const v of victims) {
      const at = path.join(dir, path.dirname(v));
      fs.mkdirSync(at, { recursive: true });
      fs.writeFileSync(path.join(at, `.wh.${path.basename(v)}`), '');
    }
    fs.mkdirSync(path.join(dir, first), { recursive: true });
    fs.writeFileSync(path.join(dir, first, 'added-by-the-last-layer'), 'new\n');
  }));
  const bytes = tars.reduce((n, t) => n + t.length, 0);
  const entries = tars.reduce((n, t) => n + execFileSync('tar', ['-tf', '-'], { input: t, maxBuffer: 1 << 28 }).toString().split('\n').filter(Boolean).length, 0);
  const img = layout(path.join(work, 'load-image'), tars);
  const loadTimes = [];
  const umociTimes = [];
  for (let i = 0; i < LOAD_REPEAT; i++) {
    const bundle = path.join(work, 'bundle');
    fs.rmSync(bundle, { recursive: true, force: true });
    umociTimes.push(timed('umoci', ['unpack', '--rootless', '--image', `${img}:bench`, bundle]));
    fs.rmSync(bundle, { recursive: true, force: true });
    const h = home('load', '2G');
    loadTimes.push(h.run('image', 'load', '-i', img, 'bench'));
  }
  const t = median(loadTimes);
  const u = median(umociTimes);
  rows.push([`image load of ${tars.length} layers, ${(bytes / 1e6).toFixed(0)} MB, ${entries} entries (gzip)`, fmtMs(t), `umoci unpack --rootless: ${fmtMs(u)}`, fmtRatio(t / u), '1.5x']);
  console.error(`load ${loadTimes.map(fmtMs).join(' ')}; umoci ${umociTimes.map(fmtMs).join(' ')}; load average ${loadavg()}`);
}

// 2. container create: 1 layer of 10 MB against 20 layers of 1 GB.
if (ROWS.has('create')) {
  console.error('making the 10 MB and 1 GB images ...');
  const small = layout(path.join(work, 'small-image'), [tarOfTree((d) => fs.writeFileSync(path.join(d, 'data'), crypto.randomBytes(10 << 20)))]);
  const zeros = Buffer.alloc(50 << 20);
  const big = layout(
    path.join(work, 'big-image'),
    Array.from({ length: 20 }, (_, i) => tarOfTree((d) => (fs.mkdirSync(path.join(d, `layer${i}`)), fs.writeFileSync(path.join(d, `layer${i}`, 'zeros'), zeros)))),
  );
  const h = home('create', '2G');
  h.run('image', 'load', '-i', small, 'small');
  console.error('loading the 1 GB image ...');
  const bigLoad = h.run('image', 'load', '-i', big, 'big');
  const times = { small: [], big: [] };
  for (let i = 0; i < REPEAT; i++) {
    for (const which of i % 2 ? ['big', 'small'] : ['small', 'big']) times[which].push(h.run('container', 'create', which, `${which}${i}`));
  }
  const s = median(times.small);
  const b = median(times.big);
  rows.push(['container create, 1 layer of 10 MB', fmtMs(s), '', '', '']);
  rows.push(['container create, 20 layers of 1 GB (zeros)', fmtMs(b), `1-layer 10 MB: ${fmtMs(s)}`, fmtRatio(b / s), '1.2x']);
  console.error(`(the 1 GB image loaded in ${fmtMs(bigLoad)}); load average ${loadavg()}`);
}

// 3. container diff after 10 changes in 200 files against 20,000.
if (ROWS.has('diff')) {
  console.error('making the 200-file and 20,000-file images ...');
  const tree = (dirs, perDir) => (d) => {
    for (let i = 0; i < dirs; i++) {
      fs.mkdirSync(path.join(d, `d${i}`));
      for (let f = 0; f < perDir; f++) fs.writeFileSync(path.join(d, `d${i}`, `f${f}`), `file ${i}/${f}\n`);
    }
  };
  const h = home('diff', '1G');
  const sizes = { 200: [1, 200], 20000: [100, 200] };
  for (const [n, [dirs, perDir]] of Object.entries(sizes)) {
    h.run('image', 'load', '-i', layout(path.join(work, `files-${n}`), [tarOfTree(tree(dirs, perDir))]), `files${n}`);
    h.run('container', 'create', `files${n}`, `c${n}`);
    // 10 changes spread over the tree: 4 rewritten, 3 removed, 3 new.
    const at = (k) => `/d${Math.floor((k * dirs) / 10)}/f${(k * 37) % perDir}`;
    const lines = [];
    for (let k = 0; k < 4; k++) lines.push(`touch tank/c${n} ${at(k)}`);
    for (let k = 4; k < 7; k++) lines.push(`rm tank/c${n} ${at(k)}`);
    for (let k = 7; k < 10; k++) lines.push(`touch tank/c${n} /d${k % dirs}/new${k}`);
    const script = path.join(h.dir, `script${n}`);
    fs.writeFileSync(script, lines.join('\n') + '\n');
    h.run('batch', '-f', script);
    const out = execFileSync(process.execPath, [BIN, 'container', 'diff', `c${n}`], { env: h.env }).toString();
    if (out.trim().split('\n').length < 10) throw new Error(`container diff c${n} found too little:\n${out}`);
  }
  const times = { 200: [], 20000: [] };
  for (let i = 0; i < REPEAT + 2; i++) {
    for (const n of i % 2 ? ['20000', '200'] : ['200', '20000']) times[n].push(h.run('container', 'diff', `c${n}`));
  }
  const s = median(times[200]);
  const b = median(times[20000]);
  rows.push(['container diff, 10 changes in 200 files', fmtMs(s), '', '', '']);
  rows.push(['container diff, 10 changes in 20,000 files', fmtMs(b), `200 files: ${fmtMs(s)}`, fmtRatio(b / s), '1.5x']);
}

printTable(['measurement', 'tszfs', 'other side (same run)', 'ratio', 'goal'], rows);
console.log(`\nload average at the end: ${loadavg()} (${os.cpus().length} CPUs)`);
