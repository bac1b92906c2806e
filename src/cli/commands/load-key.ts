/** `zfs load-key [-rn] [-L keylocation] <-a | filesystem|volume>` and `zfs unload-key [-r] <-a | filesystem|volume>` (zfs_main.c load_unload_keys) */
import { keyTargets, loadKey, logKeyCommand, unloadKey, type KeyTarget } from '../../lib/crypto/keys.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command, CommandContext } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';
import { errorLines, keyIoOf } from './shared.js';

export function loadUnloadKeys(ctx: CommandContext, args: string[], load: boolean): number {
  const p = parseOptions(args, { flags: load ? 'anr' : 'ar', values: load ? 'L' : '' });
  const all = p.flags.has('a');
  const recursive = all || p.flags.has('r');
  const noop = load && p.flags.has('n');
  const keylocation = load ? p.values.get('L')?.at(-1) : undefined;
  if (!all && p.operands.length === 0) throw new UsageError('Missing dataset argument or -a option');
  if (all && p.operands.length !== 0) throw new UsageError('Cannot specify dataset with -a option');
  if (recursive && keylocation !== undefined && keylocation !== 'prompt') throw new UsageError("alternate keylocation may only be 'prompt' with -r or -a");
  const io = keyIoOf(ctx);
  const report = errorLines(ctx);
  let status = 0;
  let attempted = 0;
  let failed = 0;
  let lastPool: string | null = null;
  const visit = (t: KeyTarget) => {
    // With -r or -a only encryption roots whose key is not yet as asked.
    if (recursive && (!t.root || t.loaded === load)) return;
    attempted++;
    try {
      if (load) loadKey(ctx.home, t.name, { noop, keylocation, io, onError: report });
      else unloadKey(ctx.home, t.name);
      lastPool = t.name.split('/')[0];
    } catch (err) {
      if (!(err instanceof ZfsError)) throw err;
      report(err.lines);
      failed++;
    }
  };
  const operands = all ? [null] : p.operands;
  for (const operand of operands) {
    let targets: KeyTarget[];
    try {
      targets = recursive ? keyTargets(ctx.home, operand) : [{ name: operand!, root: true, loaded: !load }];
    } catch (err) {
      if (!(err instanceof ZfsError)) throw err;
      report(err.lines);
      status = 1;
      continue;
    }
    targets.forEach(visit);
  }
  if (noop || (recursive && attempted !== 0)) {
    ctx.out.write(`${attempted - failed} / ${attempted} key(s) successfully ${load ? (noop ? 'verified' : 'loaded') : 'unloaded'}\n`);
  }
  const ret = failed !== 0 ? 255 : status;
  if (ret === 0 && lastPool !== null) logKeyCommand(ctx.home, lastPool, ctx.historyLine);
  return ret;
}

export const command: Command = {
  usage: ['load-key [-rn] [-L <keylocation>] <-a | filesystem|volume>'],
  run: (ctx, args) => loadUnloadKeys(ctx, args, true),
};
