/**
 * parseOptions (src/cli/parse.ts) no longer hands getopt's tokens to yargs: it collects them
 * itself, which keeps yargs (~10 ms of every command's start-up) off the command path. The grammar
 * must stay the one yargs gave, so this test keeps the yargs-based collection as it was and
 * compares the two on random option specs and command lines: grouped flags, values glued and
 * apart, repeated options, long options, `--`, empty values, quotes, `=` and dashes in values,
 * unknown options and missing arguments (both must fail with the same message).
 */
import fc from 'fast-check';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { parseOptions, type OptionSpec, type Parsed } from '../../../src/cli/parse.js';

/** The yargs step of parseOptions as it was: the tokens in, what the command saw out. */
function viaYargs(args: string[], spec: OptionSpec): Parsed {
  const flags = [...(spec.flags ?? ''), ...(spec.longFlags ?? [])];
  const values = [...(spec.values ?? ''), ...(spec.longValues ?? [])];
  // the tokens and operands are parseOptions's own (getoptTokens); only what yargs made of them differs
  const { operands, sequence } = parseOptions(args, spec);
  const options = tokensOf(args, spec);
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

/** getoptTokens's tokens, rebuilt from its documented form (the function is private). */
function tokensOf(args: string[], spec: OptionSpec): string[] {
  const flags = spec.flags ?? '';
  const values = spec.values ?? '';
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      if (spec.longFlags?.includes(name) && eq < 0) out.push(arg);
      else out.push(`--${name}=${eq >= 0 ? arg.slice(eq + 1) : args[++i]}`);
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') continue;
    for (let k = 1; k < arg.length; k++) {
      const c = arg[k];
      if (flags.includes(c)) out.push(`-${c}`);
      else if (values.includes(c)) {
        out.push(`-${c}=${k + 1 < arg.length ? arg.slice(k + 1) : args[++i]}`);
        break;
      }
    }
  }
  return out;
}

const outcome = (f: () => Parsed) => {
  try {
    const p = f();
    return { flags: [...p.flags].sort(), values: [...p.values], operands: p.operands, sequence: p.sequence };
  } catch (err) {
    return { error: String((err as Error).message) };
  }
};

const letters = 'aHprdoOsStVvFcx';
const value = fc.oneof(
  fc.constantFrom('', "'", '"', "''", '""', "'q'", '"q"', "'a b'", '-', '--', '-x', '=', 'a=b', 'name,used', 'tank/fs@s', '0', '-1', 'true', 'false', ' '),
  fc.string({ maxLength: 6 }),
);

describe('parseOptions without yargs', () => {
  it('gives what yargs gave, on random option specs and command lines', () => {
    const spec = fc
      .record({
        flags: fc.subarray([...letters], { maxLength: 6 }),
        values: fc.subarray([...letters], { maxLength: 4 }),
        longFlags: fc.subarray(['json', 'json-int', 'dry'], { maxLength: 2 }),
        longValues: fc.subarray(['size', 'home'], { maxLength: 2 }),
        repeatedAll: fc.boolean(),
        reportMissing: fc.boolean(),
      })
      .map((s) => {
        const values = s.values.filter((c) => !s.flags.includes(c)).join('');
        return {
          flags: s.flags.join(''),
          values,
          repeated: s.repeatedAll ? values : values.slice(0, 1),
          longFlags: s.longFlags,
          longValues: s.longValues,
          reportMissing: s.reportMissing,
        } satisfies OptionSpec;
      });
    const arg = fc.oneof(
      fc.stringMatching(new RegExp(`^-[${letters}]{1,3}$`)),
      fc.tuple(fc.constantFrom(...letters), value).map(([c, v]) => `-${c}${v}`),
      fc.constantFrom('--json', '--json-int', '--dry', '--size', '--home', '--', '-', 'tank', 'tank/fs', '-h', '--nope'),
      fc.tuple(fc.constantFrom('size', 'home', 'json'), value).map(([n, v]) => `--${n}=${v}`),
      value,
    );
    // the last arguments decide a quirk (an empty last value): often an option and its value
    const tail = fc.option(
      fc.tuple(fc.constantFrom('-o', '-d', '-s', '--size', '--home', '-Ho', '-p'), value).map(([o, v]) => [o, v]),
      { nil: undefined },
    );
    fc.assert(
      fc.property(spec, fc.array(arg, { maxLength: 8 }), tail, (s, head, last) => {
        const args = last === undefined ? head : [...head, ...last];
        expect(outcome(() => parseOptions(args, s))).toEqual(outcome(() => viaYargs(args, s)));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps yargs quirks that commands may meet: quotes stripped, an empty last long value dropped', () => {
    const spec: OptionSpec = { flags: 'H', values: 'o', repeated: 'o' };
    const long: OptionSpec = { ...spec, longValues: ['size'] };
    for (const args of [["-o'name'", 'x'], ['-o', '"used"'], ['-o', ''], ['-o', '', '-H'], ['-oa', '-o', ''], ['-o', "'"], ['--size', ''], ['--size=', '-H'], ['--size=1', '--size=']]) {
      expect(outcome(() => parseOptions(args, long))).toEqual(outcome(() => viaYargs(args, long)));
    }
    expect(parseOptions(['-o', "'name'"], spec).values.get('o')).toEqual(['name']);
    expect(parseOptions(['-o', ''], spec).values.get('o')).toEqual(['']);
    expect(parseOptions(['--size', ''], long).values.get('size')).toEqual([undefined]);
  });
});
