/**
 * `tszfs system df [-v] [-p] [--pool POOL]`: the space images, their layers and containers take,
 * as `docker system df` shows it, from the datasets' `used`, `referenced` and `written`
 * (src/images/space.ts gives the rule). `-v` adds a table per image, per layer and per container;
 * `-p` prints exact byte counts.
 */
import { imagesSpace } from '../../images/space.js';
import { imagePool, shortId } from '../../images/store.js';
import type { Command } from '../context.js';
import { nicenum } from '../format/nicenum.js';
import { drawTable } from '../format/table.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { helpIfAsked } from './shared.js';

export const command: Command = {
  usage: ['system df [-v] [-p] [--pool <pool>]'],
  run(ctx, args) {
    helpIfAsked(args);
    const [sub, ...rest] = args;
    if (sub === undefined) throw new UsageError('missing system command');
    if (sub !== 'df') throw new UsageError(`unrecognized system command '${sub}'`);
    const p = parseOptions(rest, { flags: 'vp', longValues: ['pool'] });
    if (p.operands.length > 0) throw new UsageError('too many arguments');
    const pool = imagePool(ctx.home, valueOf(p, 'pool'));
    const s = imagesSpace(ctx.home, pool, p.flags.has('v'));
    const size = (n: number) => (p.flags.has('p') ? String(n) : nicenum(n));
    const share = (part: number, whole: number) => `${size(part)} (${whole > 0 ? Math.round((part / whole) * 100) : 0}%)`;
    const images = new Map(s.images.map((i) => [i.top, i]));
    const layerBytes = s.layers.reduce((n, l) => n + l.used, 0);
    const containerBytes = s.containers.reduce((n, c) => n + c.size, 0);
    const active = [...images.values()].filter((i) => i.containers > 0).length;
    const right = ['left', 'right', 'right', 'right', 'right'] as const;
    const summary = [
      ['Images', String(images.size), String(active), size(layerBytes), share(s.reclaimable, layerBytes)],
      // Containers never run here: all of their space can be given back.
      ['Containers', String(s.containers.length), '0', size(containerBytes), share(containerBytes, containerBytes)],
    ];
    if (!p.flags.has('v')) {
      ctx.out.write(drawTable(['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], summary, right));
      return 0;
    }
    const imageRows = s.images.map((i) => {
      const at = i.ref.lastIndexOf(':');
      return [i.ref.slice(0, at), i.ref.slice(at + 1), shortId(i.id), size(i.size), size(i.shared), size(i.unique), String(i.containers)];
    });
    const layerRows = s.layers.map((l) => [l.dataset, shortId(l.diffId), size(l.used), size(l.referenced), size(l.written), size(l.referenced - l.written), String(l.images.length)]);
    const byTop = new Map(s.images.map((i) => [i.top, i.ref === '<none>:<none>' ? shortId(i.id) : i.ref]));
    const containerRows = s.containers.map((c) => [c.name, byTop.get(c.image) ?? c.image, size(c.size), c.dataset]);
    ctx.out.write('Images space usage:\n\n');
    ctx.out.write(drawTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], imageRows, ['left', 'left', 'left', 'right', 'right', 'right', 'right']));
    ctx.out.write('\nLayers space usage:\n\n');
    ctx.out.write(drawTable(['LAYER', 'DIFF ID', 'USED', 'REFER', 'WRITTEN', 'SHARED', 'IMAGES'], layerRows, ['left', 'left', 'right', 'right', 'right', 'right', 'right']));
    ctx.out.write('\nContainers space usage:\n\n');
    ctx.out.write(drawTable(['CONTAINER', 'IMAGE', 'SIZE', 'DATASET'], containerRows, ['left', 'left', 'right', 'left']));
    return 0;
  },
};
