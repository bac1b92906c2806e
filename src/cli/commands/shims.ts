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

/** bin/tszfs.js: what the program was run by, through any links (npm's bin link is named
 *  `tszfs`), or else found above this module (in dist/, or the bundle dist/tszfs.cjs). */
function programPath(argv1: string | undefined): string {
  const run = argv1 ? realpathOrNull(argv1) : null;
  if (run && path.basename(run) === 'tszfs.js') return run;
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const program = path.join(dir, 'bin', 'tszfs.js');
    if (fs.existsSync(program)) return program;
    if (path.dirname(dir) === dir) throw new Error('bin/tszfs.js not found above ' + fileURLToPath(import.meta.url));
  }
}

function realpathOrNull(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
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
