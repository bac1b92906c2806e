/** Usage text in zfs_main's layout (openzfs-reference.md §8). */
import { POOL_PROPERTIES, type PoolPropDef } from '../lib/pool-props.js';
import { PROPERTIES, type PropDef } from '../lib/properties/table.js';
import { VDEV_PROPERTIES, type VdevPropDef } from '../lib/vdev-props.js';
import type { Command, Family } from './context.js';

const FOOTER = [
  '',
  'For the property list, run: zfs set|get',
  '',
  'For the delegated permission list, run: zfs allow|unallow',
  '',
  'For further help on a command or topic, run: zfs help [<topic>]',
];

/** zpool commands whose usage ends with the pool property table. */
const POOL_WITH_PROPERTIES = new Set(['get', 'set', 'list']);

/** zpool_main usage(): visible pool properties, read-only first, then `feature@...`. */
function poolPropertyTable(): string[] {
  const byName = (a: PoolPropDef, b: PoolPropDef) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const readOnly = POOL_PROPERTIES.filter((p) => p.edit === 'readonly').sort(byName);
  const rest = POOL_PROPERTIES.filter((p) => p.edit !== 'readonly').sort(byName);
  const row = (p: PoolPropDef) => `\t${p.name.padEnd(19)}  ${p.edit === 'readonly' ? '  NO   ' : ' YES   '}${p.valuesHelp}`;
  return [
    '',
    'the following properties are supported:',
    '',
    `\t${'PROPERTY'.padEnd(19)}  EDIT   VALUES`,
    '',
    ...readOnly.map(row),
    ...rest.map(row),
    `\t${'feature@...'.padEnd(19)}   YES   disabled | enabled | active`,
    '',
    'The feature@ properties must be appended with a feature name.',
    'See zpool-features(7).',
  ];
}

/** zpool_main usage() for vdev properties (print_vdev_prop_cb): read-only first, each by name. */
function vdevPropertyTable(): string[] {
  const byName = (a: VdevPropDef, b: VdevPropDef) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const visible = VDEV_PROPERTIES.filter((p) => !p.hidden);
  const rows = [...visible.filter((p) => p.readonly).sort(byName), ...visible.filter((p) => !p.readonly).sort(byName)];
  const row = (p: VdevPropDef) => `\t${p.name.padEnd(19)}  ${p.readonly ? '  NO   ' : ' YES   '}${p.valuesHelp ?? '-'}`;
  return ['', 'the following properties are supported:', '', `\t${'PROPERTY'.padEnd(19)}  EDIT   VALUES`, '', ...rows.map(row)];
}

/** Commands whose usage ends with the property table instead of the footer. */
const WITH_PROPERTIES = new Set(['list', 'get', 'set', 'inherit']);

/** The usage of `name` (zfs_main's usage() for the current command); with `example` (asked for
 *  help: `help CMD`, `CMD --help`), that example under it, as the program was invoked. */
export function commandUsage(family: Family, name: string, command: Command, example?: string, table: 'pool' | 'vdev' = 'pool'): string {
  const lines = ['usage:', ...command.usage.map((l) => `\t${l}`)];
  if (example !== undefined) lines.push('', 'example:', `\t${example}`);
  if (family === 'zfs') lines.push(...(WITH_PROPERTIES.has(name) ? propertyTable() : FOOTER));
  else if (POOL_WITH_PROPERTIES.has(name)) lines.push(...(table === 'vdev' ? vdevPropertyTable() : poolPropertyTable()));
  return lines.join('\n') + '\n';
}

/** The fixed rows usage() prints after the table: per-user and `written@` pseudo-properties. */
const PSEUDO_ROWS: Array<[string, string]> = [
  ...['user', 'group', 'project', 'userobj', 'groupobj', 'projectobj'].map((w): [string, string] => [`${w}used@...`, ' NO       NO   <size>']),
  ...['user', 'group', 'project', 'userobj', 'groupobj', 'projectobj'].map((w): [string, string] => [`${w}quota@...`, 'YES       NO   <size> | none']),
  ['written@<snap>', ' NO       NO   <size>'],
  ['written#<bookmark>', ' NO       NO   <size>'],
];

/** zfs_main usage(): visible properties, read-only ones first, each group by name (zprop_compare). */
function propertyTable(): string[] {
  const visible = PROPERTIES.filter((p) => !p.hidden);
  const byName = (a: PropDef, b: PropDef) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const readOnly = visible.filter((p) => p.attr === 'readonly').sort(byName);
  const rest = visible.filter((p) => p.attr !== 'readonly').sort(byName);
  // zfs_prop_readonly() also counts the set-once properties: EDIT reads NO for them.
  const row = (p: PropDef) =>
    `\t${p.name.padEnd(22)} ${p.settable ? 'YES    ' : ' NO    '}${p.inheritable ? '  YES   ' : '   NO   '}${p.valuesHelp}`;
  return [
    '',
    'The following properties are supported:',
    '',
    '\tPROPERTY              EDIT  INHERIT   VALUES',
    '',
    ...readOnly.map(row),
    ...rest.map(row),
    ...PSEUDO_ROWS.map(([name, text]) => `\t${name.padEnd(22)} ${text}`),
    '',
    'Sizes are specified in bytes with standard units such as K, M, G, etc.',
    '',
    'User-defined properties can be specified by using a name containing a colon (:).',
    '',
    'The {user|group|project}[obj]{used|quota}@ properties must be appended with',
    'a user|group|project specifier of one of these forms:',
    '    POSIX name      (eg: "matt")',
    '    POSIX id        (eg: "126829")',
    '    SMB name@domain (eg: "matt@sun")',
    '    SMB SID         (eg: "S-1-234-567-89")',
  ];
}

export function globalUsage(family: Family, groups: Array<Array<[string, Command]>>): string {
  const lines = [`usage: ${family} command args ...`, "where 'command' is one of the following:", ''];
  for (const group of groups) {
    for (const [, command] of group) for (const l of command.usage) lines.push(`\t${l}`);
    lines.push('');
  }
  if (family === 'zfs') {
    lines.push('Each dataset is of the form: pool/[dataset/]*dataset[@name]', ...FOOTER);
  }
  return lines.join('\n') + '\n';
}
