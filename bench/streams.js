/**
 * The send/receive rows of bench/run.js: a 1 GiB snapshot sent to /dev/null and its stream
 * received from a file. Kept in a module of its own so that run.js only calls it.
 *
 * Baselines from the same run: `cat` of the 1 GiB source for send (both read the data through the
 * page cache and write it to /dev/null), `tszfs write` of it for receive (both lay 1 GiB into
 * fresh blocks of the image and commit once); zfs-fuse's `zfs send` for send.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fmtRate, medianMs, timed } from './lib.js';

/**
 * `pool` is the bench's home with `tank/fs` holding the 1 GiB file /f; the rows go through
 * `row(what, mineMs, mineText, base, baseMs, fuseMs, fuseText)` as run.js's others do.
 */
export function sendReceiveRows({ work, bin, pool, repeat, devnull, GiB, catMs, writeMs, fuse, fuseNote, row }) {
  const node = process.execPath;
  const perGiB = (ms) => fmtRate(GiB, ms);
  pool.tszfs('snapshot', 'tank/fs@stream');
  const sendMs = medianMs(repeat, () => timed(node, [bin, 'send', 'tank/fs@stream'], { env: pool.env, stdout: devnull }));
  let fuseSend = fuseNote;
  if (fuse) {
    fuse.zfs('snapshot', `${fuse.name}/fs@stream`);
    fuseSend = medianMs(repeat, () => timed('zfs', ['send', `${fuse.name}/fs@stream`], { stdout: devnull }));
  }
  row('send 1 GiB snapshot > /dev/null', sendMs, perGiB(sendMs), `cat: ${fmtRate(GiB, catMs)}`, catMs, fuseSend, perGiB);

  const streamFile = path.join(work, 'stream.bin');
  const out = fs.openSync(streamFile, 'w');
  timed(node, [bin, 'send', 'tank/fs@stream'], { env: pool.env, stdout: out });
  fs.closeSync(out);
  const recvMs = medianMs(
    repeat,
    () => timed('bash', ['-c', '"$0" "$1" receive tank/recv < "$2"', node, bin, streamFile], { env: pool.env }),
    (i) => i > 0 && pool.tszfs('destroy', '-r', 'tank/recv'),
  );
  row('receive 1 GiB stream < file', recvMs, perGiB(recvMs), `tszfs write: ${fmtRate(GiB, writeMs)}`, writeMs, fuse ? '(not measured: image too small)' : fuseNote);
  // Leave the pool as it was: the rows after this one need its space.
  pool.tszfs('destroy', '-r', 'tank/recv');
  pool.tszfs('destroy', 'tank/fs@stream');
  fs.rmSync(streamFile);
}
