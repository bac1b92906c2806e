/**
 * Test-only crash points. With TSZFS_CRASH_AT=<step> in the environment the process kills itself
 * (SIGKILL, as a power cut would end it) when it reaches that step of a transaction group; unset,
 * `crashPoint` is a look-up and one comparison with undefined. The crash tests use it to hit the middle of
 * commands too short to kill from outside at a chosen instant.
 *
 * Steps, in the order a changing command passes them:
 *   allocate     space taken from the free map (inside the LMDB transaction)
 *   image-write  a record written to the image, not yet flushed
 *   image-sync   the image flushed (fdatasync), metadata not yet committed
 *   commit       every metadata change made, the LMDB transaction about to commit
 *   committed    the LMDB transaction committed, the command not yet returned
 * and, in `pool create` (lib/pools.ts):
 *   create-built       the image and metadata complete, the pool not yet registered
 *   create-registered  registered in the home, the create's marker not yet removed
 */
import { invocationEnv, type Env } from './env.js';

/** TSZFS_CRASH_AT of the environment last asked: a large write passes two crash points per
 *  record, and a look-up in process.env (a call into C++ and getenv) cost ~60 ms per GiB. */
let cached: { env: Env; target: string | undefined } | null = null;

export function crashPoint(step: string): void {
  const env = invocationEnv();
  // the process's environment is read once: a command does not change its own environment
  if (cached === null || cached.env !== env || env !== process.env) cached = { env, target: env.TSZFS_CRASH_AT };
  const target = cached.target;
  if (target !== undefined && target === step) process.kill(process.pid, 'SIGKILL');
}
