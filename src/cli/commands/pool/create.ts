/**
 * `zpool create [-fnd] [-o property=value]... [-O fs-property=value]... [-m mountpoint]
 * [-R root] [--size SIZE] POOL [VDEV...]`. One IMAGE (a full path, as OpenZFS wants) is the
 * pool's one file vdev; anything more is OpenZFS's vdev specification (lib/vdev-spec.ts: files,
 * mirror, raidz1-3, log/special/dedup/cache/spare). Missing files are made at --size (default
 * 1G); without any the image goes in the tszfs home.
 */
import { ZfsError } from '../../../lib/errors.js';
import { createPool, needsVdevTree } from '../../../lib/pools.js';
import { checkPoolName } from '../../../lib/names.js';
import { parseSize, SizeError } from '../../../lib/sizes.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';
import { keyIoOf, propertyArgs } from '../shared.js';


export const command: Command = {
  usage: [
    'create [-fnd] [-o property=value] ... ',
    '    [-O file-system-property=value] ... ',
    '    [-m mountpoint] [-R root] [--size <size>] <pool> [<vdev> ...] ',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'fnd', values: 'oOmRt', repeated: 'oO', longValues: ['size'], reportMissing: true });
    for (const o of p.values.get('o') ?? []) if (!o.includes('=')) throw new UsageError("missing '=' for -o option");
    for (const o of p.values.get('O') ?? []) if (!o.includes('=')) throw new UsageError("missing '=' for -O option");
    const [name, ...vdevs] = p.operands;
    if (name === undefined) throw new UsageError('missing pool name argument');
    const action = `cannot create '${name}'`;
    const poolPropArgs = propertyArgs(p.values.get('o'));
    // No device and an ashift of its own: the default image, as a device of that ashift.
    if (vdevs.length === 0 && needsVdevTree(vdevs, poolPropArgs) && checkPoolName(name, true) === null) vdevs.push(ctx.home.defaultImage(name));
    const tree = needsVdevTree(vdevs, poolPropArgs);
    const image = tree ? undefined : vdevs[0];
    // make_leaf_vdev(): a name that is not a path is looked up under /dev, where an image never is.
    if (image !== undefined && !image.startsWith('/')) {
      throw new ZfsError([`cannot open '${image}': no such device in /dev`, 'must be a full path or shorthand device name']);
    }
    let size: number | undefined;
    const sizeArg = valueOf(p, 'size');
    if (sizeArg !== undefined) {
      try {
        size = Number(parseSize(sizeArg));
      } catch (err) {
        if (err instanceof SizeError) throw ZfsError.action(action, `bad size '${sizeArg}': ${err.aux}`);
        throw err;
      }
    }
    const fsProps = propertyArgs(p.values.get('O'));
    const mountpoint = valueOf(p, 'm');
    if (mountpoint !== undefined) {
      if (mountpoint !== 'none' && mountpoint !== 'legacy' && !mountpoint.startsWith('/')) {
        throw new ZfsError([`invalid mountpoint '${mountpoint}': must be an absolute path, 'legacy', or 'none'`]);
      }
      fsProps.push(['mountpoint', mountpoint]);
    }
    const poolProps = poolPropArgs;
    const altroot = valueOf(p, 'R');
    if (altroot !== undefined) {
      if (!altroot.startsWith('/')) throw new ZfsError([`invalid alternate root '${altroot}': must be an absolute path`]);
      poolProps.push(['altroot', altroot], ['cachefile', 'none']);
    }
    const dryRun = p.flags.has('n');
    const path = createPool(
      ctx.home,
      name,
      { image, vdevs: tree ? vdevs : undefined, size, force: p.flags.has('f'), noFeatures: p.flags.has('d'), dryRun, fsProps, poolProps, keyIo: keyIoOf(ctx), warn: (line) => ctx.err.write(line + '\n') },
      ctx.historyLine,
    );
    if (dryRun) ctx.out.write(`would create '${name}' with the following layout:\n\n` + (tree ? path : `\t${name}\n\t  ${path}\n`));
    return 0;
  },
};
