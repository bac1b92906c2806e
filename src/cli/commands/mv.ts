/**
 * `tszfs mv [-T] FILESYSTEM SOURCE DEST`: an atomic rename inside the filesystem, over an existing
 * DEST as rename(2) does; DEST an existing directory takes SOURCE inside it (not with -T). DEST as
 * `OTHER:PATH` names a path of another dataset: refused as a cross-device link.
 */
import { move } from '../../lib/trees.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['mv [-T] <filesystem> <source> [<filesystem>:]<dest>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'T' });
    const [dataset, source, dest, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (source === undefined || dest === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    // `DATASET:PATH`: a colon before the first slash names a dataset.
    const colon = dest.indexOf(':');
    const qualified = colon > 0 && !dest.slice(0, colon).startsWith('/') && !dest.slice(0, colon).startsWith('.');
    const destDataset = qualified ? dest.slice(0, colon) : dataset;
    const destPath = qualified ? dest.slice(colon + 1) : dest;
    move(ctx.home, dataset, source, destDataset, destPath, { noTargetDirectory: p.flags.has('T') });
    return 0;
  },
};
