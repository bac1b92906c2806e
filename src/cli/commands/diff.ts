/** `zfs diff [-FHth] SNAPSHOT [SNAPSHOT|FILESYSTEM]`: libzfs_diff's print_file / print_rename /
 *  print_link_change. */
import { diff, type DiffLine } from '../../lib/datasets/diff.js';
import { invocationEnv } from '../../lib/env.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

/** stream_bytes: bytes up to space, backslash and from DEL up as `\` and 4 octal digits. */
function mangle(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text)) {
    out += byte > 0x20 && byte !== 0x5c && byte < 0x7f ? String.fromCharCode(byte) : '\\' + byte.toString(8).padStart(4, '0');
  }
  return out;
}

/** libzfs_diff's type_to_color (libzutil.h ANSI_*): on a terminal with ZFS_COLOR set, as OpenZFS's
 *  use_color; never with NO_COLOR, and (the CLI contract) never with -H. */
const COLOURS = { '+': '\x1b[0;32m', '-': '\x1b[0;31m', M: '\x1b[0;33m', R: '\x1b[1;34m' } as const;
const RESET = '\x1b[0m';

export const command: Command = {
  usage: ['diff [-FHth] <snapshot> [snapshot|filesystem]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'FHth' });
    if (p.operands.length < 1) throw new UsageError('must provide at least one snapshot name');
    if (p.operands.length > 2) throw new UsageError('too many arguments');
    const [from, to] = p.operands;
    if (from.startsWith('@') && to === undefined) throw new UsageError(null);
    const result = diff(ctx.home, from, to);
    const name = (path: string) => {
      const full = result.mountpoint + path;
      return p.flags.has('h') ? full : mangle(full);
    };
    const format = (l: DiffLine) => {
      let line = p.flags.has('t') ? `${String(l.ctime[0]).padStart(10, ' ')}.${String(l.ctime[1]).padStart(9, '0')}\t` : '';
      line += `${l.change}\t`;
      if (p.flags.has('F')) line += `${l.type}\t`;
      line += name(l.path);
      if (l.newPath !== undefined) line += (p.flags.has('H') ? '\t' : ' -> ') + name(l.newPath);
      if (l.linkDelta !== undefined) line += `\t(${l.linkDelta > 0 ? '+' : ''}${l.linkDelta})`;
      return line + '\n';
    };
    const env = invocationEnv();
    const colour = ctx.out.colour && !p.flags.has('H') && env.ZFS_COLOR !== undefined && env.TERM !== undefined && env.TERM !== 'unknown';
    const paint = (l: DiffLine) => (colour ? COLOURS[l.change] + format(l) + RESET : format(l));
    ctx.out.write(result.lines.map(paint).join(''));
    return 0;
  },
};
