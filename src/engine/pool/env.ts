/**
 * The environment of the invocation being served. A command run by bin/tszfs.js sees the
 * process's environment; one run in-process (cli/main.ts run, the tests) sees the env it was given,
 * for its whole duration (through awaits too), so two runs with different TSZFS_NOW, TZ or
 * TSZFS_HOME never leak into each other. Read it where the value is used, never at module load.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type Env = Readonly<Record<string, string | undefined>>;

/** Made by the first run with an environment other than the process's: a command run by
 *  bin/tszfs.js never needs one, and enabling async hooks costs its start-up and every promise. */
let current: AsyncLocalStorage<Env> | null = null;

/** Run `fn` with `env` as the invocation's environment. */
export function withEnv<T>(env: Env, fn: () => T): T {
  if (env === process.env && current === null) return fn();
  return (current ??= new AsyncLocalStorage<Env>()).run(env, fn);
}

/** The invocation's environment: the one given to withEnv, else the process's. */
export function invocationEnv(): Env {
  return current?.getStore() ?? process.env;
}
