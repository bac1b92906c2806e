/**
 * `zpool import [-d dir]...` lists the pools that can be imported from the directories (default:
 * ZPOOL_IMPORT_PATH, else the tszfs home); `zpool import [-d dir]... [-o prop=value]... [-R root]
 * [-N] [-f] <pool | id> [newpool]` and `-a` import.
 */
import { ZfsError } from '../../../lib/errors.js';
import { invocationEnv } from '../../../lib/env.js';
import { findImportable, importPool, type Importable } from '../../../lib/pool-import.js';
import { findPoolProperty } from '../../../lib/pool-props.js';
import type { Command } from '../../context.js';
import { parseOptions, UsageError } from '../../parse.js';

/** show_import(): one pool's paragraph and its config tree. */
function showImport(p: Importable): string {
  const indent = p.comment !== undefined ? ' ' : '';
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
