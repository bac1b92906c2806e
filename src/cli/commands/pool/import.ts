/**
 * `zpool import [-d dir]...` lists the pools that can be imported from the directories (default:
 * ZPOOL_IMPORT_PATH, else the tszfs home); `zpool import [-d dir]... [-o prop=value]... [-R root]
 * [-N] [-f] <pool | id> [newpool]` and `-a` import.
 */
import * as fs from 'node:fs';
import { ZfsError } from '../../../lib/errors.js';
import { invocationEnv } from '../../../lib/env.js';
import { findImportable, importPool, type Importable } from '../../../lib/pool-import.js';
import { findPoolProperty } from '../../../lib/pool-props.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

/** print_import_config and print_class_vdevs: the tree of a pool of several devices, each
 *  device ONLINE when its file is there. */
function importTree(p: Importable): string {
  const tree = p.tree!;
  const present = (f: string) => fs.existsSync(f);
  const rows: Array<[number, string, string] | string> = [];
  const leaf = (depth: number, path: string): [number, string, string] => [depth, path, present(path) ? 'ONLINE' : 'UNAVAIL  cannot open'];
  // A hot spare standing in for a device: spare-N of the two, DEGRADED while the device is gone.
  const child = (c: (typeof tree.tops)[number]['children'][number], n: number, depth: number): Array<[number, string, string]> => {
    if (!c.replaced) return [leaf(depth, c.path)];
    const state = !present(c.path) ? 'UNAVAIL  insufficient replicas' : present(c.replaced.path) ? 'ONLINE' : 'DEGRADED';
    return [[depth, `spare-${n}`, state], leaf(depth + 2, c.replaced.path), leaf(depth + 2, c.path)];
  };
  const tops = (cls: string | undefined) =>
    tree.tops.forEach((top, i) => {
      if (top.class !== cls || top.type === 'hole') return;
      // print_import_config shows a removed vdev (status and list do not)
      if (top.type === 'indirect') return void rows.push([2, `indirect-${i}`, 'ONLINE']);
      if (top.type === 'file') {
        rows.push(...child(top.children[0], i, 2));
        return;
      }
      const missing = top.children.filter((c) => !present(c.path)).length;
      const tolerated = top.type === 'mirror' ? top.children.length - 1 : top.nparity;
      const spared = top.children.some((c) => c.replaced && !present(c.replaced.path));
      const state = missing === 0 ? (spared ? 'DEGRADED' : 'ONLINE') : missing <= tolerated ? 'DEGRADED' : 'UNAVAIL  insufficient replicas';
      rows.push([2, `${top.type === 'raidz' ? `raidz${top.nparity}` : 'mirror'}-${i}`, state]);
      top.children.forEach((c, n) => rows.push(...child(c, n, 4)));
    });
  tops(undefined);
  const data = rows.filter((r): r is [number, string, string] => typeof r !== 'string');
  const poolState = data.some((r) => r[0] === 2 && r[2].startsWith('UNAVAIL')) ? 'UNAVAIL' : data.some((r) => r[2] !== 'ONLINE') ? 'DEGRADED' : 'ONLINE';
  if (tree.cache.length > 0) rows.push('\tcache\n', ...tree.cache.map((c) => `\t  ${c.path}\n`));
  if (tree.spares.length > 0) rows.push('\tspares\n', ...tree.spares.map((c) => `\t  ${c.path}\n`));
  for (const [header, cls] of [['dedup', 'dedup'], ['special', 'special'], ['logs', 'log']]) {
    if (!tree.tops.some((t) => t.class === cls)) continue;
    rows.push(`\t${header}\n`);
    tops(cls);
  }
  const width = Math.max(10, p.name.length, ...rows.map((r) => (typeof r === 'string' ? 0 : r[0] + r[1].length)));
  return (
    `\t${p.name.padEnd(width)}  ${poolState}\n` +
    rows.map((r) => (typeof r === 'string' ? r : `\t${' '.repeat(r[0])}${r[1].padEnd(width - r[0])}  ${r[2]}\n`)).join('')
  );
}

/** show_import(): one pool's paragraph and its config tree. */
function showImport(p: Importable): string {
  const indent = p.comment !== undefined ? ' ' : '';
  if (p.tree) {
    const config = importTree(p);
    const state = config.split('\n')[0].trim().split(/\s+/)[1];
    // A device missing: ZPOOL_STATUS_MISSING_DEV_R (importable, degraded) or _NR (not).
    const action =
      state === 'ONLINE'
        ? 'The pool can be imported using its name or numeric identifier.\n'
        : state === 'DEGRADED'
          ? `The pool can be imported despite missing or damaged devices.  The\n\t${indent}fault tolerance of the pool may be compromised if imported.\n`
          : `The pool cannot be imported. Attach the missing\n\t${indent}devices and try again.\n`;
    return (
      `${indent}  pool: ${p.name}\n` +
      `${indent}    id: ${p.guid}\n` +
      `${indent} state: ${state}\n` +
      (state === 'ONLINE' ? '' : `${indent}status: One or more devices are missing from the system.\n`) +
      (p.comment !== undefined ? `${indent}comment: ${p.comment}\n` : '') +
      `${indent}action: ${action}` +
      (state === 'ONLINE' ? '' : `${indent}   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-${state === 'DEGRADED' ? '2Q' : '3C'}\n`) +
      `${indent}config:\n\n` +
      config
    );
  }
  const width = Math.max(10, p.name.length, p.image.length + 2);
  return (
    `${indent}  pool: ${p.name}\n` +
    `${indent}    id: ${p.guid}\n` +
    `${indent} state: ONLINE\n` +
    (p.comment !== undefined ? `${indent}comment: ${p.comment}\n` : '') +
    `${indent}action: The pool can be imported using its name or numeric identifier.\n` +
    `${indent}config:\n\n` +
    `\t${p.name.padEnd(width)}  ONLINE\n` +
    `\t  ${p.image.padEnd(width - 2)}  ONLINE\n`
  );
}

export const command: Command = {
  usage: [
    'import [-d dir] [-D]',
    'import [-o mntopts] [-o property=value] ... ',
    '    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]] -a',
    'import [-o mntopts] [-o property=value] ... ',
    '    [-d dir | -c cachefile] [-D] [-l] [-f] [-m] [-N] [-R root] [-F [-n]]',
    '    [--rewind-to-checkpoint] <pool | id> [newpool]',
  ],
  run(ctx, args) {
    // -f (a pool in use elsewhere): tszfs keeps no host id, so any pool found can be imported.
    // -o without '=' are mount options, and -m, -l and -D have nothing to act on: no-ops here.
    const p = parseOptions(args, { flags: 'afNDlm', values: 'doR', repeated: 'do', reportMissing: true });
    // add_prop_list, in command-line order: -R sets altroot, and cachefile=none unless given.
    const props: Array<[string, string]> = [];
    const given = new Set<string>();
    const add = (name: string, value: string, orDefault = false) => {
      const canonical = findPoolProperty(name)?.name ?? name;
      // zpool_name_to_prop or zpool_prop_feature (a user property is neither).
      if (!findPoolProperty(name) && !name.startsWith('feature@')) throw new UsageError(`property '${name}' is not a valid pool or vdev property`);
      if (given.has(canonical)) {
        if (orDefault) return;
        if (canonical !== 'cachefile') throw new UsageError(`property '${name}' specified multiple times`);
        props.splice(props.findIndex(([n]) => n === canonical), 1);
      }
      given.add(canonical);
      props.push([name, value]);
    };
    for (const [option, value] of p.sequence) {
      if (option === 'o' && value.includes('=')) add(value.slice(0, value.indexOf('=')), value.slice(value.indexOf('=') + 1));
      else if (option === 'R') {
        add('altroot', value);
        add('cachefile', 'none', true);
      }
    }
    if (p.flags.has('l') && p.flags.has('N')) throw new UsageError('-l is incompatible with -N');
    if (p.flags.has('l') && !p.flags.has('a') && p.operands.length === 0) throw new UsageError('-l is only meaningful during an import');
    const dirs = p.values.get('d') ?? importPath(ctx.home.dir);
    const opts = { props, noMount: p.flags.has('N') };
    if (p.flags.has('a')) {
      if (p.operands.length > 0) throw new UsageError('too many arguments');
      let status = 0;
      for (const found of findImportable(ctx.home, dirs)) {
        try {
          importPool(ctx.home, dirs, found.guid, undefined, ctx.historyLine, opts);
        } catch (err) {
          if (!(err instanceof ZfsError)) throw err;
          ctx.err.write(err.lines.join('\n') + '\n');
          status = 1;
        }
      }
      return status;
    }
    if (p.operands.length === 0) {
      const pools = findImportable(ctx.home, dirs);
      if (pools.length === 0) ctx.err.write('no pools available to import\n');
      ctx.out.write(pools.map(showImport).join('\n'));
      return 0;
    }
    if (p.operands.length > 2) throw new UsageError('too many arguments');
    importPool(ctx.home, dirs, p.operands[0], p.operands[1], ctx.historyLine, opts);
    return 0;
  },
};

/** Where import looks without -d: ZPOOL_IMPORT_PATH (colon-separated), else the tszfs home. */
function importPath(home: string): string[] {
  const env = invocationEnv().ZPOOL_IMPORT_PATH;
  const dirs = env?.split(':').filter((d) => d !== '') ?? [];
  return dirs.length > 0 ? dirs : [home];
}
