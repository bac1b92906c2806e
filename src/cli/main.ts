/**
 * Entry point: picks the personality (tszfs, zfs or zpool) from the name it was run by, routes to
 * the subcommand, and prints every failure in one place, OpenZFS style, with its exit status.
 */
import * as path from 'node:path';
import { ZfsError } from '../lib/errors.js';
import { Home } from '../lib/home.js';
import { Output, type Command, type Family } from './context.js';
import { UsageError } from './usage-error.js';
import { findLoader, ZFS_ALIASES, ZFS_GROUPS, ZPOOL_GROUPS } from './registry.js';
import { commandUsage, globalUsage } from './usage.js';

export const VERSION = '0.1.0';

export async function main(argv: string[]): Promise<number> {
  const log = process.env.TSZFS_LOG;
  if (!log) return run(argv);
  const startedAt = performance.now();
  const { knownPools, logInvocation } = await import('./invocation-log.js');
  const poolsBefore = knownPools(argv);
  const exit = await run(argv);
  logInvocation(log, argv, exit, startedAt, poolsBefore);
  return exit;
}

async function run(argv: string[]): Promise<number> {
  const stderr = new Output(2);
  try {
    return await dispatch(argv, new Output(1), stderr);
  } catch (caught) {
    const { operation, err } = caught instanceof CommandFailure ? caught : { operation: null, err: caught };
    if (process.env.TSZFS_DEBUG) throw err;
    stderr.write(internalError(operation, err));
    return 1;
  }
}

/** A failure no layer turned into a message (a bug): one line naming the command, no stack. */
function internalError(operation: string | null, err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).trim().replace(/\s*\n\s*/g, ' ');
  return `internal error${operation === null ? '' : `: '${operation}'`}: ${message}\n`;
}

/** An unexpected error of a command, with the command it ended. */
class CommandFailure {
  constructor(
    readonly operation: string,
    readonly err: unknown,
  ) {}
}

async function dispatch(argv: string[], stdout: Output, stderr: Output): Promise<number> {
  let args = argv.slice(2);
  let homeDir: string | undefined;
  while (args[0]?.startsWith('--home')) {
    if (args[0] === '--home') {
      homeDir = args[1];
      args = args.slice(2);
    } else {
      homeDir = args[0].slice('--home='.length);
      args = args.slice(1);
    }
  }
  if (args[0] === '--version' || (args[0] === '-V' && personality(argv[1]) === 'tszfs')) {
    stdout.write(`tszfs ${VERSION}\n`);
    return 0;
  }

  let family: Family;
  switch (personality(argv[1])) {
    case 'zpool':
      family = 'zpool';
      break;
    case 'zfs':
      family = 'zfs';
      break;
    default:
      family = args[0] === 'pool' || args[0] === 'zpool' ? 'zpool' : 'zfs';
      if (args[0] === 'pool' || args[0] === 'zpool' || args[0] === 'zfs') args = args.slice(1);
  }
  const groups = family === 'zfs' ? ZFS_GROUPS : ZPOOL_GROUPS;

  let name = args[0];
  if (name === undefined || name === '-?' || name === '--help' || name === 'help') {
    const text = globalUsage(family, await loadAll(groups));
    if (name === undefined) {
      stderr.write('missing command\n' + text);
      return 2;
    }
    stdout.write(text);
    return 0;
  }
  // `zfs prop=value ds` means `zfs set prop=value ds`.
  if (family === 'zfs' && name.includes('=')) args = ['set', ...args];
  name = family === 'zfs' ? (ZFS_ALIASES[args[0]] ?? args[0]) : args[0];
  const load = findLoader(groups, name);
  if (!load) {
    stderr.write(`unrecognized command '${args[0]}'\n` + globalUsage(family, await loadAll(groups)));
    return 2;
  }
  const { command } = await load();
  await command.prepare?.();
  const home = new Home(homeDir);
  const unusable = home.unusable();
  if (unusable) {
    stderr.write(unusable + '\n');
    return 1;
  }
  const ctx = {
    home,
    family,
    historyLine: [family, ...args].join(' '),
    out: stdout,
    err: stderr,
  };
  try {
    return command.run(ctx, args.slice(1));
  } catch (err) {
    if (err instanceof UsageError) {
      stderr.write((err.reason === null ? '' : err.reason + '\n') + commandUsage(family, name, command));
      return 2;
    }
    if (err instanceof ZfsError) {
      if (err.lines.length > 0) stderr.write(err.lines.join('\n') + '\n');
      if (err.exitCode === 2) stderr.write(commandUsage(family, name, command));
      return err.exitCode;
    }
    // A damaged metadata store found in the middle of a command is the pool's I/O error.
    const { storeFailure } = await import('../lib/pool-handle.js');
    const failure = storeFailure(ctx.home, err);
    if (failure === null) throw new CommandFailure(`${family} ${name}`, err);
    stderr.write(failure.lines.join('\n') + '\n');
    return 1;
  }
}

function personality(argv1: string | undefined): 'zfs' | 'zpool' | 'tszfs' {
  const base = path.basename(argv1 ?? '');
  return base === 'zfs' || base === 'zpool' ? base : 'tszfs';
}

async function loadAll(groups: typeof ZFS_GROUPS): Promise<Array<Array<[string, Command]>>> {
  return Promise.all(groups.map((g) => Promise.all(g.map(async ([n, load]) => [n, (await load()).command] as [string, Command]))));
}
