/**
 * Runs before every test file.
 *
 * Scratch space: pools, homes and temporary files go under TMPDIR, which is set here to /dev/shm
 * when that is a roomy memory file system (TSZFS_TEST_TMP=<dir> picks another). Every commit
 * flushes (fdatasync), and on a disk shared with other work those flushes were most of the
 * suite's time; in memory they cost nothing, and the files, LMDB and image alike, are as real.
 * Children (the binary, shell scripts) inherit it.
 *
 * Property tests (fast-check) replay the same cases on every run, so a failure in CI is one
 * anybody can replay; FC_SEED=<n> picks other cases, TSZFS_SOAK=1 new random ones each run.
 */
import * as fs from 'node:fs';
import fc from 'fast-check';

const SHM = '/dev/shm';

function roomy(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize >= 4 * 2 ** 30;
  } catch {
    return false;
  }
}

if (process.env.TSZFS_TEST_TMP) process.env.TMPDIR = process.env.TSZFS_TEST_TMP;
else if (roomy(SHM)) process.env.TMPDIR = SHM;

if (process.env.TSZFS_SOAK !== '1') fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261207) });
