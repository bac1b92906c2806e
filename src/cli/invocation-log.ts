/**
 * `TSZFS_LOG=FILE`: one JSON line appended per invocation, for auditing what scripts ran:
 *   {"time":"2025-01-07T09:05:00.000Z","argv":["snapshot","tank/a@s1"],"exit":0,"durationMs":12.3,"pool":"tank"}
 * `argv` is what followed the program name; `pool` is the imported pool the command named (the
 * first operand whose pool part is in the registry before or after the command ran), else null.
 * A log that cannot be written never changes the command's outcome.
 */
import * as fs from 'node:fs';
import { Home } from '../lib/home.js';

export function logInvocation(file: string, argv: string[], exit: number, startedAt: number, poolsBefore: Set<string>): void {
  const durationMs = Math.round((performance.now() - startedAt) * 10) / 10;
  const entry = {
    time: new Date(Date.now() - durationMs).toISOString(),
    argv: argv.slice(2),
    exit,
    durationMs,
    pool: poolNamed(argv.slice(2), poolsBefore),
  };
  try {
    // One write with O_APPEND: lines of concurrent invocations never interleave.
    fs.appendFileSync(file, JSON.stringify(entry) + '\n');
  } catch {
    // Logging is best effort.
  }
}

/** Pools in the registry that `argv` points at (its --home, else TSZFS_HOME / the default). */
export function knownPools(argv: string[]): Set<string> {
  try {
    return new Set(new Home(homeOption(argv.slice(2))).pools().map((p) => p.name));
  } catch {
    return new Set();
  }
}

function poolNamed(args: string[], before: Set<string>): string | null {
  const after = knownPools(['', '', ...args]);
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const pool = arg.split(/[/@#]/, 1)[0];
    if (before.has(pool) || after.has(pool)) return pool;
  }
  return null;
}

/** The last of the leading `--home DIR` / `--home=DIR` options, as main.ts reads them. */
function homeOption(args: string[]): string | undefined {
  let home: string | undefined;
  for (let i = 0; i < args.length && args[i].startsWith('--home'); i++) {
    if (args[i] === '--home') home = args[++i];
    else home = args[i].slice('--home='.length);
  }
  return home;
}
