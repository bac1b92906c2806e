/**
 * getopt-style option parsing on top of yargs, so that every command reports bad input as
 * zfs_main does: `invalid option 'x'` or `missing argument for 'o' option`, then its usage (exit 2).
 */
import yargs from 'yargs';
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
  let parser = yargs(options)
    .parserConfiguration({
      'short-option-groups': true,
      'camel-case-expansion': false,
      'dot-notation': false,
      'parse-numbers': false,
      'parse-positional-numbers': false,
      'boolean-negation': false,
      'duplicate-arguments-array': true,
      'flatten-duplicate-arrays': true,
      'greedy-arrays': false,
      'strip-aliased': true,
    })
    .help(false)
    .version(false);
  for (const f of flags) parser = parser.option(f, { type: 'boolean' });
  for (const v of values) parser = parser.option(v, { type: 'string', array: true });
  const argv = parser.parseSync() as Record<string, unknown>;

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
