/**
 * `tszfs find DATASET[@SNAP] [PATH] [-type X] [-name GLOB] [-newer REF]`: every object under PATH
 * (default `/`) that matches all the tests given, printed as find prints it. REF is a path of the
 * same dataset (or snapshot); -newer compares modification times to the nanosecond.
 */
import { ZfsError } from '../../lib/errors.js';
import { lookupPath, walkTree } from '../../lib/tree-read.js';
import type { Dnode, Timespec } from '../../engine/model.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

const TYPES: Record<string, Dnode['type']> = { f: 'file', d: 'dir', l: 'symlink', c: 'chardev', b: 'blockdev', p: 'fifo', s: 'socket' };

/** fnmatch(3) without flags: `*`, `?`, `[...]` (with `!` or `^`), `\` escapes; a leading dot matches `*` too, as find -name. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < glob.length) re += glob[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = glob.slice(i + 1, end);
        if (set.startsWith('!') || set.startsWith('^')) set = '^' + set.slice(1);
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

const newer = (a: Timespec, b: Timespec) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

export const command: Command = {
  usage: ['find <filesystem|snapshot> [<path>] [-type f|d|l|c|b|p|s] [-name <glob>] [-newer <path>]'],
  run(ctx, args) {
    // Help as every command gives it (its tests take no -h, -? or --help argument).
    if (args.some((a) => ['--help', '-?', '-h'].includes(a))) parseOptions(args, {});
    const [dataset, ...rest] = args;
    if (dataset === undefined || dataset.startsWith('-')) throw new UsageError('missing dataset argument');
    const path = rest[0] !== undefined && !rest[0].startsWith('-') ? rest.shift()! : '/';
    const tests: Array<(dn: Dnode, name: string) => boolean> = [];
    while (rest.length > 0) {
      const test = rest.shift()!;
      const arg = rest.shift();
      if (!['-type', '-name', '-newer'].includes(test)) throw new ZfsError([`find: unknown predicate '${test}'`], 1);
      if (arg === undefined) throw new ZfsError([`find: missing argument to '${test}'`], 1);
      if (test === '-type') {
        const type = TYPES[arg];
        if (!type) throw new ZfsError([`find: Unknown argument to -type: ${arg}`], 1);
        tests.push((dn) => dn.type === type);
      } else if (test === '-name') {
        const re = globRegExp(arg);
        tests.push((_dn, name) => re.test(name));
      } else {
        const ref = lookupPath(ctx.home, dataset, arg, (f) => `find: '${f}'`).mtime;
        tests.push((dn) => newer(dn.mtime, ref));
      }
    }
    const lines: string[] = [];
    walkTree(ctx.home, dataset, path, (f) => `find: '${f}'`, false, (e) => {
      const name = e.path === '/' ? '/' : (e.path.split('/').pop() ?? '');
      if (tests.every((t) => t(e.dnode, name))) lines.push(e.path + '\n');
    });
    ctx.out.write(lines.join(''));
    return 0;
  },
};
