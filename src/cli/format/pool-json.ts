// `zpool list -j` / `zpool get -j` (OpenZFS 2.3 zpool_main.c fill_pool_info + zprop_nvlist_one_
// property): pools keyed by name (or guid), each with its identity and the asked properties.

import type { PoolPropValue, PoolStats } from '../../lib/pool-props.js';
import { jsonProperty, toJson, type JsonValue } from './props.js';

export interface PoolJsonRow {
  stats: PoolStats;
  props: Array<[string, PoolPropValue]>;
  /** zpool list -v -j: the vdevs */
  vdevs?: { [key: string]: JsonValue };
}

export function poolsJson(
  command: 'zpool list' | 'zpool get',
  rows: readonly PoolJsonRow[],
  opts: { parsable: boolean; asInt: boolean; keyByGuid: boolean },
): string {
  const num = (s: string): JsonValue => (opts.asInt ? BigInt(s) : s);
  const pools: Record<string, JsonValue> = {};
  for (const { stats, props, vdevs } of rows) {
    const properties: Record<string, JsonValue> = {};
    for (const [name, v] of props) properties[name] = jsonProperty(opts.parsable ? v.literal : v.human, v.source, opts.asInt);
    pools[opts.keyByGuid ? stats.guid : stats.name] = {
      name: stats.name,
      type: 'POOL',
      state: stats.health,
      pool_guid: num(stats.guid),
      txg: num(String(stats.txg)),
      spa_version: num('5000'),
      zpl_version: num('5'),
      properties,
      ...(vdevs ? { vdevs } : {}),
    };
  }
  return toJson({ output_version: { command, vers_major: 0n, vers_minor: 1n }, pools }) + '\n';
}
