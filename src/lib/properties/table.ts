/**
 * The native property table of OpenZFS 2.3 (Linux), declared once as module/zcommon/zfs_prop.c
 * does: it drives parsing, validation, `get`, `list` columns, sorting and the usage text.
 * Order is OpenZFS's enum order (zfs_prop_t), which `get all` and `list -o all` follow.
 */

/** Dataset types, as zfs_type_t bits: tszfs has filesystems, volumes and snapshots; bookmarks
 *  are declared so that "does not apply" answers are OpenZFS's. */
export type DatasetType = 'filesystem' | 'snapshot' | 'volume' | 'bookmark';

/**
 * How a value prints: bytes (`1.50M`), number (`128K`), raw digits, a date, a date with
 * seconds, a ratio, text, or a quota-like size where 0 means `none` (`-p`: 0).
 */
export type ValueFormat = 'bytes' | 'number' | 'raw' | 'date' | 'datetime' | 'ratio' | 'text' | 'quota' | 'objquota';

/** pd_attr: read-only, settable without inheritance, inheritable, or settable only at creation. */
export type PropAttr = 'readonly' | 'default' | 'inherit' | 'once' | 'once-default';

export interface PropDef {
  name: string;
  column: string;
  /** OpenZFS's property type: how values are parsed and compared */
  kind: 'number' | 'string' | 'index';
  format: ValueFormat;
  attr: PropAttr;
  types: readonly DatasetType[];
  /** what a dataset shows when nothing is set (the OpenZFS default), or null for computed stats */
  default: string | null;
  /** index properties: names and their numbers in OpenZFS's table order (first name of a number
   *  is how that number prints) */
  table?: ReadonlyArray<readonly [string, number]>;
  /** the VALUES column of the usage text */
  valuesHelp: string;
  /** `zfs list` right-aligns numbers (zfs_prop_align_right) */
  rightAlign: boolean;
  /** not in `get all` and not settable (e.g. `name`) */
  hidden?: boolean;
  /** for sorting: the stored value of a number property that reads `none` */
  noneValue?: bigint;
  // Derived from attr, kept for readers.
  settable: boolean;
  inheritable: boolean;
  /** the allowed values of an index property (table names) */
  values?: readonly string[];
}

type T = DatasetType;
const F: T[] = ['filesystem'];
const FS: T[] = ['filesystem', 'snapshot'];
const FV: T[] = ['filesystem', 'volume'];
const FSV: T[] = ['filesystem', 'snapshot', 'volume'];
const FSVB: T[] = ['filesystem', 'snapshot', 'volume', 'bookmark'];
const S: T[] = ['snapshot'];
const V: T[] = ['volume'];
const SV: T[] = ['snapshot', 'volume'];

const UINT64_MAX = (1n << 64n) - 1n;

function def(p: Omit<PropDef, 'settable' | 'inheritable' | 'values'>): PropDef {
  return {
    ...p,
    settable: p.attr === 'default' || p.attr === 'inherit',
    inheritable: p.attr === 'inherit' || p.attr === 'once',
    values: p.table?.map(([n]) => n),
  };
}

const num = (name: string, column: string, attr: PropAttr, types: T[], dflt: string | null, help: string, format: ValueFormat = 'number', right = true) =>
  def({ name, column, kind: 'number', format, attr, types, default: dflt, valuesHelp: help, rightAlign: right });
const str = (name: string, column: string, attr: PropAttr, types: T[], dflt: string | null, help: string) =>
  def({ name, column, kind: 'string', format: 'text', attr, types, default: dflt, valuesHelp: help, rightAlign: false });
const idx = (name: string, column: string, attr: PropAttr, types: T[], dflt: string | null, help: string, table: ReadonlyArray<readonly [string, number]>) =>
  def({ name, column, kind: 'index', format: 'text', attr, types, default: dflt, valuesHelp: help, rightAlign: false, table });

const BOOLEAN = [['off', 0], ['on', 1]] as const;
const CHECKSUM = [
  ['on', 1], ['off', 2], ['fletcher2', 6], ['fletcher4', 7], ['sha256', 8], ['noparity', 10],
  ['sha512', 11], ['skein', 12], ['edonr', 13], ['blake3', 14],
] as const;
const VERIFY = 256;
const DEDUP = [
  ['on', 1], ['off', 2], ['verify', 1 | VERIFY], ['sha256', 8], ['sha256,verify', 8 | VERIFY],
  ['sha512', 11], ['sha512,verify', 11 | VERIFY], ['skein', 12], ['skein,verify', 12 | VERIFY],
  ['edonr,verify', 13 | VERIFY], ['blake3', 14], ['blake3,verify', 14 | VERIFY],
] as const;

/** compress_table: ZIO_COMPRESS_* numbers, zstd levels as ZIO_COMPLEVEL_ZSTD (level << 7 | zstd). */
const COMPRESS: Array<readonly [string, number]> = (() => {
  const ZSTD = 16;
  const zstd = (level: number) => (level << 7) | ZSTD;
  const t: Array<readonly [string, number]> = [['on', 1], ['off', 2], ['lzjb', 3], ['gzip', 10]];
  for (let i = 1; i <= 9; i++) t.push([`gzip-${i}`, 4 + i]);
  t.push(['zle', 14], ['lz4', 15], ['zstd', ZSTD], ['zstd-fast', zstd(1001)]);
  for (let i = 1; i <= 19; i++) t.push([`zstd-${i}`, zstd(i)]);
  for (const f of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 500, 1000]) {
    t.push([`zstd-fast-${f}`, zstd(1000 + f)]);
  }
  return t;
})();
const CRYPT = [
  ['on', 1], ['off', 2], ['aes-128-ccm', 3], ['aes-192-ccm', 4], ['aes-256-ccm', 5],
  ['aes-128-gcm', 6], ['aes-192-gcm', 7], ['aes-256-gcm', 8],
] as const;
const KEYFORMAT = [['none', 0], ['raw', 1], ['hex', 2], ['passphrase', 3]] as const;
const SNAPDIR = [['disabled', 2], ['hidden', 0], ['visible', 1]] as const;
const SNAPDEV = [['hidden', 0], ['visible', 1]] as const;
const ACLMODE = [['discard', 0], ['groupmask', 2], ['passthrough', 3], ['restricted', 4]] as const;
const ACLTYPE = [['off', 0], ['nfsv4', 1], ['posix', 2], ['disabled', 0], ['noacl', 0], ['posixacl', 2]] as const;
const ACLINHERIT = [['discard', 0], ['noallow', 1], ['restricted', 4], ['passthrough', 3], ['secure', 4], ['passthrough-x', 5]] as const;
const CASE = [['sensitive', 0], ['insensitive', 1], ['mixed', 2]] as const;
const COPIES = [['1', 1], ['2', 2], ['3', 3]] as const;
const NORMALIZE = [['none', 0], ['formD', 0x10], ['formKC', 0x28], ['formC', 0x20], ['formKD', 0x18]] as const;
const VERSION = [['1', 1], ['2', 2], ['3', 3], ['4', 4], ['5', 5], ['current', 5]] as const;
const LOGBIAS = [['latency', 0], ['throughput', 1]] as const;
const CANMOUNT = [['off', 0], ['on', 1], ['noauto', 2]] as const;
const CACHE = [['none', 0], ['metadata', 1], ['all', 2]] as const;
const SYNC = [['standard', 0], ['always', 1], ['disabled', 2]] as const;
/** 2.3: `on` means SA and comes first, so a dataset with the SA default reads `on`. */
const XATTR = [['off', 0], ['on', 2], ['sa', 2], ['dir', 1]] as const;
const DNSIZE = [['legacy', 0], ['auto', 1], ['1k', 1024], ['2k', 2048], ['4k', 4096], ['8k', 8192], ['16k', 16384]] as const;
const REDUNDANT = [['all', 0], ['most', 1], ['some', 2], ['none', 3]] as const;
const VOLMODE = [['default', 0], ['full', 1], ['geom', 1], ['dev', 2], ['none', 3]] as const;
const KEYSTATUS = [['none', 0], ['unavailable', 1], ['available', 2]] as const;
const PREFETCH = [['none', 0], ['metadata', 1], ['all', 2]] as const;
const DIRECT = [['disabled', 0], ['standard', 1], ['always', 2]] as const;

const withNone = (p: PropDef, none: bigint): PropDef => ({ ...p, noneValue: none });

export const PROPERTIES: readonly PropDef[] = [
  str('type', 'TYPE', 'readonly', FSVB, null, 'filesystem | volume | snapshot | bookmark'),
  num('creation', 'CREATION', 'readonly', FSVB, null, '<date>', 'date', false),
  num('used', 'USED', 'readonly', FSV, null, '<size>', 'bytes'),
  num('available', 'AVAIL', 'readonly', FV, null, '<size>', 'bytes'),
  num('referenced', 'REFER', 'readonly', FSVB, null, '<size>', 'bytes'),
  num('compressratio', 'RATIO', 'readonly', FSVB, null, '<1.00x or higher if compressed>', 'ratio'),
  idx('mounted', 'MOUNTED', 'readonly', F, null, 'yes | no', BOOLEAN),
  str('origin', 'ORIGIN', 'readonly', FV, null, '<snapshot>'),
  withNone(num('quota', 'QUOTA', 'default', F, '0', '<size> | none', 'quota'), 0n),
  withNone(num('reservation', 'RESERV', 'default', FV, '0', '<size> | none', 'quota'), 0n),
  num('volsize', 'VOLSIZE', 'default', SV, null, '<size>'),
  num('volblocksize', 'VOLBLOCK', 'once', V, '16384', '512 to 128k, power of 2'),
  num('recordsize', 'RECSIZE', 'inherit', F, '131072', '512 to 1M, power of 2'),
  str('mountpoint', 'MOUNTPOINT', 'inherit', F, '/', '<path> | legacy | none'),
  str('sharenfs', 'SHARENFS', 'inherit', F, 'off', 'on | off | NFS share options'),
  idx('checksum', 'CHECKSUM', 'inherit', FV, 'on', 'on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3', CHECKSUM),
  idx(
    'compression',
    'COMPRESS',
    'inherit',
    FV,
    'on',
    'on | off | lzjb | gzip | gzip-[1-9] | zle | lz4 | zstd | zstd-[1-19] | zstd-fast | zstd-fast-[1-10,20,30,40,50,60,70,80,90,100,500,1000]',
    COMPRESS,
  ),
  idx('atime', 'ATIME', 'inherit', F, 'on', 'on | off', BOOLEAN),
  idx('devices', 'DEVICES', 'inherit', FS, 'on', 'on | off', BOOLEAN),
  idx('exec', 'EXEC', 'inherit', FS, 'on', 'on | off', BOOLEAN),
  idx('setuid', 'SETUID', 'inherit', FS, 'on', 'on | off', BOOLEAN),
  idx('readonly', 'RDONLY', 'inherit', FV, 'off', 'on | off', BOOLEAN),
  idx('zoned', 'ZONED', 'inherit', F, 'off', 'on | off', BOOLEAN),
  idx('snapdir', 'SNAPDIR', 'inherit', F, 'hidden', 'disabled | hidden | visible', SNAPDIR),
  idx('aclmode', 'ACLMODE', 'inherit', F, 'discard', 'discard | groupmask | passthrough | restricted', ACLMODE),
  idx('aclinherit', 'ACLINHERIT', 'inherit', F, 'restricted', 'discard | noallow | restricted | passthrough | passthrough-x', ACLINHERIT),
  num('createtxg', 'CREATETXG', 'readonly', FSVB, null, '<uint64>', 'raw'),
  idx('canmount', 'CANMOUNT', 'default', F, 'on', 'on | off | noauto', CANMOUNT),
  idx('xattr', 'XATTR', 'inherit', FS, 'on', 'on | off | dir | sa', XATTR),
  idx('copies', 'COPIES', 'inherit', FV, '1', '1 | 2 | 3', COPIES),
  idx('version', 'VERSION', 'default', FS, '5', '1 | 2 | 3 | 4 | 5 | current', VERSION),
  idx('utf8only', 'UTF8ONLY', 'once', FS, 'off', 'on | off', BOOLEAN),
  idx('normalization', 'NORMALIZATION', 'once', FS, 'none', 'none | formC | formD | formKC | formKD', NORMALIZE),
  idx('casesensitivity', 'CASE', 'once', FS, 'sensitive', 'sensitive | insensitive | mixed', CASE),
  idx('vscan', 'VSCAN', 'inherit', F, 'off', 'on | off', BOOLEAN),
  idx('nbmand', 'NBMAND', 'inherit', FS, 'off', 'on | off', BOOLEAN),
  str('sharesmb', 'SHARESMB', 'inherit', F, 'off', 'on | off | SMB share options'),
  withNone(num('refquota', 'REFQUOTA', 'default', F, '0', '<size> | none', 'quota'), 0n),
  withNone(num('refreservation', 'REFRESERV', 'default', FV, '0', '<size> | none', 'quota'), 0n),
  num('guid', 'GUID', 'readonly', FSVB, null, '<uint64>', 'raw'),
  idx('primarycache', 'PRIMARYCACHE', 'inherit', FSV, 'all', 'all | none | metadata', CACHE),
  idx('secondarycache', 'SECONDARYCACHE', 'inherit', FSV, 'all', 'all | none | metadata', CACHE),
  num('usedbysnapshots', 'USEDSNAP', 'readonly', FV, null, '<size>', 'bytes'),
  num('usedbydataset', 'USEDDS', 'readonly', FV, null, '<size>', 'bytes'),
  num('usedbychildren', 'USEDCHILD', 'readonly', FV, null, '<size>', 'bytes'),
  num('usedbyrefreservation', 'USEDREFRESERV', 'readonly', FV, null, '<size>', 'bytes'),
  idx('defer_destroy', 'DEFER_DESTROY', 'readonly', S, null, 'yes | no', BOOLEAN),
  num('userrefs', 'USERREFS', 'readonly', S, null, '<count>'),
  idx('logbias', 'LOGBIAS', 'inherit', FV, 'latency', 'latency | throughput', LOGBIAS),
  num('objsetid', 'OBJSETID', 'readonly', FSV, null, '<uint64>', 'raw'),
  idx(
    'dedup',
    'DEDUP',
    'inherit',
    FV,
    'off',
    'on | off | verify | sha256[,verify] | sha512[,verify] | skein[,verify] | edonr,verify | blake3[,verify]',
    DEDUP,
  ),
  str('mlslabel', 'MLSLABEL', 'inherit', FSV, 'none', '<sensitivity label>'),
  idx('sync', 'SYNC', 'inherit', FV, 'standard', 'standard | always | disabled', SYNC),
  idx('dnodesize', 'DNSIZE', 'inherit', F, 'legacy', 'legacy | auto | 1k | 2k | 4k | 8k | 16k', DNSIZE),
  num('refcompressratio', 'REFRATIO', 'readonly', FSV, null, '<1.00x or higher if compressed>', 'ratio'),
  num('written', 'WRITTEN', 'readonly', FSV, null, '<size>'),
  str('clones', 'CLONES', 'readonly', S, null, '<dataset>[,...]'),
  num('logicalused', 'LUSED', 'readonly', FV, null, '<size>'),
  num('logicalreferenced', 'LREFER', 'readonly', FSVB, null, '<size>'),
  idx('volmode', 'VOLMODE', 'inherit', FV, 'default', 'default | full | geom | dev | none', VOLMODE),
  withNone(num('filesystem_limit', 'FSLIMIT', 'default', F, 'none', '<count> | none'), UINT64_MAX),
  withNone(num('snapshot_limit', 'SSLIMIT', 'default', FV, 'none', '<count> | none'), UINT64_MAX),
  withNone(num('filesystem_count', 'FSCOUNT', 'readonly', F, 'none', '<count>'), UINT64_MAX),
  withNone(num('snapshot_count', 'SSCOUNT', 'readonly', FV, 'none', '<count>'), UINT64_MAX),
  idx('snapdev', 'SNAPDEV', 'inherit', FV, 'hidden', 'hidden | visible', SNAPDEV),
  idx('acltype', 'ACLTYPE', 'inherit', FS, 'off', 'off | nfsv4 | posix', ACLTYPE),
  str('context', 'CONTEXT', 'default', FSV, 'none', '<selinux context>'),
  str('fscontext', 'FSCONTEXT', 'default', FSV, 'none', '<selinux fscontext>'),
  str('defcontext', 'DEFCONTEXT', 'default', FSV, 'none', '<selinux defcontext>'),
  str('rootcontext', 'ROOTCONTEXT', 'default', FSV, 'none', '<selinux rootcontext>'),
  idx('relatime', 'RELATIME', 'inherit', F, 'on', 'on | off', BOOLEAN),
  idx('redundant_metadata', 'REDUND_MD', 'inherit', FV, 'all', 'all | most | some | none', REDUNDANT),
  idx('overlay', 'OVERLAY', 'inherit', F, 'on', 'on | off', BOOLEAN),
  str('receive_resume_token', 'RESUMETOK', 'readonly', FV, null, '<string token>'),
  idx(
    'encryption',
    'ENCRYPTION',
    'once',
    FSV,
    'off',
    'on | off | aes-128-ccm | aes-192-ccm | aes-256-ccm | aes-128-gcm | aes-192-gcm | aes-256-gcm',
    CRYPT,
  ),
  str('keylocation', 'KEYLOCATION', 'default', FV, 'none', 'prompt | <file URI> | <https URL> | <http URL>'),
  idx('keyformat', 'KEYFORMAT', 'once-default', FV, 'none', 'none | raw | hex | passphrase', KEYFORMAT),
  num('pbkdf2iters', 'PBKDF2ITERS', 'once-default', FV, '0', '<iters>', 'raw'),
  str('encryptionroot', 'ENCROOT', 'readonly', FSV, null, '<filesystem | volume>'),
  idx('keystatus', 'KEYSTATUS', 'readonly', FSV, null, 'none | unavailable | available', KEYSTATUS),
  num('special_small_blocks', 'SPECIAL_SMALL_BLOCKS', 'inherit', F, '0', 'zero or 512 to 1M, power of 2'),
  str('redact_snaps', 'RSNAPS', 'readonly', FSVB, null, '<snapshot>[,...]'),
  num('snapshots_changed', 'SNAPSHOTS_CHANGED', 'readonly', FV, null, '<date>', 'datetime', false),
  idx('prefetch', 'PREFETCH', 'inherit', FSV, 'all', 'none | metadata | all', PREFETCH),
  // 2.3.4 registers the column name with a space: a quirk kept as it is.
  idx('volthreading', 'zvol threading', 'default', V, 'on', 'on | off', BOOLEAN),
  idx('direct', 'DIRECT', 'inherit', F, 'standard', 'disabled | standard | always', DIRECT),
  idx('longname', 'LONGNAME', 'inherit', F, 'off', 'on | off', BOOLEAN),
  { ...str('name', 'NAME', 'readonly', FSVB, null, '-'), hidden: true },
];

const BY_NAME = new Map(PROPERTIES.map((p) => [p.name, p]));
const BY_ALIAS = new Map(PROPERTIES.map((p) => [p.column.toLowerCase(), p]));

/** A native property by name or lower-case column name (`avail`, `refer`, ...), as
 *  propname_match() accepts them: an upper-case spelling is not a property. */
export function findProperty(name: string): PropDef | undefined {
  return BY_NAME.get(name) ?? BY_ALIAS.get(name);
}

/** Numbers print right-aligned and keep a width of at least 5 in columns. */
export const isNumeric = (p: PropDef): boolean => p.kind === 'number';

/** The number of an index value (for sorting), or undefined when it is not in the table. */
export function indexNumber(p: PropDef, value: string): number | undefined {
  return p.table?.find(([n]) => n === value)?.[1];
}

/** How an index value reads back: the first table name with the same number (`sa` -> `on`). */
export function canonicalIndex(p: PropDef, value: string): string | undefined {
  const n = indexNumber(p, value);
  return n === undefined ? undefined : p.table!.find(([, m]) => m === n)![0];
}

export const DEFAULT_RECORDSIZE = 131072;
