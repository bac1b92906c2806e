// Name validation, ported from OpenZFS 2.3.4 module/zcommon/zfs_namecheck.c,
// libzfs zfs_validate_name() / zpool_name_valid() and zfs_prop_user()
// (spec §2). Each check returns the exact libzfs "aux" text, or null if the
// name is acceptable; the caller adds the action prefix
// ("cannot create 'x': ...").
//
// Lengths are UTF-8 byte counts because C uses strlen(). For a non-ASCII
// invalid character C prints its first byte alone; we print the whole
// character instead, since a lone byte cannot live in a JS string.

export type NameKind = 'filesystem' | 'snapshot' | 'bookmark';

/** ZFS_MAX_DATASET_NAME_LEN: names must be strictly shorter. */
export const MAX_DATASET_NAME_LEN = 256;
/** zfs_max_dataset_nesting module parameter default. */
export const MAX_DATASET_NESTING = 50;
/** 256 - 2 - 2 * strlen("$ORIGIN"): room for "pool/$ORIGIN@$ORIGIN". */
const MAX_POOL_NAME_LEN = MAX_DATASET_NAME_LEN - 2 - 2 * '$ORIGIN'.length;
/** ZAP_MAXNAMELEN, the bound on user property names. */
const MAX_USER_PROP_LEN = 256;
/** ZFS_MAXPROPLEN (ZAP_MAXVALUELEN): a property value must be shorter than this many bytes. */
export const MAX_PROP_LEN = 8192;

/** dataset_nestcheck() failing, as zfs_create() and zfs_create_ancestors() word it. */
export const MSG_TOO_DEEP = 'maximum name nesting depth exceeded';

const MSG_EMPTY_COMPONENT =
  "empty component or misplaced '@' or '#' delimiter in name";

/**
 * zfs_validate_name(): `allowed` plays the role of the C type bitmask
 * (volumes validate like filesystems). `modifying` is B_TRUE for create,
 * rename, snapshot, clone... and enables the '%' and nesting-depth checks.
 */
export function checkDatasetName(
  name: string,
  allowed: ReadonlySet<NameKind> | NameKind[],
  modifying: boolean,
): string | null {
  const kinds: ReadonlySet<NameKind> = Array.isArray(allowed)
    ? new Set(allowed)
    : (allowed as ReadonlySet<NameKind>);
  // The C code tests `type == ZFS_TYPE_SNAPSHOT`, i.e. snapshot and nothing
  // else; a mixed mask does not demand the delimiter.
  const only = (k: NameKind): boolean => kinds.size === 1 && kinds.has(k);

  if (!kinds.has('snapshot') && name.includes('@')) {
    return "snapshot delimiter '@' is not expected here";
  }
  if (only('snapshot') && !name.includes('@')) {
    return "missing '@' delimiter in snapshot name";
  }
  if (!kinds.has('bookmark') && name.includes('#')) {
    return "bookmark delimiter '#' is not expected here";
  }
  if (only('bookmark') && !name.includes('#')) {
    return "missing '#' delimiter in bookmark name";
  }
  // '%' is legal for the kernel (temporary recv clones) but never for names
  // a user creates. The C format is "%c" without quotes.
  if (modifying && name.includes('%')) {
    return 'invalid character % in name';
  }

  const why = entityNamecheck(name);
  if (why !== null) return why;

  // zfs_create()/create_parents() check this after validation succeeds.
  if (modifying && datasetDepth(name) >= MAX_DATASET_NESTING) return MSG_TOO_DEEP;
  return null;
}

/**
 * zpool_name_valid(). `creating` is true for create/import/rename targets,
 * where the extended reserved prefixes apply; opening an existing pool only
 * rejects the historical reserved names.
 */
export function checkPoolName(name: string, creating: boolean): string | null {
  if (byteLength(name) >= MAX_POOL_NAME_LEN) return 'name is too long';

  for (const ch of name) {
    if (!validChar(ch)) return `invalid character '${ch}' in pool name`;
  }
  if (!/^[A-Za-z]/.test(name)) return 'name must begin with a letter';
  if (name === 'mirror' || name === 'raidz' || name === 'draid') {
    return 'name is reserved';
  }
  if (
    creating &&
    (name.startsWith('mirror') ||
      name.startsWith('raidz') ||
      name.startsWith('draid') ||
      name.startsWith('spare') ||
      name === 'log')
  ) {
    return 'name is reserved';
  }
  return null;
}

/**
 * User property names (zfs_prop_user() + the ZAP_MAXNAMELEN check in
 * zfs_valid_proplist()). A name failing zfs_prop_user() is not a user
 * property at all, so libzfs reports it as an unknown property. Native
 * names, userquota@... and written@... are the caller's business.
 */
export function checkUserPropName(name: string): string | null {
  if (!isUserPropName(name)) return `invalid property '${name}'`;
  if (byteLength(name) >= MAX_USER_PROP_LEN) {
    return `property name '${name}' is too long`;
  }
  return null;
}

/**
 * zfs_prop_user(): a name made of [a-z0-9:._-] with a ':' in it, the one test of what a user
 * property is, for datasets and pools alike. The man page also forbids a leading '-', but no code
 * path enforces it (getopt swallows such arguments first), so neither do we.
 */
export const isUserPropName = (name: string): boolean => /^[a-z0-9:._-]*$/.test(name) && name.includes(':');

/** Number of '/' before the first '@' or '#' (get_dataset_depth()). */
export function datasetDepth(name: string): number {
  let depth = 0;
  for (const ch of name) {
    if (ch === '@' || ch === '#') break;
    if (ch === '/') depth++;
  }
  return depth;
}

// Component characters; '%' is handled separately by the callers.
function validChar(ch: string): boolean {
  return /^[A-Za-z0-9\-_.: ]$/.test(ch);
}

/**
 * entity_namecheck(): [component/]*[component][(@|#)component]?
 * Checks run per component in the C order, which is why `tank@@` reports
 * multiple delimiters (not an empty component) and `tank/./` a self
 * reference (not a trailing slash).
 */
function entityNamecheck(path: string): string | null {
  if (byteLength(path) >= MAX_DATASET_NAME_LEN) return 'name is too long';
  if (path.startsWith('/')) return 'leading slash in name';
  if (path === '') return MSG_EMPTY_COMPONENT;

  let start = 0;
  let foundDelim = false;
  for (;;) {
    let end = start;
    while (end < path.length && !isDelimiter(path[end])) end++;
    const atEnd = end === path.length;
    const delim = atEnd ? '' : path[end];

    if (atEnd && path[end - 1] === '/') return 'trailing slash in name';

    const component = path.slice(start, end);
    for (const ch of component) {
      if (!validChar(ch) && ch !== '%') return `invalid character '${ch}' in name`;
    }

    if (atEnd || delim === '/') {
      if (component === '.') return "self reference, '.' is found in name";
      if (component === '..') return "parent reference, '..' is found in name";
    }

    if (delim === '@' || delim === '#') {
      if (foundDelim) return "multiple '@' and/or '#' delimiters in name";
      foundDelim = true;
    }

    if (start === end) return MSG_EMPTY_COMPONENT;
    if (atEnd) return null;

    // A '/' inside the snapshot/bookmark part is reported as a trailing slash.
    if (delim === '/' && foundDelim) return 'trailing slash in name';

    start = end + 1;
  }
}

function isDelimiter(ch: string): boolean {
  return ch === '/' || ch === '@' || ch === '#';
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
