/** `tszfs completion bash|zsh|fish`: prints the shell completion script (see completion-scripts.ts). */
import { bashScript, fishScript, zshScript, type CommandTable } from '../completion-scripts.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { ZFS_ALIASES, ZFS_GROUPS, ZPOOL_GROUPS } from '../registry.js';

let table: CommandTable | null = null;

export const command: Command = {
  usage: ['completion bash|zsh|fish'],
  // The script lists every command's options, and commands load lazily (registry.ts).
  async prepare() {
    table = await commandTable();
  },
  run(ctx, args) {
    const p = parseOptions(args, {});
    const [shell, ...extra] = p.operands;
    if (shell === undefined) throw new UsageError('missing shell argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const script = { bash: bashScript, zsh: zshScript, fish: fishScript }[shell];
    if (script === undefined) throw new UsageError(`unsupported shell '${shell}'`);
    if (table === null) throw new Error('completion: command table not loaded');
    ctx.out.write(script(table));
    return 0;
  },
};

async function commandTable(): Promise<CommandTable> {
  const load = (groups: typeof ZFS_GROUPS) =>
    Promise.all(groups.flat().map(async ([name, loader]) => [name, (await loader()).command] as [string, Command]));
  const zfs = await load(ZFS_GROUPS);
  for (const [alias, target] of Object.entries(ZFS_ALIASES)) {
    const found = zfs.find(([name]) => name === target);
    if (found) zfs.push([alias, found[1]]);
  }
  return { zfs, zpool: await load(ZPOOL_GROUPS) };
}
