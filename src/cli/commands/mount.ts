/**
 * `zfs mount [-j]`, `zfs mount [-flvO] [-o opts] <-a|-R filesystem|filesystem>` (zfs_main.c
 * share_mount with OP_MOUNT). Nothing is mounted in the host: the state is kept in the pool and
 * read by the `mounted` property (lib/datasets/mounts.ts). -l loads the keys of encrypted
 * filesystems first (lib/crypto/keys.ts); -f, -O and -v change nothing here; -o is kept only for
 * `remount`, which OpenZFS allows on a mounted filesystem.
 */
import { listMounted, mountOrShare, mountOrShareAll, openFilesystem, type MountOp } from '../../lib/datasets/mounts.js';
import { keyTargets, loadKey } from '../../lib/crypto/keys.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command, CommandContext } from '../context.js';
import { toJson, type JsonValue } from '../format/props.js';
import { parseOptions, UsageError } from '../parse.js';
import { errorLines, keyIoOf } from './shared.js';

export const command: Command = {
  usage: ['mount [-j]', 'mount [-flvO] [-o opts] <-a|-R filesystem|filesystem>'],
  run: (ctx, args) => shareMount(ctx, args, 'mount'),
};

/** share_mount: the argument rules of `zfs mount` and `zfs share`. */
export function shareMount(ctx: CommandContext, args: string[], op: MountOp): number {
  const p =
    op === 'mount'
      ? parseOptions(args, { flags: 'ajRlvOf', values: 'o', repeated: 'o', longFlags: ['json'], reportMissing: true })
      : parseOptions(args, { flags: 'al' });
  const json = p.flags.has('j') || p.flags.has('json');
  const opts = p.values.get('o') ?? [];
  if (opts.some((o) => o === '')) throw new UsageError('empty mount options (-o) specified');
  const options = opts.length === 0 ? null : opts.join(',');
  let operands = p.operands;
  if (json && operands.length !== 0) throw new UsageError('too many arguments');

  const all = p.flags.has('a');
  const recursive = p.flags.has('R');
  if (all || recursive) {
    if (op === 'share' && operands.length > 0) {
      if (operands[0] !== 'nfs' && operands[0] !== 'smb') {
        ctx.err.write('share type must be one of: nfs, smb\n');
        throw new UsageError(null);
      }
      operands = operands.slice(1);
    }
    if (operands.length !== 0 && all) throw new UsageError('too many arguments');
    if (operands.length === 0 && recursive) throw new UsageError('no dataset provided');
    // Each -R operand must open as a filesystem, else the usage follows zfs_open's error.
    for (const name of operands) {
      try {
        openFilesystem(ctx.home, name);
      } catch (err) {
        if (err instanceof ZfsError) throw new ZfsError(err.lines, 2);
        throw err;
      }
    }
    // -l: the keys of the encryption roots to mount are loaded first (zfs_mount_at's MS_CRYPT).
    let failed = false;
    if (op === 'mount' && p.flags.has('l')) {
      for (const root of operands.length === 0 ? [null] : operands) {
        for (const t of keyTargets(ctx.home, root)) if (t.root && !t.loaded) failed = !loadFor(ctx, t.name) || failed;
      }
    }
    mountOrShareAll(ctx.home, op, operands.length === 0 ? null : operands, options);
    return failed ? 1 : 0;
  }
  if (operands.length === 0) {
    if (op === 'share' || options !== null) throw new UsageError('missing filesystem argument (specify -a for all)');
    const mounted = listMounted(ctx.home);
    if (json) {
      if (mounted.length === 0) return 0;
      const datasets: Record<string, JsonValue> = {};
      for (const m of mounted) datasets[m.name] = { filesystem: m.name, mountpoint: m.mountpoint };
      ctx.out.write(toJson({ output_version: { command: 'zfs mount', vers_major: 0n, vers_minor: 1n }, datasets }) + '\n');
      return 0;
    }
    for (const m of mounted) ctx.out.write(`${m.name.padEnd(30)}  ${m.mountpoint}\n`);
    return 0;
  }
  if (operands.length > 1) throw new UsageError('too many arguments');
  if (op === 'mount' && p.flags.has('l')) {
    const t = keyTargets(ctx.home, operands[0])[0];
    if (t.encrypted && !t.loaded && !loadFor(ctx, operands[0])) return 1;
  }
  mountOrShare(ctx.home, op, operands[0], options);
  return 0;
}

/** zfs_crypto_load_key for `mount -l`: its error lines printed, false when it failed. */
function loadFor(ctx: CommandContext, name: string): boolean {
  const report = errorLines(ctx);
  try {
    loadKey(ctx.home, name, { noop: false, io: keyIoOf(ctx), onError: report });
    return true;
  } catch (err) {
    if (!(err instanceof ZfsError)) throw err;
    report(err.lines);
    return false;
  }
}
