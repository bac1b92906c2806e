/** Small pieces several command files share. */
import { ZfsError } from '../../lib/errors.js';
import { parsePropertyArgs, PropertyError } from '../../lib/properties/assign.js';
import type { KeyIo } from '../../lib/crypto/material.js';
import type { CommandContext } from '../context.js';
import { parseOptions } from '../parse.js';

/** `-o prop=value` arguments; a malformed one fails the command (exit 1) as zfs_main's parseprop. */
export function propertyArgs(values: string[] | undefined): Array<[string, string]> {
  try {
    return parsePropertyArgs(values ?? []);
  } catch (err) {
    if (err instanceof PropertyError) throw new ZfsError([err.message]);
    throw err;
  }
}

/** Standard input and output as the key commands use them (lib/crypto/material.ts): a key at
 *  keylocation=prompt is read from stdin, and prompted for on stdout when stdin is a terminal. */
export const keyIoOf = (ctx: CommandContext): KeyIo => ({ input: ctx.in, prompt: (text) => ctx.out.write(text) });

/** A writer of error lines (a ZfsError's, the key commands' onError) to stderr, one a line. */
export function errorLines(ctx: CommandContext): (lines: string[]) => void {
  return (lines) => ctx.err.write(lines.map((l) => l + '\n').join(''));
}

/** A command with subcommands (image, container, system) answers --help, -? or -h anywhere in
 *  its arguments as every command does (parseOptions gives the usage). */
export function helpIfAsked(args: readonly string[]): void {
  const asked = args.find((a) => ['--help', '-?', '-h'].includes(a));
  if (asked !== undefined) parseOptions([asked], {});
}
