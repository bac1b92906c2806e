/**
 * Shell completion for tszfs, generated from the command tables so that it never lags behind
 * them: command names come from the registry, each command's options from its usage lines, and
 * the names of pools, datasets and snapshots from the running system at completion time
 * (`tszfs list -H -o name -t ...`, `tszfs pool list -H -o name`), as OpenZFS's own bash
 * completion asks `zfs list`. The tables are plain `case` statements that bash and zsh both read,
 * so the two scripts share them; completion/tszfs.bash and completion/_tszfs are this output.
 */
import { PROPERTIES } from '../lib/properties/table.js';
import type { Command, Family } from './context.js';

export type CommandTable = Record<Family, Array<[name: string, command: Command]>>;

/** `-Hp`, `-o property`, `-r|-d max`, `--json-int`: every option a usage line mentions, sorted. */
export function optionsOf(usage: readonly string[]): string[] {
  const options = new Set<string>();
  for (const line of usage) {
    for (const m of line.matchAll(/(?:^|[\s[|<])(--?)([A-Za-z][\w-]*)/g)) {
      if (m[1] === '--') options.add(`--${m[2]}`);
      else for (const letter of m[2]) options.add(`-${letter}`);
    }
  }
  return [...options].sort();
}

/** The options that take a value (`-o property`, `-d max`, `--offset <bytes>`), sorted. */
export function valueOptionsOf(usage: readonly string[]): string[] {
  const options = new Set<string>();
  for (const line of usage) {
    // `-r <snapshot>` is a flag before an operand; a long option's value may be `<bytes>`.
    for (const m of line.matchAll(/(?:^|[\s[|])(?:(-[A-Za-z])\s+[a-z"]|(--[a-z][\w-]*)\s+[a-z<"])/g)) options.add(m[1] ?? m[2]);
  }
  return [...options].sort();
}

/**
 * What a command's operands name: `fs` (filesystems and volumes), `snap`, `all` (those and
 * snapshots), `pool`, `prop` (a property name), `file` or `dir` (on the host), `shell`, `none`.
 */
function operandKind(family: Family, name: string, position: number): string {
  if (family === 'zpool') return name === 'create' ? (position === 0 ? 'none' : 'file') : 'pool';
  switch (name) {
    case 'version':
      return 'none';
    case 'completion':
      return 'shell';
    case 'shims':
      return 'dir';
    case 'rollback':
    case 'diff':
    case 'holds':
      return 'snap';
    case 'hold':
    case 'release':
      return position === 0 ? 'none' : 'snap';
    case 'get':
    case 'set':
    case 'inherit':
      return position === 0 ? 'prop' : 'all';
    case 'clone':
      return position === 0 ? 'snap' : 'fs';
    case 'create':
    case 'snapshot':
    case 'promote':
    case 'mkdir':
    case 'rm':
    case 'ln':
    case 'mv':
    case 'touch':
    case 'mknod':
    case 'mount':
    case 'unmount':
    case 'umount':
    case 'share':
    case 'unshare':
      return position === 0 ? 'fs' : 'none';
    case 'write':
      return position === 0 ? 'fs' : position === 1 ? 'none' : 'file';
    case 'cat':
    case 'ls':
    case 'stat':
    case 'readlink':
    case 'find':
    case 'du':
    case 'tar':
      return position === 0 ? 'all' : 'none';
    case 'chmod':
    case 'chown':
      return position === 1 ? 'fs' : 'none';
    case 'xattr':
      return position === 1 ? 'all' : 'none';
    default:
      return 'all';
  }
}

const quoteWords = (words: readonly string[]) => words.join(' ');

/** The shell functions both scripts share: tables of commands, options and operand kinds. */
function sharedTables(table: CommandTable): string {
  const lines: string[] = [];
  lines.push('_tszfs_commands() {', '  case $1 in');
  for (const family of ['zfs', 'zpool'] as const) {
    lines.push(`    ${family}) echo '${quoteWords(table[family].map(([n]) => n))}' ;;`);
  }
  lines.push('  esac', '}', '');
  lines.push('_tszfs_options() {', '  case "$1 $2" in');
  for (const family of ['zfs', 'zpool'] as const) {
    for (const [name, command] of table[family]) {
      const options = optionsOf(command.usage);
      if (options.length > 0) lines.push(`    '${family} ${name}') echo '${quoteWords(options)}' ;;`);
    }
  }
  lines.push('  esac', '}', '');
  lines.push('_tszfs_value_options() {', '  case "$1 $2" in');
  for (const family of ['zfs', 'zpool'] as const) {
    for (const [name, command] of table[family]) {
      const options = valueOptionsOf(command.usage);
      if (options.length > 0) lines.push(`    '${family} ${name}') echo '${quoteWords(options)}' ;;`);
    }
  }
  lines.push('  esac', '}', '');
  // Operand kinds by position: the first three positions cover every command's operands.
  lines.push('# $1 family, $2 command, $3 operand position (0-based)', '_tszfs_operand_kind() {', '  case "$1 $2 $3" in');
  for (const family of ['zfs', 'zpool'] as const) {
    for (const [name] of table[family]) {
      const kinds = [0, 1, 2].map((p) => operandKind(family, name, p));
      if (kinds.every((k) => k === kinds[0])) lines.push(`    '${family} ${name} '*) echo ${kinds[0]} ;;`);
      else kinds.forEach((k, p) => lines.push(`    '${family} ${name} ${p === 2 ? '' : p}'${p === 2 ? '*' : ''}) echo ${k} ;;`));
    }
  }
  lines.push('    *) echo none ;;', '  esac', '}', '');
  const props = PROPERTIES.filter((p) => !p.hidden).map((p) => p.name).sort();
  lines.push(`_tszfs_properties='${quoteWords(props)}'`);
  lines.push(`_tszfs_types='filesystem snapshot volume bookmark all'`, '');
  // Names from the running system; $_tszfs_prog is the program as typed, --home included.
  lines.push(
    '# $1: fs, snap, all or pool',
    '_tszfs_names() {',
    '  case $1 in',
    '    pool)',
    '      case ${_tszfs_prog[0]##*/} in',
    '        zpool) "${_tszfs_prog[@]}" list -H -o name 2>/dev/null ;;',
    '        *) "${_tszfs_prog[@]}" pool list -H -o name 2>/dev/null ;;',
    '      esac ;;',
    '    fs) "${_tszfs_prog[@]}" list -H -o name -t filesystem,volume 2>/dev/null ;;',
    '    snap) "${_tszfs_prog[@]}" list -H -o name -t snapshot 2>/dev/null ;;',
    '    all) "${_tszfs_prog[@]}" list -H -o name -t all 2>/dev/null ;;',
    '  esac',
    '}',
  );
  return lines.join('\n');
}

/**
 * Reading the words typed so far (both shells): the program, any leading `--home DIR`, then
 * `pool`/`zpool`/`zfs` switching family, then the command. Sets _tszfs_family, _tszfs_cmd,
 * _tszfs_prog (array: program and --home) and _tszfs_pos (the operand position of the current
 * word, or -1 while the command itself is being typed). $1.. are the words before the cursor.
 */
const PARSE_WORDS = `_tszfs_parse() {
  _tszfs_prog=("$1")
  _tszfs_family=zfs
  local personality=tszfs
  case \${1##*/} in
    zpool) _tszfs_family=zpool; personality=zpool ;;
    zfs) personality=zfs ;;
  esac
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --home) _tszfs_prog+=("$1" "$2"); shift; shift ;;
      --home=*) _tszfs_prog+=("$1"); shift ;;
      *) break ;;
    esac
  done
  if [ "$personality" = tszfs ]; then
    case $1 in
      pool|zpool) _tszfs_family=zpool; shift ;;
      zfs) shift ;;
    esac
  fi
  _tszfs_cmd=$1
  if [ $# -eq 0 ]; then _tszfs_pos=-1; return; fi
  shift
  _tszfs_pos=0
  local takes='' word values=" $(_tszfs_value_options "$_tszfs_family" "$_tszfs_cmd") "
  for word in "$@"; do
    if [ -n "$takes" ]; then takes=''; continue; fi
    case $word in
      --) ;;
      -*) case $values in *" $word "*) takes=1 ;; esac ;;
      *) _tszfs_pos=$((_tszfs_pos + 1)) ;;
    esac
  done
}`;

export function bashScript(table: CommandTable): string {
  return `# bash completion for tszfs: generated by \`tszfs completion bash\`.
# Load it with: source <(tszfs completion bash)
# or copy it to ~/.local/share/bash-completion/completions/tszfs
# For the zfs and zpool links made by \`tszfs shims\`: complete -F _tszfs zfs zpool

${sharedTables(table)}

${PARSE_WORDS}

_tszfs() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local prev=\${COMP_WORDS[COMP_CWORD-1]}
  _tszfs_parse "\${COMP_WORDS[@]:0:COMP_CWORD}"
  COMPREPLY=()
  if [ "$_tszfs_pos" -lt 0 ]; then
    COMPREPLY=($(compgen -W "$(_tszfs_commands "$_tszfs_family")" -- "$cur"))
    return
  fi
  case $prev in
    -o|-s|-S) COMPREPLY=($(compgen -W "$_tszfs_properties" -- "$cur")); return ;;
    -t) COMPREPLY=($(compgen -W "$_tszfs_types" -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_tszfs_options "$_tszfs_family" "$_tszfs_cmd")" -- "$cur"))
    return
  fi
  case $(_tszfs_operand_kind "$_tszfs_family" "$_tszfs_cmd" "$_tszfs_pos") in
    pool) COMPREPLY=($(compgen -W "$(_tszfs_names pool)" -- "$cur")) ;;
    fs) COMPREPLY=($(compgen -W "$(_tszfs_names fs)" -- "$cur")) ;;
    snap) COMPREPLY=($(compgen -W "$(_tszfs_names snap)" -- "$cur")) ;;
    all) COMPREPLY=($(compgen -W "$(_tszfs_names all)" -- "$cur")) ;;
    file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
    prop) COMPREPLY=($(compgen -W "$_tszfs_properties" -- "$cur")) ;;
    shell) COMPREPLY=($(compgen -W 'bash zsh' -- "$cur")) ;;
  esac
}

complete -F _tszfs tszfs
`;
}

export function zshScript(table: CommandTable): string {
  return `#compdef tszfs
# zsh completion for tszfs: generated by \`tszfs completion zsh\`.
# Put it in a directory of $fpath as _tszfs, or load it with: source <(tszfs completion zsh)

${sharedTables(table)}

${PARSE_WORDS}

_tszfs() {
  local cur=\${words[CURRENT]}
  local prev=\${words[CURRENT-1]}
  _tszfs_parse "\${(@)words[1,CURRENT-1]}"
  if (( _tszfs_pos < 0 )); then
    compadd -- \${=$(_tszfs_commands $_tszfs_family)}
    return
  fi
  case $prev in
    -o|-s|-S) compadd -- \${=_tszfs_properties}; return ;;
    -t) compadd -- \${=_tszfs_types}; return ;;
  esac
  if [[ $cur == -* ]]; then
    compadd -- \${=$(_tszfs_options $_tszfs_family $_tszfs_cmd)}
    return
  fi
  local kind=$(_tszfs_operand_kind $_tszfs_family $_tszfs_cmd $_tszfs_pos)
  case $kind in
    pool|fs|snap|all) compadd -- \${(f)"$(_tszfs_names $kind)"} ;;
    file) _files ;;
    dir) _files -/ ;;
    prop) compadd -- \${=_tszfs_properties} ;;
    shell) compadd bash zsh ;;
  esac
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _tszfs "$@"
else
  compdef _tszfs tszfs
fi
`;
}
