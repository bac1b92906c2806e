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
 * What a command's operands name: `fs` (filesystems and volumes), `snap`, `all` (those,
 * snapshots and bookmarks), `pool`, `vdev` (of the pool named second: zpool get and set),
 * `prop` (a property name), `file` or `dir` (on the host), `shell`, `none`.
 */
function operandKind(family: Family, name: string, position: number): string {
  if (family === 'zpool') {
    if (name === 'create') return position === 0 ? 'none' : 'file';
    if (name === 'get' || name === 'set') return ['none', 'pool', 'vdev'][position];
    // zpool remove POOL DEVICE...: device files after the pool
    return name === 'remove' && position > 0 ? 'file' : 'pool';
  }
  switch (name) {
    case 'version':
      return 'none';
    case 'completion':
      return 'shell';
    case 'batch':
      return 'none';
    case 'shims':
      return 'dir';
    case 'inject':
      return 'pool';
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
    case 'load-key':
    case 'unload-key':
    case 'change-key':
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
    case 'blocks':
      return position === 0 ? 'all' : 'none';
    case 'chmod':
    case 'chown':
      return position === 1 ? 'fs' : 'none';
    case 'xattr':
      return position === 1 ? 'all' : 'none';
    case 'tree':
      return position === 0 ? 'fs' : 'none';
    case 'image':
    case 'container':
    case 'system':
      return 'none';
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
    '# $1: fs, snap, mark (snapshots and bookmarks), all, pool or vdev (of $_tszfs_pool)',
    '_tszfs_names() {',
    '  case $1 in',
    '    pool)',
    '      case ${_tszfs_prog[0]##*/} in',
    '        zpool) "${_tszfs_prog[@]}" list -H -o name 2>/dev/null ;;',
    '        *) "${_tszfs_prog[@]}" pool list -H -o name 2>/dev/null ;;',
    '      esac ;;',
    '    vdev)',
    '      echo all-vdevs',
    '      case ${_tszfs_prog[0]##*/} in',
    '        zpool) "${_tszfs_prog[@]}" get -H -o name name "$_tszfs_pool" all-vdevs 2>/dev/null ;;',
    '        *) "${_tszfs_prog[@]}" pool get -H -o name name "$_tszfs_pool" all-vdevs 2>/dev/null ;;',
    '      esac ;;',
    '    fs) "${_tszfs_prog[@]}" list -H -o name -t filesystem,volume 2>/dev/null ;;',
    '    snap) "${_tszfs_prog[@]}" list -H -o name -t snapshot 2>/dev/null ;;',
    '    mark) "${_tszfs_prog[@]}" list -H -o name -t snapshot,bookmark 2>/dev/null ;;',
    '    all) "${_tszfs_prog[@]}" list -H -o name -t filesystem,volume,snapshot,bookmark 2>/dev/null ;;',
    '  esac',
    '}',
  );
  return lines.join('\n');
}

/**
 * Reading the words typed so far (both shells): the program, any leading `--home DIR`, then
 * `pool`/`zpool`/`zfs` switching family, then the command. Sets _tszfs_family, _tszfs_cmd,
 * _tszfs_prog (array: program and --home), _tszfs_pos (the operand position of the current
 * word, or -1 while the command itself is being typed) and _tszfs_pool (the second operand).
 * $1.. are the words before the cursor.
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
  _tszfs_pool=
  local takes='' word values=" $(_tszfs_value_options "$_tszfs_family" "$_tszfs_cmd") "
  for word in "$@"; do
    if [ -n "$takes" ]; then takes=''; continue; fi
    case $word in
      --) ;;
      -*) case $values in *" $word "*) takes=1 ;; esac ;;
      *) [ $_tszfs_pos -eq 1 ] && _tszfs_pool=$word; _tszfs_pos=$((_tszfs_pos + 1)) ;;
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

# The words up to the cursor, split at blanks only: bash splits COMP_WORDS at the characters of
# COMP_WORDBREAKS too (@ : = on most systems), which would cut tank/fs@snap in three.
_tszfs() {
  local line=\${COMP_LINE:0:COMP_POINT}
  local -a words
  read -ra words <<< "$line"
  [[ -z $line || $line == *[[:blank:]] ]] && words+=('')
  local cur=\${words[\${#words[@]}-1]} prev=
  [ \${#words[@]} -gt 1 ] && prev=\${words[\${#words[@]}-2]}
  _tszfs_parse "\${words[@]:0:\${#words[@]}-1}"
  COMPREPLY=()
  _tszfs_reply "$cur" "$prev"
  # bash replaces only the text after the last COMP_WORDBREAKS character: hand it just that part
  # (so no hostname completion after @, no tank@tank@snap).
  local i keep=0
  for ((i = 0; i < \${#cur}; i++)); do [[ $COMP_WORDBREAKS == *"\${cur:i:1}"* ]] && keep=$((i + 1)); done
  if [ $keep -gt 0 ]; then for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]=\${COMPREPLY[i]:keep}; done; fi
}

# $1 the word being completed, $2 the one before it
_tszfs_reply() {
  local cur=$1 prev=$2
  if [ "$_tszfs_pos" -lt 0 ]; then
    COMPREPLY=($(compgen -W "$(_tszfs_commands "$_tszfs_family")" -- "$cur"))
    return
  fi
  case $prev in
    -o|-s|-S) COMPREPLY=($(compgen -W "$_tszfs_properties" -- "$cur")); return ;;
    -t) COMPREPLY=($(compgen -W "$_tszfs_types" -- "$cur")); return ;;
    -i|-I) [ "$_tszfs_cmd" = send ] && { COMPREPLY=($(compgen -W "$(_tszfs_names mark)" -- "$cur")); return; } ;;
    -f) [ "$_tszfs_cmd" = batch ] && { COMPREPLY=($(compgen -f -- "$cur")); return; } ;;
    --svg) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_tszfs_options "$_tszfs_family" "$_tszfs_cmd")" -- "$cur"))
    return
  fi
  case $(_tszfs_operand_kind "$_tszfs_family" "$_tszfs_cmd" "$_tszfs_pos") in
    pool) COMPREPLY=($(compgen -W "$(_tszfs_names pool)" -- "$cur")) ;;
    vdev) COMPREPLY=($(compgen -W "$(_tszfs_names vdev)" -- "$cur")) ;;
    fs) COMPREPLY=($(compgen -W "$(_tszfs_names fs)" -- "$cur")) ;;
    snap) COMPREPLY=($(compgen -W "$(_tszfs_names snap)" -- "$cur")) ;;
    all) COMPREPLY=($(compgen -W "$(_tszfs_names all)" -- "$cur")) ;;
    file) COMPREPLY=($(compgen -f -- "$cur")) ;;
    dir) COMPREPLY=($(compgen -d -- "$cur")) ;;
    prop) COMPREPLY=($(compgen -W "$_tszfs_properties" -- "$cur")) ;;
    shell) COMPREPLY=($(compgen -W 'bash zsh fish' -- "$cur")) ;;
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
    -i|-I) [[ $_tszfs_cmd == send ]] && { compadd -- \${(f)"$(_tszfs_names mark)"}; return; } ;;
    -f) [[ $_tszfs_cmd == batch ]] && { _files; return; } ;;
    --svg) _files; return ;;
  esac
  if [[ $cur == -* ]]; then
    compadd -- \${=$(_tszfs_options $_tszfs_family $_tszfs_cmd)}
    return
  fi
  local kind=$(_tszfs_operand_kind $_tszfs_family $_tszfs_cmd $_tszfs_pos)
  case $kind in
    pool|fs|snap|all|vdev) compadd -- \${(f)"$(_tszfs_names $kind)"} ;;
    file) _files ;;
    dir) _files -/ ;;
    prop) compadd -- \${=_tszfs_properties} ;;
    shell) compadd bash zsh fish ;;
  esac
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _tszfs "$@"
else
  compdef _tszfs tszfs
fi
`;
}

/** A fish `switch` over `subject`: one case per [pattern, output lines], `*` last. */
function fishSwitch(subject: string, cases: Array<[pattern: string, body: string]>, fallback?: string): string[] {
  const lines = [`    switch ${subject}`];
  for (const [pattern, body] of cases) lines.push(`        case '${pattern}'`, `            ${body}`);
  if (fallback !== undefined) lines.push(`        case '*'`, `            ${fallback}`);
  lines.push('    end');
  return lines;
}

/** Words one per line, as fish splits a command substitution. */
const fishWords = (words: readonly string[]) => `printf '%s\\n' ${words.join(' ')}`;

/**
 * The fish script: the same tables as bash's and zsh's, in fish's syntax (it reads no sh), and
 * one function that reads the command line and prints the candidates; fish filters them by what
 * is typed, and never splits a word at `@`.
 */
export function fishScript(table: CommandTable): string {
  const families = ['zfs', 'zpool'] as const;
  const perCommand = (of: (usage: readonly string[]) => string[]) =>
    families.flatMap((family) =>
      table[family].flatMap(([name, command]): Array<[string, string]> => {
        const words = of(command.usage);
        return words.length > 0 ? [[`${family} ${name}`, fishWords(words)]] : [];
      }),
    );
  const kinds = families.flatMap((family) =>
    table[family].flatMap(([name]): Array<[string, string]> => {
      const k = [0, 1, 2].map((p) => operandKind(family, name, p));
      if (k.every((x) => x === k[0])) return [[`${family} ${name} *`, `echo ${k[0]}`]];
      return k.map((x, p): [string, string] => [`${family} ${name} ${p === 2 ? '*' : p}`, `echo ${x}`]);
    }),
  );
  const props = PROPERTIES.filter((p) => !p.hidden).map((p) => p.name).sort();
  const names = (types: string) => `$__tszfs_prog list -H -o name -t ${types} 2>/dev/null`;
  return [
    '# fish completion for tszfs: generated by `tszfs completion fish`.',
    '# Load it with: tszfs completion fish | source',
    '# or save it as ~/.config/fish/completions/tszfs.fish',
    '# For the zfs and zpool links made by `tszfs shims`: complete -c zfs -f -a \'(__tszfs_complete)\'',
    '',
    'function __tszfs_commands',
    ...fishSwitch('$argv[1]', families.map((f) => [f, fishWords(table[f].map(([n]) => n))])),
    'end',
    '',
    'function __tszfs_options',
    ...fishSwitch('"$argv[1] $argv[2]"', perCommand(optionsOf)),
    'end',
    '',
    'function __tszfs_value_options',
    ...fishSwitch('"$argv[1] $argv[2]"', perCommand(valueOptionsOf)),
    'end',
    '',
    '# $argv: family, command, operand position (0-based)',
    'function __tszfs_operand_kind',
    ...fishSwitch('"$argv[1] $argv[2] $argv[3]"', kinds, 'echo none'),
    'end',
    '',
    '# $argv[1]: fs, snap, mark (snapshots and bookmarks), all, pool or vdev (of $__tszfs_pool)',
    'function __tszfs_names',
    ...fishSwitch('$argv[1]', [
      ['pool', `test (basename -- $__tszfs_prog[1]) = zpool; and $__tszfs_prog list -H -o name 2>/dev/null; or $__tszfs_prog pool list -H -o name 2>/dev/null`],
      ['fs', names('filesystem,volume')],
      ['snap', names('snapshot')],
      ['mark', names('snapshot,bookmark')],
      ['all', names('filesystem,volume,snapshot,bookmark')],
      [
        'vdev',
        `echo all-vdevs; test (basename -- $__tszfs_prog[1]) = zpool; and $__tszfs_prog get -H -o name name $__tszfs_pool all-vdevs 2>/dev/null; or $__tszfs_prog pool get -H -o name name $__tszfs_pool all-vdevs 2>/dev/null`,
      ],
    ]),
    'end',
    '',
    '# The program, any --home DIR, pool/zpool/zfs switching family, the command, its operands.',
    'function __tszfs_complete',
    '    set -l words (commandline -opc)',
    '    set -l cur (commandline -ct)',
    '    set -g __tszfs_prog $words[1]',
    '    set -l family zfs',
    '    set -l personality tszfs',
    '    switch (basename -- $words[1])',
    '        case zpool',
    '            set family zpool; set personality zpool',
    '        case zfs',
    '            set personality zfs',
    '    end',
    '    set -e words[1]',
    '    while set -q words[1]',
    '        if test "$words[1]" = --home; and set -q words[2]',
    '            set -a __tszfs_prog $words[1..2]; set -e words[1..2]',
    "        else if string match -q -- '--home=*' $words[1]",
    '            set -a __tszfs_prog $words[1]; set -e words[1]',
    '        else',
    '            break',
    '        end',
    '    end',
    '    if test $personality = tszfs; and set -q words[1]',
    '        switch $words[1]',
    '            case pool zpool',
    '                set family zpool; set -e words[1]',
    '            case zfs',
    '                set -e words[1]',
    '        end',
    '    end',
    '    if not set -q words[1]',
    '        __tszfs_commands $family',
    '        return',
    '    end',
    '    set -l cmd $words[1]',
    '    set -e words[1]',
    '    set -l values (__tszfs_value_options $family $cmd)',
    '    set -l pos 0',
    "    set -g __tszfs_pool ''",
    '    set -l takes 0',
    '    set -l prev ""',
    '    for word in $words',
    '        set prev $word',
    '        if test $takes = 1',
    '            set takes 0',
    "        else if string match -q -- '-*' $word",
    '            contains -- $word $values; and set takes 1',
    '        else',
    '            test $pos = 1; and set -g __tszfs_pool $word',
    '            set pos (math $pos + 1)',
    '        end',
    '    end',
    '    if test $takes = 1',
    '        switch $prev',
    '            case -o -s -S',
    `                ${fishWords(props)}`,
    '            case -t',
    `                ${fishWords(['filesystem', 'snapshot', 'volume', 'bookmark', 'all'])}`,
    '            case -i -I',
    '                test $cmd = send; and __tszfs_names mark',
    '            case -f',
    '                test $cmd = batch; and __fish_complete_path $cur',
    '            case --svg',
    '                __fish_complete_path $cur',
    '        end',
    '        return',
    '    end',
    "    if string match -q -- '-*' $cur",
    '        __tszfs_options $family $cmd',
    '        return',
    '    end',
    '    set -l kind (__tszfs_operand_kind $family $cmd $pos)',
    '    switch $kind',
    '        case pool fs snap all vdev',
    '            __tszfs_names $kind',
    '        case file',
    '            __fish_complete_path $cur',
    '        case dir',
    '            __fish_complete_directories $cur',
    '        case prop',
    `            ${fishWords(props)}`,
    '        case shell',
    '            printf \'%s\\n\' bash zsh fish',
    '    end',
    'end',
    '',
    "complete -c tszfs -f -a '(__tszfs_complete)'",
    '',
  ].join('\n');
}
