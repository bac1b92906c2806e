/** `tszfs chown [-R] [-h] OWNER[:GROUP] FILESYSTEM PATH...`: numbers, or names from the host's passwd and group. */
import { ZfsError } from '../../lib/errors.js';
import { groupId, userId } from '../../lib/ids.js';
import { setAttributes } from '../../lib/trees.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: ['chown [-Rh] <owner>[:<group>] <filesystem> <path>...'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'Rh' });
    const [spec, dataset, ...paths] = p.operands;
    if (spec === undefined) throw new UsageError('missing owner argument');
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (paths.length === 0) throw new UsageError('missing path argument');
    const [owner, group] = spec.split(/[:.](.*)/s, 2) as [string, string | undefined];
    const uid = owner === '' ? undefined : userId(owner);
    if (uid === null) throw new ZfsError([`chown: invalid user: '${spec}'`]);
    const gid = group === undefined || group === '' ? undefined : groupId(group);
    if (gid === null) throw new ZfsError([`chown: invalid group: '${spec}'`]);
    const change = { ...(uid !== undefined ? { uid } : {}), ...(gid !== undefined ? { gid } : {}) };
    // -R changes symlinks themselves (never what they point at), as chown -R -P does; -h does at the top too.
    // As Linux's chown(2), even by root: a non-directory loses setuid, and setgid when group-executable.
    const kill = (dn: { type: string; mode: number }) => (dn.type === 'dir' ? 0 : 0o4000 | (dn.mode & 0o010 ? 0o2000 : 0));
    setAttributes(ctx.home, dataset, paths, (dn) => ({ ...change, ...(dn.mode & kill(dn) ? { mode: dn.mode & ~kill(dn) } : {}) }), {
      recursive: p.flags.has('R'),
      follow: !p.flags.has('h') && !p.flags.has('R'),
      lookupAction: (file) => `chown: cannot access '${file}'`,
      action: (file) => `chown: changing ownership of '${file}'`,
    });
    return 0;
  },
};
