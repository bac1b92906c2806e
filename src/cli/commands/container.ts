/**
 * `tszfs container create [--pool POOL] IMAGE NAME`, `container ls`, `container rm [-f] NAME...`:
 * a container is an init layer and a writable layer cloned on top of an image's top layer, as
 * Docker's ZFS driver makes them (src/images/store.ts). The file commands work on POOL/NAME.
 */
import { commitContainer, containerDiff } from '../../images/containers.js';
import { createContainer, imagePool, listContainers, listImages, removeContainer, shortId } from '../../images/store.js';
import type { Command } from '../context.js';
import { drawTable } from '../format/table.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { helpIfAsked } from './shared.js';
import { layerProgress } from './image.js';

export const command: Command = {
  usage: [
    'container create [--pool <pool>] <image> <name>',
    'container ls [--pool <pool>]',
    'container rm [-f] [--pool <pool>] <name> ...',
    'container diff [--pool <pool>] <name>',
    'container commit [--pool <pool>] <name> [<repository>[:<tag>]]',
  ],
  run(ctx, args) {
    helpIfAsked(args);
    const [sub, ...rest] = args;
    switch (sub) {
      case 'create': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length < 2) throw new UsageError(p.operands.length === 0 ? 'missing image argument' : 'missing container name');
        if (p.operands.length > 2) throw new UsageError('too many arguments');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        ctx.out.write(`${createContainer(ctx.home, pool, p.operands[0], p.operands[1], ctx.historyLine)}\n`);
        return 0;
      }
      case 'ls':
      case 'list': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length > 0) throw new UsageError('too many arguments');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        const refs = new Map<string, string>();
        for (const img of listImages(ctx.home, pool)) if (!refs.has(img.top)) refs.set(img.top, img.ref === '<none>:<none>' ? shortId(img.id) : img.ref);
        const rows = listContainers(ctx.home, pool).map((c) => [c.name, refs.get(c.image) ?? c.image, c.dataset]);
        ctx.out.write(drawTable(['NAME', 'IMAGE', 'DATASET'], rows, ['left', 'left', 'left']));
        return 0;
      }
      case 'rm': {
        // -f: Docker's force stops a running container; tszfs runs none, so it changes nothing.
        const p = parseOptions(rest, { flags: 'f', longValues: ['pool'] });
        if (p.operands.length === 0) throw new UsageError('missing container name');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        for (const name of p.operands) {
          removeContainer(ctx.home, pool, name, ctx.historyLine);
          ctx.out.write(`${name}\n`);
        }
        return 0;
      }
      case 'diff': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length !== 1) throw new UsageError(p.operands.length === 0 ? 'missing container name' : 'too many arguments');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        ctx.out.write(containerDiff(ctx.home, pool, p.operands[0]).map((c) => `${c.kind} ${c.path}\n`).join(''));
        return 0;
      }
      case 'commit': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length === 0) throw new UsageError('missing container name');
        if (p.operands.length > 2) throw new UsageError('too many arguments');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        // The changes read into a layer tar, then that layer applied: one bar, relabelled.
        const bar = layerProgress(ctx, 'committing');
        let r;
        try {
          r = commitContainer(ctx.home, pool, p.operands[0], p.operands[1], ctx.historyLine, bar.report);
        } finally {
          bar.finish();
        }
        ctx.out.write(`${r.id}\n`);
        return 0;
      }
      case undefined:
        throw new UsageError('missing container command');
      default:
        throw new UsageError(`unrecognized container command '${sub}'`);
    }
  },
};
