/**
 * Compression rows of `npm run bench` (bench/README.md): write and cat throughput of a
 * compressible text file under compression=off, lz4 and gzip, and what the default `on` (lz4)
 * costs on incompressible (random) data next to off. Each setting has a filesystem of its own in
 * a pool of its own; the baseline of every row is the same file under compression=off.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fmtRate, fmtRatio, medianMs, timed } from './lib.js';

const MiB = 1024 * 1024;
const SIZE = 256 * MiB;
const REPEAT = 3;

/** Numbered lines: compresses about 6x under lz4, 10x under gzip. */
function makeText(file) {
  const fd = fs.openSync(file, 'w');
  const lines = [];
  for (let i = 0; i < 16384; i++) lines.push(`${String(i).padStart(8, '0')} the quick brown fox jumps over the lazy dog\n`);
  const chunk = Buffer.from(lines.join(''));
  for (let written = 0; written < SIZE; written += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, SIZE - written));
  fs.closeSync(fd);
}

function makeRandom(file) {
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < SIZE; written += 16 * MiB) fs.writeSync(fd, crypto.randomBytes(16 * MiB));
  fs.closeSync(fd);
}

/** Rows of [measurement, tszfs, baseline, tszfs/baseline] measured in `work` with the CLI `bin`. */
export function compressionRows(work, bin) {
  const dir = path.join(work, 'compression');
  fs.mkdirSync(dir);
  const env = { ...process.env, TSZFS_HOME: dir, NO_COLOR: '1', TSZFS_LOG: '' };
  const tszfs = (args, opts = {}) => timed(process.execPath, [bin, ...args], { env, ...opts });
  const text = path.join(dir, 'text.txt');
  const random = path.join(dir, 'random.bin');
  makeText(text);
  makeRandom(random);
  tszfs(['pool', 'create', '--size', '2G', 'tank']);
  const devnull = fs.openSync('/dev/null', 'w');
  const measure = (setting, source) => {
    const fsName = `tank/${setting}-${path.basename(source, path.extname(source))}`;
    tszfs(['create', '-o', `compression=${setting}`, fsName]);
    const writeMs = medianMs(REPEAT, () => tszfs(['write', fsName, '/f', source]));
    const catMs = medianMs(REPEAT, () => tszfs(['cat', fsName, '/f'], { stdout: devnull }));
    return { writeMs, catMs };
  };
  const rows = [];
  const mib = `${SIZE / MiB} MiB`;
  const off = measure('off', text);
  for (const setting of ['lz4', 'gzip']) {
    const m = measure(setting, text);
    const base = `compression=off: ${fmtRate(SIZE, off.writeMs)}`;
    rows.push([`write ${mib} text, compression=${setting}`, fmtRate(SIZE, m.writeMs), base, fmtRatio(m.writeMs / off.writeMs)]);
    const catBase = `compression=off: ${fmtRate(SIZE, off.catMs)}`;
    rows.push([`cat ${mib} text, compression=${setting}`, fmtRate(SIZE, m.catMs), catBase, fmtRatio(m.catMs / off.catMs)]);
  }
  const randomOff = measure('off', random);
  const randomOn = measure('on', random);
  rows.push([
    `write ${mib} random, compression=on (lz4)`,
    fmtRate(SIZE, randomOn.writeMs),
    `compression=off: ${fmtRate(SIZE, randomOff.writeMs)}`,
    fmtRatio(randomOn.writeMs / randomOff.writeMs),
  ]);
  fs.closeSync(devnull);
  return rows;
}
