/** Usage text in zfs_main's layout (openzfs-reference.md §8). */
import { PROPERTIES } from '../lib/properties/table.js';
import type { Command, Family } from './context.js';

const FOOTER = [
  '',
  'For the property list, run: zfs set|get',
  '',
  'For the delegated permission list, run: zfs allow|unallow',
  '',
  'For further help on a command or topic, run: zfs help [<topic>]',
];

/** Commands whose usage ends with the property table instead of the footer. */
const WITH_PROPERTIES = new Set(['list', 'get', 'set', 'inherit']);

export function commandUsage(family: Family, name: string, command: Command): string {
  const lines = ['usage:', ...command.usage.map((l) => `\t${l}`)];
  if (family === 'zfs') lines.push(...(WITH_PROPERTIES.has(name) ? propertyTable() : FOOTER));
  return lines.join('\n') + '\n';
}

function propertyTable(): string[] {
  const visible = PROPERTIES.filter((p) => !p.hidden);
  const readOnly = visible.filter((p) => !p.settable).sort((a, b) => a.name.localeCompare(b.name));
  const settable = visible.filter((p) => p.settable).sort((a, b) => a.name.localeCompare(b.name));
  const row = (p: (typeof visible)[number]) =>
    `\t${p.name.padEnd(22)} ${p.settable ? 'YES    ' : ' NO    '}${p.inheritable ? '  YES   ' : '   NO   '}${p.valuesHelp}`;
  return [
    '',
    'The following properties are supported:',
    '',
    '\tPROPERTY              EDIT  INHERIT   VALUES',
    '',
    ...readOnly.map(row),
    ...settable.map(row),
    '',
    'Sizes are specified in bytes with standard units such as K, M, G, etc.',
    '',
    'User-defined properties can be specified by using a name containing a colon (:).',
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
