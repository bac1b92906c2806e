/** `tszfs chmod [-R] MODE FILESYSTEM PATH...`: octal or symbolic modes, as GNU chmod (symlinks are never changed). */
import { setAttributes } from '../../lib/trees.js';
import type { Command } from '../context.js';
import { parseMode } from '../format/modes.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['chmod [-R] <mode> <filesystem> <path>...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'R' });
    const [mode, dataset, ...paths] = p.operands;
    if (mode === undefined) throw new UsageError('missing mode argument');
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    const change = parseMode(mode);
    setAttributes(ctx.home, dataset, paths, (dn) => (dn.type === 'symlink' ? null : { mode: change.apply(dn.mode, dn.type === 'dir') }), {
      recursive: p.flags.has('R'),
      lookupAction: (file) => `chmod: cannot access '${file}'`,
      action: (file) => `chmod: changing permissions of '${file}'`,
    });
    return 0;
  },
};
