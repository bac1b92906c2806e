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
    setAttributes(ctx.home, dataset, paths, () => change, {
      recursive: p.flags.has('R'),
      follow: !p.flags.has('h') && !p.flags.has('R'),
      lookupAction: (file) => `chown: cannot access '${file}'`,
      action: (file) => `chown: changing ownership of '${file}'`,
    });
    return 0;
  },
};
