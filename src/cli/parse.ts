/**
 * getopt-style option parsing on top of yargs, so that every command reports bad input as
 * zfs_main does: `invalid option 'x'` or `missing argument for 'o' option`, then its usage (exit 2).
 */
import yargs from 'yargs';
import { UsageError } from './usage-error.js';

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
}

export interface Parsed {
  flags: Set<string>;
  values: Map<string, string[]>;
  operands: string[];
}

export function parseOptions(args: string[], spec: OptionSpec): Parsed {
  const flags = [...(spec.flags ?? ''), ...(spec.longFlags ?? [])];
  const values = [...(spec.values ?? ''), ...(spec.longValues ?? [])];
  let parser = yargs(args)
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

  const out: Parsed = { flags: new Set(), values: new Map(), operands: (argv._ as unknown[]).map(String) };
  for (const [key, value] of Object.entries(argv)) {
    if (key === '_' || key === '$0') continue;
    if (flags.includes(key)) {
      if (value === true) out.flags.add(key);
      else if (value !== false) throw new UsageError(`invalid option '${key}'`);
    } else if (values.includes(key)) {
      const list = (Array.isArray(value) ? value : [value]).map(String);
      if (list.some((v) => v === '')) {
        throw new UsageError(spec.reportMissing ? `missing argument for '${key}' option` : `invalid option '${key}'`);
      }
      if (list.length > 1 && !(spec.repeated ?? '').includes(key) && key.length === 1) {
        out.values.set(key, [list[list.length - 1]]);
      } else out.values.set(key, list);
    } else {
      throw new UsageError(`invalid option '${key.length > 1 && !args.includes(`--${key}`) ? key[0] : key}'`);
    }
  }
  return out;
}

/** The last value of a single-valued option. */
export const valueOf = (p: Parsed, key: string): string | undefined => p.values.get(key)?.at(-1);
