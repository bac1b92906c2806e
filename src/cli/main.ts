/**
 * Entry point: picks the personality (tszfs, zfs or zpool) from the name it was run by, routes to
 * the subcommand, and prints every failure in one place, OpenZFS style, with its exit status.
 *
 * `run(argv, io)` is the whole CLI for one command line, with its own standard streams and
 * environment: bin/tszfs.js calls it (through `main`) with the process's, the tests in-process
 * with their own. Nothing it does reads process.env, fd 0/1/2 or exits the process directly.
 */
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { withEnv, type Env } from '../lib/env.js';
import { ZfsError } from '../lib/errors.js';
import { Home } from '../lib/home.js';
import { Input, Output, type Command, type Family, type Sink } from './context.js';
import { exampleOf } from './examples.js';
import { HelpRequest, UsageError } from './usage-error.js';
import { findLoader, ZFS_ALIASES, ZFS_GROUPS, ZPOOL_GROUPS } from './registry.js';
import { commandUsage, globalUsage } from './usage.js';

export const VERSION = '0.1.0';

/** One invocation's standard streams (descriptors, or in-process sinks and bytes) and environment. */
export interface Io {
  stdin?: number | Buffer | string | Readable;
  stdout: number | Sink;
  stderr: number | Sink;
  env: Env;
}

type Loader = (typeof ZFS_GROUPS)[number][number][1];
type InvocationLog = typeof import('./invocation-log.js');
type StoreFailure = (typeof import('../lib/pool-handle.js'))['storeFailure'];

/** The binary (bin/tszfs.js): the process's descriptors and environment. */
export function main(argv: string[]): Promise<number> {
  return run(argv, { stdin: 0, stdout: 1, stderr: 2, env: process.env });
}

/** Run one command line (`argv` as process.argv: node, program, arguments); the exit status. */
export async function run(argv: string[], io: Io): Promise<number> {
  const stdin = await inputOf(io.stdin);
  return withEnv(io.env, async () => {
    const log = io.env.TSZFS_LOG ? await import('./invocation-log.js') : null;
    const stderr = new Output(io.stderr);
    return logged(log, io.env, argv, async () => {
      try {
        const route = routeOf(argv);
        await loadFor(route);
        return dispatch(argv, route, stdin, new Output(io.stdout), stderr);
      } catch (err) {
        return internalError(err, io.env, stderr, (await import('../lib/pool-handle.js')).storeFailure);
      }
    });
  });
}

/**
 * `run`, synchronously, once `preloadCommands()` has loaded every command (the in-process test
 * harness): the same path from routing to exit status.
 */
export function runLoaded(argv: string[], io: Io & { stdin?: number | Buffer | string }): number {
  if (preloaded === null) throw new Error('runLoaded: preloadCommands() was not awaited');
  const { log, storeFailure } = preloaded;
  const stdin = new Input(typeof io.stdin === 'string' ? Buffer.from(io.stdin) : (io.stdin ?? Buffer.alloc(0)));
  return withEnv(io.env, () => {
    const stderr = new Output(io.stderr);
    try {
      return logged(io.env.TSZFS_LOG ? log : null, io.env, argv, () => dispatch(argv, routeOf(argv), stdin, new Output(io.stdout), stderr));
    } catch (err) {
      return internalError(err, io.env, stderr, storeFailure);
    }
  });
}

let preloaded: { log: InvocationLog; storeFailure: StoreFailure } | null = null;

/** Load every command (and what a failure or TSZFS_LOG needs) for `runLoaded`. */
export async function preloadCommands(): Promise<void> {
  // A command being prepared is left out: `batch` preloads the others from its own prepare().
  const loaders = [...ZFS_GROUPS, ...ZPOOL_GROUPS].flat().map(([, load]) => load);
  await Promise.all(loaders.filter((load) => !preparing.has(load)).map(loadCommand));
  preloaded = { log: await import('./invocation-log.js'), storeFailure: (await import('../lib/pool-handle.js')).storeFailure };
}

/** Standard input as `Input`; a stream is read to its end first (in-process callers only). */
async function inputOf(stdin: Io['stdin']): Promise<Input> {
  if (stdin === undefined) return new Input(Buffer.alloc(0));
  if (typeof stdin === 'number' || Buffer.isBuffer(stdin)) return new Input(stdin);
  if (typeof stdin === 'string') return new Input(Buffer.from(stdin));
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return new Input(Buffer.concat(chunks));
}

/** With TSZFS_LOG set, one line per invocation (invocation-log.ts) around `body`. */
function logged<T extends number | Promise<number>>(log: InvocationLog | null, env: Env, argv: string[], body: () => T): T {
  const file = env.TSZFS_LOG;
  if (!log || !file) return body();
  const startedAt = performance.now();
  const poolsBefore = log.knownPools(argv);
  const finish = (exit: number) => {
    log.logInvocation(file, argv, exit, startedAt, poolsBefore);
    return exit;
  };
  const exit = body();
  return (typeof exit === 'number' ? finish(exit) : exit.then(finish)) as T;
}

/** What ended a command that no layer turned into a message: a damaged metadata store met in the
 *  middle of it (the pool's I/O error), else a bug, printed as one line naming the command. */
function internalError(caught: unknown, env: Env, stderr: Output, storeFailure: StoreFailure): number {
  const { operation, err, home } = caught instanceof CommandFailure ? caught : { operation: null, err: caught, home: null };
  const failure = home === null ? null : storeFailure(home, err);
  if (failure !== null) {
    stderr.write(failure.lines.join('\n') + '\n');
    return 1;
  }
  if (env.TSZFS_DEBUG) throw err;
  const message = (err instanceof Error ? err.message : String(err)).trim().replace(/\s*\n\s*/g, ' ');
  stderr.write(`internal error${operation === null ? '' : `: '${operation}'`}: ${message}\n`);
  return 1;
}

/** An unexpected error of a command, with the command it ended and the home it worked in. */
class CommandFailure {
  constructor(
    readonly operation: string,
    readonly err: unknown,
    readonly home: Home,
  ) {}
}

/** What a command line asks for, found before anything is loaded or run. */
type Route =
  | { kind: 'version' }
  | { kind: 'usage'; family: Family; groups: typeof ZFS_GROUPS; missing: boolean }
  | { kind: 'unknown'; family: Family; groups: typeof ZFS_GROUPS; word: string }
  | { kind: 'command'; family: Family; homeDir: string | undefined; name: string; args: string[]; load: Loader };

function routeOf(argv: string[]): Route {
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
  if (args[0] === '--version' || (args[0] === '-V' && personality(argv[1]) === 'tszfs')) return { kind: 'version' };

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

  let name = args[0];
  let help = false;
  if (name === 'help' && args.length > 1) {
    // `help CMD`, and under tszfs `help pool CMD` as well as `pool help CMD`
    help = true;
    args = args.slice(1);
    if (personality(argv[1]) === 'tszfs' && family === 'zfs' && ['pool', 'zpool', 'zfs'].includes(args[0]) && args.length > 1) {
      if (args[0] !== 'zfs') family = 'zpool';
      args = args.slice(1);
    }
    name = args[0];
  }
  const groups = family === 'zfs' ? ZFS_GROUPS : ZPOOL_GROUPS;
  if (name === undefined || ['-?', '-h', '--help', 'help'].includes(name)) return { kind: 'usage', family, groups, missing: name === undefined };
  // `zfs prop=value ds` means `zfs set prop=value ds`.
  if (family === 'zfs' && name.includes('=')) args = ['set', ...args];
  name = family === 'zfs' ? (ZFS_ALIASES[args[0]] ?? args[0]) : args[0];
  const load = findLoader(groups, name);
  if (!load) return { kind: 'unknown', family, groups, word: args[0] };
  // `help CMD ...` is `CMD --help`, whatever follows
  return { kind: 'command', family, homeDir, name, args: help ? [args[0], '--help'] : args, load };
}

const loaded = new Map<Loader, Command>();
const preparing = new Set<Loader>();

/** A command's module, loaded and prepared once per process. */
async function loadCommand(load: Loader): Promise<Command> {
  let command = loaded.get(load);
  if (command === undefined) {
    preparing.add(load);
    try {
      command = (await load()).command;
      await command.prepare?.();
    } finally {
      preparing.delete(load);
    }
    loaded.set(load, command);
  }
  return command;
}

async function loadFor(route: Route): Promise<void> {
  if (route.kind === 'command') await loadCommand(route.load);
  else if (route.kind !== 'version') await Promise.all(route.groups.flat().map(([, load]) => loadCommand(load)));
}

function loadedCommand(load: Loader): Command {
  const command = loaded.get(load);
  if (command === undefined) throw new Error('command not loaded');
  return command;
}

function dispatch(argv: string[], route: Route, stdin: Input, stdout: Output, stderr: Output): number {
  if (route.kind === 'version') {
    stdout.write(`tszfs ${VERSION}\n`);
    return 0;
  }
  if (route.kind === 'usage') {
    const text = globalUsage(route.family, loadedGroups(route.groups));
    if (route.missing) {
      stderr.write('missing command\n' + text);
      return 2;
    }
    stdout.write(text);
    return 0;
  }
  if (route.kind === 'unknown') {
    stderr.write(`unrecognized command '${route.word}'\n` + globalUsage(route.family, loadedGroups(route.groups)));
    return 2;
  }
  const { family, name, args } = route;
  const command = loadedCommand(route.load);
  const home = new Home(route.homeDir);
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
    in: stdin,
    program: argv[1],
  };
  try {
    return command.run(ctx, args.slice(1));
  } catch (err) {
    if (err instanceof HelpRequest) {
      const example = exampleOf(family, name);
      stdout.write(commandUsage(family, name, command, example && `${programWords(argv[1], family)} ${example}`));
      return 0;
    }
    if (err instanceof UsageError) {
      stderr.write((err.reason === null ? '' : err.reason + (err.newline ? '\n' : '')) + commandUsage(family, name, command, undefined, err.propertyTable));
      return 2;
    }
    if (err instanceof ZfsError) {
      if (err.lines.length > 0) stderr.write(err.lines.join('\n') + '\n');
      if (err.exitCode === 2) stderr.write(commandUsage(family, name, command));
      return err.exitCode;
    }
    throw new CommandFailure(`${family} ${name}`, err, ctx.home);
  }
}

/** How the program was invoked, for an example: `zfs`, `zpool`, `tszfs` or `tszfs pool`. */
function programWords(argv1: string | undefined, family: Family): string {
  const as = personality(argv1);
  return as !== 'tszfs' ? as : family === 'zpool' ? 'tszfs pool' : 'tszfs';
}

function personality(argv1: string | undefined): 'zfs' | 'zpool' | 'tszfs' {
  const base = path.basename(argv1 ?? '');
  return base === 'zfs' || base === 'zpool' ? base : 'tszfs';
}

function loadedGroups(groups: typeof ZFS_GROUPS): Array<Array<[string, Command]>> {
  return groups.map((g) => g.map(([n, load]) => [n, loadedCommand(load)] as [string, Command]));
}
