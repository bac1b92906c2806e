/**
 * `zfs upgrade`, `zfs upgrade -v`, `zfs upgrade [-r] [-V version] <-a | filesystem ...>`
 * (zfs_main.c zfs_do_upgrade, upgrade_list_callback, upgrade_set_callback).
 */
import { ZfsError } from '../../lib/errors.js';
import { ZPL_VERSION, ZPL_VERSIONS } from '../../lib/features.js';
import { filesystemVersions, upgradeFilesystem, type FsVersion } from '../../lib/datasets/versions.js';
import { withPool } from '../../lib/session.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

const poolOf = (name: string) => name.split(/[/@]/)[0];

export const command: Command = {
  usage: ['upgrade [-v]', 'upgrade [-r] [-V version] <-a | filesystem ...>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'rva', values: 'V', reportMissing: true });
    const vArg = valueOf(p, 'V');
    let version = 0;
    if (vArg !== undefined) {
      const n = vArg === 'current' ? ZPL_VERSION : /^[1-5]$/.test(vArg) ? Number(vArg) : NaN;
      if (Number.isNaN(n)) throw new UsageError(`invalid version ${vArg}`);
      version = n;
    }
    const all = p.flags.has('a');
    const recurse = p.flags.has('r');
    const show = p.flags.has('v');
    const fss = p.operands;
    // zfs_do_upgrade's usage checks: bare usage, no message.
    if (!all && fss.length === 0 && (recurse || version !== 0)) throw new UsageError(null);
    if (show && (recurse || all || version !== 0 || fss.length > 0)) throw new UsageError(null);
    if (all && fss.length > 0) throw new UsageError(null);
    if (show) {
      ctx.out.write(
        'The following filesystem versions are supported:\n\nVER  DESCRIPTION\n---  ' + '-'.repeat(56) + '\n' +
          ZPL_VERSIONS.map((d, i) => ` ${i + 1}   ${d}\n`).join('') +
          '\nFor more information on a particular version, including supported releases,\nsee the ZFS Administration Guide.\n\n',
      );
      return 0;
    }
    const pools = ctx.home.pools().map((e) => e.name).sort();
    if (fss.length > 0 || all) {
      const target = version === 0 ? ZPL_VERSION : version;
      let upgraded = 0;
      let same = 0;
      let failed = 0;
      const logged = new Set<string>();
      const visit = (h: Parameters<Parameters<typeof withPool>[2]>[0], list: FsVersion[]) => {
        for (const fs of list) {
          // The command line goes once into each pool's history, with its first upgrade.
          const r = upgradeFilesystem(h, fs.name, target, logged.has(h.name) ? null : ctx.historyLine);
          if (r === 'upgraded') {
            upgraded++;
            logged.add(h.name);
          }
          else if (r === 'same') same++;
          else if ('needsPool' in r) {
            ctx.out.write(`${fs.name}: can not be upgraded; the pool version needs to first be upgraded\nto version ${r.needsPool}\n\n`);
            failed++;
          } else {
            ctx.out.write(`${fs.name}: can not be downgraded; it is already at version ${r.downgrade}\n`);
            failed++;
          }
        }
      };
      if (all) for (const pool of pools) withPool(ctx.home, pool, (h) => visit(h, filesystemVersions(h)));
      else {
        for (const name of fss) {
          // zfs_open(name, ZFS_TYPE_FILESYSTEM)'s refusals.
          const problem = withPool(
            ctx.home,
            poolOf(name),
            (h) => {
              const list = filesystemVersions(h, name);
              if (list === null) return 'dataset does not exist';
              if (list === 'volume') return 'operation not applicable to datasets of this type';
              visit(h, recurse ? list : [list[0]]);
              return null;
            },
            { onMissing: () => 'dataset does not exist' },
          );
          if (problem !== null) {
            ctx.err.write(`cannot open '${name}': ${problem}\n`);
            failed++;
          }
        }
      }
      ctx.out.write(`${upgraded} filesystems upgraded\n`);
      if (same > 0) ctx.out.write(`${same} filesystems already at this version\n`);
      return failed > 0 ? 1 : 0;
    }
    ctx.out.write(`This system is currently running ZFS filesystem version ${ZPL_VERSION}.\n\n`);
    const old: FsVersion[] = [];
    for (const pool of pools) withPool(ctx.home, pool, (h) => old.push(...filesystemVersions(h).filter((f) => f.version < ZPL_VERSION)));
    if (old.length === 0) {
      ctx.out.write('All filesystems are formatted with the current version.\n');
      return 0;
    }
    ctx.out.write(
      "The following filesystems are out of date, and can be upgraded.  After being\nupgraded, these filesystems (and any 'zfs send' streams generated from\nsubsequent snapshots) will no longer be accessible by older software versions.\n\n\n" +
        'VER  FILESYSTEM\n---  ------------\n' +
        old.map((f) => `${String(f.version).padStart(2)}   ${f.name}\n`).join(''),
    );
    return 0;
  },
};
