#!/usr/bin/env node
/**
 * `node bench/topology.js`: write and read throughput of a 256 MiB file on a mirror of 2 and a
 * raidz1 of 4 devices against a pool of one device, in one run, on the same machine and files
 * (1 GiB sparse device files under TSZFS_BENCH_DIR, default the OS temp dir). Medians of 3 runs;
 * ratios are what to compare between runs. Then the time of a resilver (`pool replace` of one
 * side of a mirror of two 2 GiB devices) with 100 MiB and with 1 GiB stored.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRate, fmtRatio, makeSource, medianMs, printTable, timed } from './lib.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/tszfs.js');
const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const REPEAT = 3;

const work = fs.mkdtempSync(path.join(process.env.TSZFS_BENCH_DIR ?? os.tmpdir(), 'tszfs-topology-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, TSZFS_HOME: work, NO_COLOR: '1', TSZFS_LOG: '' };
const tszfs = (args, opts = {}) => timed(process.execPath, [BIN, ...args], { env, ...opts });
const source = path.join(work, 'source.bin');
makeSource(source, SIZE);

const LAYOUTS = [
  ['one device', (d) => [d[0]], 1],
  ['mirror of 2', (d) => ['mirror', d[0], d[1]], 2],
  ['raidz1 of 4', (d) => ['raidz1', ...d.slice(0, 4)], 4],
];

const results = [];
for (const [name, spec, n] of LAYOUTS) {
  const dir = fs.mkdtempSync(path.join(work, 'pool-'));
  const devices = Array.from({ length: n }, (_, i) => {
    const p = path.join(dir, `d${i}`);
    fs.writeFileSync(p, '');
    fs.truncateSync(p, 1024 * MiB);
    return p;
  });
  // A stripe of one file is the one image of before; ashift=12 either way.
  tszfs(['pool', 'create', '-f', 'bench', ...spec(devices)]);
  const write = medianMs(REPEAT, () => tszfs(['write', 'bench', '/f', source]));
  const read = medianMs(REPEAT, () => tszfs(['cat', 'bench', '/f']));
  tszfs(['pool', 'destroy', 'bench']);
  fs.rmSync(dir, { recursive: true, force: true });
  results.push({ name, write, read });
}
// Resilver: a mirror of two 2 GiB devices holding 100 MiB, then 1 GiB; one device replaced by a
// new file. It reads and writes only what is stored, so the time grows with that, not the device.
const resilver = [];
for (const stored of [100 * MiB, 1024 * MiB]) {
  const dir = fs.mkdtempSync(path.join(work, 'resilver-'));
  const [a, b, c] = ['a', 'b', 'c'].map((n) => {
    const p = path.join(dir, n);
    fs.writeFileSync(p, '');
    fs.truncateSync(p, 2048 * MiB);
    return p;
  });
  tszfs(['pool', 'create', 'bench', 'mirror', a, b]);
  const data = path.join(dir, 'data.bin');
  makeSource(data, stored);
  tszfs(['write', 'bench', '/f', data]);
  fs.rmSync(data);
  const ms = timed(process.execPath, [BIN, 'pool', 'replace', 'bench', b, c], { env });
  tszfs(['pool', 'destroy', 'bench']);
  fs.rmSync(dir, { recursive: true, force: true });
  resilver.push([`${stored / MiB} MiB stored`, `${(ms / 1000).toFixed(2)} s`, fmtRate(stored, ms)]);
}

const [single] = results;
console.log(`tszfs topology bench: node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
printTable(
  ['pool', 'write 256 MiB', 'vs one device', 'cat 256 MiB', 'vs one device'],
  results.map((r) => [r.name, fmtRate(SIZE, r.write), fmtRatio(r.write / single.write), fmtRate(SIZE, r.read), fmtRatio(r.read / single.read)]),
);
console.log('ratio = time / the one-device pool\'s time: above 1 is slower');
console.log('');
printTable(['resilver (mirror of 2 GiB devices, replace)', 'time', 'rate'], resilver);
