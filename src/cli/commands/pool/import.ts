/**
 * `zpool import [-d dir]` lists the pools that can be imported from `dir` (default: the tszfs
 * home); `zpool import [-d dir] [-f] <pool | id> [newpool]` and `-a` import.
 */
import { ZfsError } from '../../../lib/errors.js';
import { findImportable, importPool, type Importable } from '../../../lib/pool-import.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';

/** show_import(): one pool's paragraph and its config tree. */
function showImport(p: Importable): string {
  const indent = p.comment !== undefined ? ' ' : '';
  const width = Math.max(10, p.name.length, p.image.length + 2);
  return (
    `${indent}  pool: ${p.name}\n` +
    `${indent}    id: ${p.guid}\n` +
    `${indent} state: ONLINE\n` +
    (p.comment !== undefined ? `${indent}comment: ${p.comment}\n` : '') +
    `${indent}action: The pool can be imported using its name or numeric identifier.\n` +
    `${indent}config:\n\n` +
    `\t${p.name.padEnd(width)}  ONLINE\n` +
    `\t  ${p.image.padEnd(width - 2)}  ONLINE\n`
  );
}

export const command: Command = {
  usage: [
    'import [-d dir] [-D]',
    'import [-o mntopts] [-o property=value] ... ',
    '    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]] -a',
    'import [-o mntopts] [-o property=value] ... ',
    '    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]]',
    '    [--rewind-to-checkpoint] <pool | id> [newpool]',
  ],
  run(ctx, args) {
    // -f (pool not cleanly exported), -N (no mounts): nothing to do here.
    const p = parseOptions(args, { flags: 'afNDlm', values: 'd', repeated: 'd', reportMissing: true });
    const dir = valueOf(p, 'd') ?? ctx.home.dir;
    if (p.flags.has('a')) {
      if (p.operands.length > 0) throw new UsageError('too many arguments');
      let status = 0;
      for (const found of findImportable(ctx.home, dir)) {
        try {
          importPool(ctx.home, dir, found.guid, undefined, ctx.historyLine);
        } catch (err) {
          if (!(err instanceof ZfsError)) throw err;
          ctx.err.write(err.lines.join('\n') + '\n');
          status = 1;
        }
      }
      return status;
    }
    if (p.operands.length === 0) {
      const pools = findImportable(ctx.home, dir);
      if (pools.length === 0) ctx.err.write('no pools available to import\n');
      ctx.out.write(pools.map(showImport).join('\n'));
      return 0;
    }
    if (p.operands.length > 2) throw new UsageError('too many arguments');
    importPool(ctx.home, dir, p.operands[0], p.operands[1], ctx.historyLine);
    return 0;
  },
};
