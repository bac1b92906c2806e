/**
 * `tszfs du [-a] [-s] [-h] DATASET[@SNAP] [PATH]`: space taken in the pool under PATH, in 1K
 * blocks as du counts them (each directory's total, every object's with -a, PATH's alone with -s).
 * A hard-linked object counts once. A directory, symlink, device, FIFO or socket takes no block.
 */
import { walkTree } from '../../lib/tree-read.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

/** du -h: 1024-based, one decimal below 10, rounded up as du rounds (ceiling). */
function human(kib: number): string {
  let n = kib * 1024;
  if (n < 1024) return String(n);
  const units = ['K', 'M', 'G', 'T', 'P', 'E'];
  let u = -1;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return n < 10 ? `${(Math.ceil(n * 10) / 10).toFixed(1)}${units[u]}` : `${Math.ceil(n)}${units[u]}`;
}

export const command: Command = {
  usage: ['du [-ash] <filesystem|snapshot> [<path>]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'ash' });
    const [dataset, path = '/', ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const show = (kib: number) => (p.flags.has('h') ? human(kib) : String(kib));
    // Post-order, as du prints: a directory after its entries; `stack` holds the open directories.
    const stack: Array<{ path: string; depth: number; kib: number }> = [];
    const seen = new Set<number>();
    const lines: string[] = [];
    const close = (depth: number) => {
      while (stack.length > 0 && stack[stack.length - 1].depth >= depth) {
        const done = stack.pop()!;
        if (!p.flags.has('s') || stack.length === 0) lines.push(`${show(done.kib)}\t${done.path}\n`);
        if (stack.length > 0) stack[stack.length - 1].kib += done.kib;
      }
    };
    walkTree(ctx.home, dataset, path, (f) => `du: cannot access '${f}'`, true, (e) => {
      const depth = e.path === path ? 0 : e.path.slice(path === '/' ? 0 : path.replace(/\/+$/, '').length).split('/').length - 1;
      close(depth);
      const kib = seen.has(e.object) ? 0 : Math.ceil(e.allocated / 1024);
      seen.add(e.object);
      if (e.dnode.type === 'dir') stack.push({ path: e.path, depth, kib });
      else if (stack.length === 0) lines.push(`${show(kib)}\t${e.path}\n`);
      else {
        stack[stack.length - 1].kib += kib;
        if (p.flags.has('a') && !p.flags.has('s')) lines.push(`${show(kib)}\t${e.path}\n`);
      }
    });
    close(0);
    ctx.out.write(lines.join(''));
    return 0;
  },
};
