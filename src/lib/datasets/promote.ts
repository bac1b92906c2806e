/** `zfs promote CLONE`: the clone takes over its origin's older snapshots (one transaction group). */
import { planPromote, promote as promoteInDsl, promoteConflicts, promotedSpace } from '../../engine/datasets/promote.js';
import { transferFits } from '../../engine/datasets/space.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName, MAX_DATASET_NAME_LEN } from '../names.js';
import { withPoolOf } from '../session.js';

export function promote(home: Home, name: string, history: string): void {
  const bad = checkDatasetName(name, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  const action = `cannot promote '${name}'`;
  withPoolOf(
    home,
    name,
    (h) =>
      h.change(history, (c) => {
        const dir = h.findDir(c.dsl, name);
        if (dir === undefined) throw notFound(name);
        const plan = planPromote(c.dsl, dir);
        if (!plan) throw ZfsError.action(action, 'not a cloned filesystem');
        // dsl_dataset_promote_check(): every snapshot that moves must fit under its new name.
        if (plan.shared.some((snap) => Buffer.byteLength(`${name}@${snap.name}`) >= MAX_DATASET_NAME_LEN)) {
          throw datasetError(action, 'ENAMETOOLONG');
        }
        const conflicts = promoteConflicts(c.dsl, plan);
        if (conflicts.length > 0) {
          const parent = c.dsl.datasetName(plan.origin);
          throw ZfsError.action(action, `conflicting snapshot '${conflicts[0]}' from parent '${parent}'`);
        }
        if (!transferFits(c.dsl, plan.originDir, plan.cloneDir, promotedSpace(c.dsl, plan), c.tx.usableBytes())) {
          throw datasetError(action, 'ENOSPC');
        }
        promoteInDsl(c.dsl, plan);
      }),
    () => {
      throw notFound(name);
    },
  );
}
