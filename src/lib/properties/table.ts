/**
 * The native property table, declared once (as OpenZFS's zfs_prop.c): it drives parsing, `get`,
 * `list` columns, validation and help. Order is OpenZFS's enum order, which `get all` follows.
 */

export type DatasetType = 'filesystem' | 'snapshot';

/** How a value prints: bytes (`1.50M`), number (`128K`), raw digits, a date, a ratio or text. */
export type ValueFormat = 'bytes' | 'number' | 'raw' | 'date' | 'ratio' | 'text';

export interface PropDef {
  name: string;
  column: string;
  format: ValueFormat;
  types: readonly DatasetType[];
  /** settable with `set` (and `create -o`) */
  settable: boolean;
  inheritable: boolean;
  /** the allowed values of an index property, in OpenZFS's table order */
  values?: readonly string[];
  /** the VALUES column of the usage text */
  valuesHelp: string;
  /** not shown by `get all` (e.g. `name`) */
  hidden?: boolean;
}

const FS: DatasetType[] = ['filesystem'];
const FS_SNAP: DatasetType[] = ['filesystem', 'snapshot'];
const SNAP: DatasetType[] = ['snapshot'];

const stat = (name: string, column: string, format: ValueFormat, types: DatasetType[], valuesHelp = '-'): PropDef => ({
  name,
  column,
  format,
  types,
  settable: false,
  inheritable: false,
  valuesHelp,
});

const ON_OFF = ['on', 'off'] as const;

export const PROPERTIES: readonly PropDef[] = [
  stat('type', 'TYPE', 'text', FS_SNAP, 'filesystem | volume | snapshot | bookmark'),
  stat('creation', 'CREATION', 'date', FS_SNAP),
  stat('used', 'USED', 'bytes', FS_SNAP, '<size>'),
  stat('available', 'AVAIL', 'bytes', FS, '<size>'),
  stat('referenced', 'REFER', 'bytes', FS_SNAP, '<size>'),
  stat('compressratio', 'RATIO', 'ratio', FS_SNAP, '<1.00x or higher if compressed>'),
  stat('mounted', 'MOUNTED', 'text', FS, 'yes | no'),
  stat('origin', 'ORIGIN', 'text', FS, '<snapshot>'),
  {
    name: 'recordsize',
    column: 'RECSIZE',
    format: 'number',
    types: FS,
    settable: true,
    inheritable: true,
    valuesHelp: '512 to 1M, power of 2',
  },
  {
    name: 'mountpoint',
    column: 'MOUNTPOINT',
    format: 'text',
    types: FS,
    settable: true,
    inheritable: true,
    valuesHelp: '<path> | legacy | none',
  },
  {
    name: 'readonly',
    column: 'RDONLY',
    format: 'text',
    types: FS,
    settable: true,
    inheritable: true,
    values: ON_OFF,
    valuesHelp: 'on | off',
  },
  stat('createtxg', 'CREATETXG', 'raw', FS_SNAP, '<uint64>'),
  stat('guid', 'GUID', 'raw', FS_SNAP, '<uint64>'),
  stat('usedbysnapshots', 'USEDSNAP', 'bytes', FS, '<size>'),
  stat('usedbydataset', 'USEDDS', 'bytes', FS, '<size>'),
  stat('usedbychildren', 'USEDCHILD', 'bytes', FS, '<size>'),
  stat('usedbyrefreservation', 'USEDREFRESERV', 'bytes', FS, '<size>'),
  stat('written', 'WRITTEN', 'number', FS_SNAP, '<size>'),
  stat('clones', 'CLONES', 'text', SNAP, '<dataset>[,...]'),
  { ...stat('name', 'NAME', 'text', FS_SNAP), hidden: true },
];

const BY_NAME = new Map(PROPERTIES.map((p) => [p.name, p]));
const BY_ALIAS = new Map(PROPERTIES.map((p) => [p.column.toLowerCase(), p]));

/** A native property by name or column alias (`avail`, `refer`, `usedsnap`, ...). */
export function findProperty(name: string): PropDef | undefined {
  return BY_NAME.get(name) ?? BY_ALIAS.get(name);
}

export const isUserProperty = (name: string): boolean => name.includes(':');

/** Numbers print right-aligned and keep a width of at least 5 in columns. */
export const isNumeric = (p: PropDef): boolean => p.format === 'bytes' || p.format === 'number' || p.format === 'raw' || p.format === 'ratio';

export const DEFAULT_RECORDSIZE = 131072;
