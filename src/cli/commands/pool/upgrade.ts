/**
 * `zpool upgrade`, `zpool upgrade -v`, `zpool upgrade [-V version] <-a | pool ...>`
 * (zpool_main.c zpool_do_upgrade, upgrade_one, upgrade_cb, upgrade_list_*_cb): its texts as OpenZFS prints them.
 */
import { ZfsError } from '../../../lib/errors.js';
import { FEATURE_TABLE, isSupportedPoolVersion, LEGACY_VERSIONS, SPA_VERSION_FEATURES } from '../../../lib/features.js';
import { isFeatureEnabled, loadCompat, loadCompatForCommand, poolVersion } from '../../../lib/pool-features.js';
import type { PoolMeta } from '../../../engine/model.js';

const allowedByCompat = (meta: PoolMeta, name: string) => loadCompat(meta.props.compatibility).features.has(name);
import { upgradePool } from '../../../lib/pools.js';
import { forEachNamedPool } from '../../../lib/session.js';
import type { PoolHandle } from '../../../lib/pool-handle.js';
import type { Command, CommandContext } from '../../context.js';
import { parseOptions, UsageError, valueOf } from '../../parse.js';

function versionsText(): string {
  let s = 'The following features are supported:\n\nFEAT DESCRIPTION\n' + '-'.repeat(61) + '\n';
  for (const f of FEATURE_TABLE) {
    s += `${f.name.padEnd(37)}${f.flags.includes('readonly') ? ' (read-only compatible)' : ''}\n     ${f.desc}\n`;
  }
  s += '\nThe following legacy versions are also supported:\n\nVER  DESCRIPTION\n---  ' + '-'.repeat(56) + '\n';
  LEGACY_VERSIONS.forEach((d, i) => (s += ` ${String(i + 1).padEnd(2)}  ${d}\n`));
  return s + '\nFor more information on a particular version, including supported releases,\nsee the ZFS Administration Guide.\n\n';
}

/** upgrade_version + upgrade_enable_all for one pool; true when it changed. */
function upgradeOne(ctx: CommandContext, h: PoolHandle, version: number): boolean {
  const meta = h.pool.meta();
  const from = poolVersion(meta);
  if (from < version && meta.props.compatibility === 'legacy') {
    ctx.err.write("Upgrade not performed because 'compatibility' property set to 'legacy'.\n");
    throw new ZfsError([], 1);
  }
  // upgrade_enable_all: an unreadable compatibility set stops it with zpool_do_load_compat's line.
  if (version >= SPA_VERSION_FEATURES && from >= version) {
    const compat = loadCompatForCommand(meta.props.compatibility);
    if (compat.message) ctx.err.write(compat.message + '\n');
    if (!compat.ok) throw new ZfsError([], 1);
  }
  // Nothing to do: no transaction, no history line.
  if (from >= version && (version < SPA_VERSION_FEATURES || !FEATURE_TABLE.some((f) => !isFeatureEnabled(meta, f.name) && allowedByCompat(meta, f.name)))) return false;
  const r = upgradePool(h, version, ctx.historyLine);
  if (from < version) {
    ctx.out.write(
      version >= SPA_VERSION_FEATURES
        ? `Successfully upgraded '${h.name}' from version ${from} to feature flags.\n`
        : `Successfully upgraded '${h.name}' from version ${from} to version ${version}.\n`,
    );
  }
  if (r.enabled.length > 0) ctx.out.write(`Enabled the following features on '${h.name}':\n` + r.enabled.map((f) => `  ${f}\n`).join(''));
  return from < version || r.enabled.length > 0;
}

export const command: Command = {
  usage: ['upgrade', 'upgrade -v', 'upgrade [-V version] <-a | pool ...>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'av', values: 'V', reportMissing: true });
    const vArg = valueOf(p, 'V');
    let version = SPA_VERSION_FEATURES;
    if (vArg !== undefined) {
      const n = /^-?\d+$/.test(vArg) ? Number(vArg) : NaN;
      if (!isSupportedPoolVersion(n)) throw new UsageError(`invalid version '${vArg}'`);
      version = n;
    }
    const all = p.flags.has('a');
    const pools = p.operands;
    if (vArg !== undefined && !all && pools.length === 0) throw new UsageError('-V option is incompatible with other arguments');
    if (p.flags.has('v') && (all || pools.length > 0)) throw new UsageError('-v option is incompatible with other arguments');
    if (!p.flags.has('v') && all && pools.length > 0) throw new UsageError('-a option should not be used along with a pool name');
    ctx.out.write('This system supports ZFS pool feature flags.\n\n');
    if (p.flags.has('v')) {
      ctx.out.write(versionsText());
      return 0;
    }
    const everyPool = ctx.home.pools().map((e) => e.name).sort();
    const report = (lines: string[]) => ctx.err.write(lines.join('\n') + '\n');
    if (all) {
      let first = true;
      const failed = forEachNamedPool(ctx.home, everyPool, report, (h) => {
        if (upgradeOne(ctx, h, version)) {
          first = false;
          ctx.out.write('\n');
        }
      });
      if (!failed && first) {
        ctx.out.write(
          version === SPA_VERSION_FEATURES
            ? 'All pools are already formatted using feature flags.\n\nEvery feature flags pool already has all supported and requested features enabled.\n'
            : `All pools are already formatted with version ${version} or higher.\n`,
        );
      }
      return failed ? 1 : 0;
    }
    if (pools.length > 0) {
      const failed = forEachNamedPool(ctx.home, pools, report, (h) => {
        const cur = poolVersion(h.pool.meta());
        if (cur > version) {
          ctx.out.write(`Pool '${h.name}' is already formatted using more current version '${cur}'.\n\n`);
          return;
        }
        if (version !== SPA_VERSION_FEATURES && cur === version) {
          ctx.out.write(`Pool '${h.name}' is already formatted using version ${version}.\n\n`);
          return;
        }
        if (upgradeOne(ctx, h, version)) ctx.out.write('\n');
        else if (cur === SPA_VERSION_FEATURES) ctx.out.write(`Pool '${h.name}' already has all supported and requested features enabled.\n`);
      });
      return failed ? 1 : 0;
    }
    // No operands: list legacy pools, then feature-flags pools with features left disabled.
    let older = '';
    let disabled = '';
    const failed = forEachNamedPool(ctx.home, everyPool, report, (h) => {
      const meta = h.pool.meta();
      const v = poolVersion(meta);
      if (v < SPA_VERSION_FEATURES) older += `${String(v).padStart(2)}   ${h.name}\n`;
      else {
        const off = FEATURE_TABLE.filter((f) => !isFeatureEnabled(meta, f.name));
        if (off.length > 0) disabled += `${h.name}\n` + off.map((f) => `      ${f.name}\n`).join('');
      }
    });
    if (older === '') ctx.out.write('All pools are formatted using feature flags.\n\n');
    else {
      ctx.out.write(
        'The following pools are formatted with legacy version numbers and can\n' +
          'be upgraded to use feature flags.  After being upgraded, these pools\n' +
          'will no longer be accessible by software that does not support feature\nflags.\n\n' +
          "Note that setting a pool's 'compatibility' feature to 'legacy' will\ninhibit upgrades.\n\n" +
          'VER  POOL\n---  ------------\n' +
          older +
          "\nUse 'zpool upgrade -v' for a list of available legacy versions.\n",
      );
    }
    if (disabled === '') ctx.out.write('Every feature flags pool has all supported and requested features enabled.\n');
    else {
      ctx.out.write(
        '\nSome supported features are not enabled on the following pools. Once a\n' +
          'feature is enabled the pool may become incompatible with software\n' +
          'that does not support the feature. See zpool-features(7) for details.\n\n' +
          "Note that the pool 'compatibility' feature can be used to inhibit\nfeature upgrades.\n\n" +
          'POOL  FEATURE\n---------------\n' +
          disabled +
          '\n',
      );
    }
    return failed ? 1 : 0;
  },
};
