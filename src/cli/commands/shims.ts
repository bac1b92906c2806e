/**
 * `tszfs shims DIR`: links named `zfs` and `zpool` to this program in DIR, so that scripts
 * written for OpenZFS run unchanged with `PATH=DIR:$PATH` (the name picks the grammar).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

/** bin/tszfs.js, found from this module's place in dist/ (or from the bundle's). */
function programPath(argv1: string | undefined): string {
  if (argv1 && path.basename(argv1) === 'tszfs.js') return fs.realpathSync(argv1);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'tszfs.js');
}

export const command: Command = {
  usage: ['shims <directory>'],
  run(ctx, args) {
    const p = parseOptions(args, {});
    if (p.operands.length < 1) throw new UsageError('missing directory argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const dir = path.resolve(p.operands[0]);
    const target = programPath(ctx.program);
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['zfs', 'zpool']) {
      const link = path.join(dir, name);
      const existing = fs.lstatSync(link, { throwIfNoEntry: false });
      // Replace an older link of ours; never a real file someone put there.
      if (existing && !existing.isSymbolicLink()) throw ZfsError.action(`cannot create '${link}'`, 'file exists and is not a link');
      if (existing) fs.rmSync(link);
      fs.symlinkSync(target, link);
    }
    return 0;
  },
};
