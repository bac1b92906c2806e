/** `zpool status [pool] ...`: the pool's one file vdev, in OpenZFS's layout. */
import { ZfsError } from '../../../lib/errors.js';
import { forEachNamedPool } from '../../../lib/session.js';
import { damagedFiles, poolHealth, type PoolHealth } from '../../../lib/health.js';
import { errorColumns, errorsSection, featureParagraph, removalLines, scanLine, statusParagraph, statusReason } from './status-health.js';
import { featureStatus, type FeatureStatus } from '../../../lib/pool-features.js';
import type { Command } from '../../context.js';
import { nicenum } from '../../format/nicenum.js';
import type { VdevRow } from '../../../lib/vdev-status.js';
import { parseOptions, UsageError } from '../../parse.js';
import { imageRows, statusJson } from './status-json.js';
import { toJson, type JsonValue } from '../../format/props.js';
import { poolStats } from '../../../lib/pools.js';


/** A pool of several devices: every vdev with its own state and counters. */
function treeStatus(name: string, health: PoolHealth, files: string[] | null, features: FeatureStatus): string {
  const rows = health.vdevs!.rows;
  const width = Math.max(10, rows[0].nameFloor ?? 0, ...rows.map((r) => r.name.length + r.depth));
  const count = (n: number) => nicenum(n).padStart(5);
  const line = (r: VdevRow) => {
    if (r.header) return `\t${r.name}\n`;
    const head = `\t${' '.repeat(r.depth)}${r.name.padEnd(width - r.depth)}  ${r.state!.padEnd(8)}`;
    const errors = r.errors ? ` ${count(r.errors.read)} ${count(r.errors.write)} ${count(r.errors.cksum)}` : '';
    return head + errors + (r.aux ? `  ${r.aux}` : '') + (r.noalloc ? '  (non-allocating)' : '') + '\n';
  };
  return (
    `  pool: ${name}\n state: ${health.vdevs!.state}\n` +
    (statusReason(health) === 'ok' ? featureParagraph(features) : statusParagraph(health)) +
    scanLine(health) +
    removalLines(health) +
    `config:\n\n` +
    `\t${'NAME'.padEnd(width)}  ${'STATE'.padEnd(8)} ${'READ'.padStart(5)} ${'WRITE'.padStart(5)} ${'CKSUM'.padStart(5)}\n` +
    rows.map(line).join('') +
    '\n' +
    errorsSection(health, files)
  );
}

function status(name: string, image: string, health: PoolHealth, files: string[] | null, features: FeatureStatus): string {
  if (health.vdevs) return treeStatus(name, health, files, features);
  const width = Math.max(10, name.length, image.length + 2);
  const row = (indent: number, label: string) =>
    `\t${' '.repeat(indent)}${label.padEnd(width - indent)}  ${'ONLINE'.padEnd(8)} ${errorColumns(health)}\n`;
  return (
    `  pool: ${name}\n state: ONLINE\n` +
    // check_status: a health problem first; the version and feature notices only for a healthy pool.
    (statusReason(health) === 'ok' ? featureParagraph(features) : statusParagraph(health)) +
    scanLine(health) +
    `config:\n\n` +
    `\t${'NAME'.padEnd(width)}  ${'STATE'.padEnd(8)} ${'READ'.padStart(5)} ${'WRITE'.padStart(5)} ${'CKSUM'.padStart(5)}\n` +
    row(0, name) +
    row(2, image) +
    '\n' +
    errorsSection(health, files)
  );
}

export const command: Command = {
  usage: ['status [-DegiLpPstvx] [-T d|u] [-c script1[,script2,...]] ...', '    [-j|--json [--json-flat-vdevs] [--json-int] [--json-pool-key-guid]] ...', '    [pool] ... [interval [count]]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'vxLPpj', longFlags: ['json', 'json-int', 'json-flat-vdevs', 'json-pool-key-guid'] });
    const json = p.flags.has('j') || p.flags.has('json');
    if (p.flags.has('json-flat-vdevs') && !json) throw new UsageError("'--json-flat-vdevs' only works with '-j' option");
    if (p.flags.has('json-int') && !json) throw new UsageError("'--json-int' only works with '-j' option");
    if (p.flags.has('json-pool-key-guid') && !json) throw new UsageError("'json-pool-key-guid' only works with '-j' option");
    const asInt = p.flags.has('json-int');
    const pools: Record<string, JsonValue> = {};
    const names = p.operands.length > 0 ? p.operands : ctx.home.pools().map((e) => e.name);
    if (names.length === 0) throw new ZfsError(['no pools available'], 0);
    // -x (cb_explain): only pools with a problem; a healthy pool named on the command line says so.
    const explain = p.flags.has('x');
    const allPools = p.operands.length === 0;
    let first = true;
    // A damaged pool is reported and the others are still shown.
    const failed = forEachNamedPool(
      ctx.home,
      names,
      (lines) => ctx.err.write(lines.join('\n') + '\n'),
      (h) => {
        const health = poolHealth(h);
        if (json) {
          const reason = statusReason(health);
          if (explain && reason === 'ok') return;
          const stats = poolStats(h);
          const num = (n: string): JsonValue => (asInt ? BigInt(n) : n);
          const identity = { name: h.name, state: stats.health, pool_guid: num(stats.guid), txg: num(String(stats.txg)), spa_version: num('5000'), zpl_version: num('5') };
          const rows = health.vdevs?.rows ?? imageRows(h.name, h.image, stats.guid, health.errors, stats.size, stats.allocated);
          const files = p.flags.has('v') ? damagedFiles(h) : null;
          const paragraph = reason === 'ok' ? featureParagraph(featureStatus(h.pool.meta())) : statusParagraph(health);
          const item = statusJson(h.name, identity, health, rows, paragraph, files, { literal: p.flags.has('p'), asInt, flat: p.flags.has('json-flat-vdevs'), verbose: p.flags.has('v') });
          pools[p.flags.has('json-pool-key-guid') ? stats.guid : h.name] = item;
          first = false;
          return;
        }
        if (explain && statusReason(health) === 'ok') {
          if (allPools) return;
          ctx.out.write(`pool '${h.name}' is healthy\n`);
        } else {
          if (!first) ctx.out.write('\n');
          ctx.out.write(status(h.name, h.image, health, p.flags.has('v') ? damagedFiles(h) : null, featureStatus(h.pool.meta())));
        }
        first = false;
      },
      { skipDamaged: true },
    );
    if (json) ctx.out.write(toJson({ output_version: { command: 'zpool status', vers_major: 0n, vers_minor: 1n }, pools }) + '\n');
    // A pool that could not be opened is not healthy: it was reported above.
    if (explain && allPools && first && !failed && !json) ctx.out.write('all pools are healthy\n');
    if (failed) throw new ZfsError([], 1);
    return 0;
  },
};
