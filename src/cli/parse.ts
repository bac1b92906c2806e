/**
 * getopt-style option parsing, so that every command reports bad input as zfs_main does:
 * `invalid option 'x'` or `missing argument for 'o' option`, then its usage (exit 2).
 *
 * getoptTokens reads the command line as getopt does; the tokens it gives (`-x`, `-x=value`,
 * `--long`, `--long=value`) are then collected as yargs-parser collected them when yargs read
 * them here, byte for byte the same result (test/cli/parse-equivalence.test.ts compares the two
 * on random command lines): yargs cost every command ~10 ms of start-up (loading it, building a
 * parser, and its look at the terminal, which loads node:net and node:stream).
 */
import { invocationEnv } from '../lib/env.js';
import { HelpRequest, UsageError } from './usage-error.js';

export { UsageError };

export interface OptionSpec {
  /** single-letter flags, e.g. 'Hpr' */
  flags?: string;
  /** single letters that take an argument, e.g. 'od' */
  values?: string;
  /** letters (among `values`) that may repeat, collected in order, e.g. 'o' */
  repeated?: string;
  /** long flags such as 'json-int' */
  longFlags?: string[];
  /** long options that take an argument, e.g. 'size' */
  longValues?: string[];
  /** getopt strings beginning with ':' report a missing argument by name */
  reportMissing?: boolean;
  /** ...or with this line, whatever the option (zfs_do_create: `missing size argument`) */
  missingMessage?: string;
  /** `-h` is an OpenZFS option of this command that tszfs lacks (send, receive): an invalid
   *  option, as it was, rather than a request for help */
  hIsOption?: boolean;
}

export interface Parsed {
  flags: Set<string>;
  values: Map<string, string[]>;
  operands: string[];
  /** every option that takes a value, in command-line order (for `-s`/`-S` sort keys) */
  sequence: Array<[option: string, value: string]>;
}

export function parseOptions(args: string[], spec: OptionSpec): Parsed {
  const flags = [...(spec.flags ?? ''), ...(spec.longFlags ?? [])];
  const values = [...(spec.values ?? ''), ...(spec.longValues ?? [])];
  const { options, operands, sequence } = getoptTokens(args, spec);
  const argv = collect(options, new Set(values));

  const out: Parsed = { flags: new Set(), values: new Map(), operands, sequence };
  for (const f of flags) if (argv[f] === true) out.flags.add(f);
  for (const v of values) {
    const given = argv[v];
    if (given === undefined) continue;
    const list = (Array.isArray(given) ? given : [given]).map(String);
    out.values.set(v, (spec.repeated ?? '').includes(v) ? list : [list[list.length - 1]]);
  }
  return out;
}

/**
 * What yargs-parser made of getoptTokens's tokens, with the configuration tszfs gave it (short
 * option groups, no number parsing, no negation, duplicates collected into arrays): a flag is
 * `true`; a value is appended to its option's array, with one pair of enclosing quotes (`'x'`,
 * `"x"`) stripped from it; an empty value of a long option given as the last option is no value
 * at all (yargs-parser's eatArray looks for it in the next argument, and there is none), while
 * a short option's (`-o=`) is an empty string (yargs-parser reads `-o=` as a group of letters).
 */
function collect(tokens: string[], valued: Set<string>): Record<string, true | string[]> {
  const argv: Record<string, true | string[]> = Object.create(null) as Record<string, true | string[]>;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    const long = token.startsWith('--');
    const eq = token.indexOf('=');
    const name = eq < 0 ? token.slice(long ? 2 : 1) : token.slice(long ? 2 : 1, eq);
    if (eq < 0 || !valued.has(name)) {
      argv[name] = true;
      continue;
    }
    const list = (argv[name] ??= []) as string[];
    const value = token.slice(eq + 1);
    if (value === '' && long && i === tokens.length - 1) continue;
    list.push(stripQuotes(value));
  }
  return argv;
}

/** yargs-parser's stripQuotes: `'x'` and `"x"` lose their quotes. */
function stripQuotes(value: string): string {
  return (value[0] === "'" || value[0] === '"') && value[value.length - 1] === value[0] ? value.substring(1, value.length - 1) : value;
}

/**
 * getopt's reading of argv: grouped flags (`-Hp`), values glued or separate (`-oname`, `-o name`,
 * even `-o -H`), `--` ending options, operands anywhere: glibc permutes them, so options may
 * follow operands, unless POSIXLY_CORRECT is set, when the first operand ends the options. The
 * options come back as `-x` / `-x=value` / `--long=value` tokens for yargs, which never has to guess.
 */
function getoptTokens(args: string[], spec: OptionSpec): { options: string[]; operands: string[]; sequence: Parsed['sequence'] } {
  const flags = spec.flags ?? '';
  const values = spec.values ?? '';
  const missing = (c: string) =>
    new UsageError(spec.missingMessage ?? (spec.reportMissing ? `missing argument for '${c}' option` : `invalid option '${c}'`));
  const options: string[] = [];
  const operands: string[] = [];
  const sequence: Parsed['sequence'] = [];
  const posix = invocationEnv().POSIXLY_CORRECT !== undefined;
  // -h means help only where it is not an option of the command (OpenZFS's universal one is -?).
  const help = ['--help', '-?', ...(flags.includes('h') || values.includes('h') || spec.hIsOption ? [] : ['-h'])];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (help.includes(arg)) throw new HelpRequest();
    if (arg === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (spec.longFlags?.includes(name) && eq < 0) options.push(arg);
      else if (spec.longValues?.includes(name)) {
        const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
        if (value === undefined) throw missing(name);
        options.push(`--${name}=${value}`);
        sequence.push([name, value]);
      } else throw new UsageError(`invalid option '${name}'`);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (posix) {
        operands.push(...args.slice(i));
        break;
      }
      operands.push(arg);
      continue;
    }
    for (let k = 1; k < arg.length; k++) {
      const c = arg[k];
      if (flags.includes(c)) options.push(`-${c}`);
      else if (values.includes(c)) {
        const value = k + 1 < arg.length ? arg.slice(k + 1) : args[++i];
        if (value === undefined) throw missing(c);
        options.push(`-${c}=${value}`);
        sequence.push([c, value]);
        break;
      } else throw new UsageError(`invalid option '${c}'`);
    }
  }
  return { options, operands, sequence };
}

/** The last value of a single-valued option. */
export const valueOf = (p: Parsed, key: string): string | undefined => p.values.get(key)?.at(-1);
