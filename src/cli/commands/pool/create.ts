/** `zpool create [-f] [-o property=value]... [-O fs-property=value]... [--size SIZE] POOL [IMAGE]` */
import { ZfsError } from '../../../lib/errors.js';
import { createPool } from '../../../lib/pools.js';
import { parseSize, SizeError } from '../../../lib/sizes.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';
import { propertyArgs } from '../shared.js';

export const command: Command = {
  usage: [
    'create [-fnd] [-o property=value] ... ',
    '    [-O file-system-property=value] ... ',
    '    [-m mountpoint] [-R root] [--size <size>] <pool> [<image>] ',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'f', values: 'oO', repeated: 'oO', longValues: ['size'], reportMissing: true });
    for (const o of p.values.get('o') ?? []) if (!o.includes('=')) throw new UsageError("missing '=' for -o option");
    for (const o of p.values.get('O') ?? []) if (!o.includes('=')) throw new UsageError("missing '=' for -O option");
    const [name, image, ...extra] = p.operands;
    if (name === undefined) throw new UsageError('missing pool name argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    let size: number | undefined;
    const sizeArg = valueOf(p, 'size');
    if (sizeArg !== undefined) {
      try {
        size = Number(parseSize(sizeArg));
      } catch (err) {
        if (err instanceof SizeError) throw ZfsError.action(`cannot create '${name}'`, `bad size '${sizeArg}': ${err.aux}`);
        throw err;
      }
    }
    createPool(
      ctx.home,
      name,
      { image, size, force: p.flags.has('f'), fsProps: propertyArgs(p.values.get('O')), poolProps: propertyArgs(p.values.get('o')) },
      ctx.historyLine,
    );
    return 0;
  },
};
