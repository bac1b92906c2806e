/** `zfs release [-r] TAG SNAPSHOT...`, and the loop `zfs hold` shares (zfs_do_hold_rele_impl). */
import { release } from '../../lib/datasets/holds.js';
import { ZfsError } from '../../lib/errors.js';
import type { Home } from '../../lib/home.js';
import type { Command, CommandContext } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

type Action = (home: Home, tag: string, operand: string, recursive: boolean, history: string | null) => void;

/** Each operand on its own; the command fails (exit 1) if any operand did. */
export function holdOrRelease(ctx: CommandContext, args: string[], holding: boolean, act: Action): number {
  const p = parseOptions(args, { flags: 'r' });
  if (p.operands.length < 2) throw new UsageError(null);
  const [tag, ...operands] = p.operands;
  // Tags beginning with '.' are reserved for libzfs's temporary holds.
  if (holding && tag.startsWith('.')) throw new UsageError("tag may not start with '.'");
  let errors = 0;
  let history: string | null = ctx.historyLine;
  for (const operand of operands) {
    if (!operand.includes('@')) {
      ctx.err.write(`'${operand}' is not a snapshot\n`);
      errors++;
      continue;
    }
    try {
      act(ctx.home, tag, operand, p.flags.has('r'), history);
      history = null;
    } catch (err) {
      if (!(err instanceof ZfsError)) throw err;
      ctx.err.write(err.lines.join('\n') + '\n');
      errors++;
    }
  }
  return errors > 0 ? 1 : 0;
}

export const command: Command = {
  usage: ['release [-r] <tag> <snapshot> ...'],
  run: (ctx, args) => holdOrRelease(ctx, args, false, release),
};
