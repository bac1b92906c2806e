/** `zfs promote CLONE`: the clone takes over its origin's older snapshots (one transaction group). */
import { planPromote, promote as promoteInDsl, promoteConflicts, promotedSpace } from '../../engine/datasets/promote.js';
import { transferFits } from '../../engine/datasets/space.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName, MAX_DATASET_NAME_LEN } from '../names.js';
import { withPoolOf } from '../session.js';
import type { Change } from '../pool-handle.js';
import type { Id } from '../../engine/model.js';
import { moveEncryptionRoot } from '../../engine/keys.js';
import { moveKey } from '../crypto/keystore.js';

/**
 * dsl_dataset_promote_crypt_check and _sync: a promote must not take an encrypted dataset out of
 * its encryption root (EACCES); when the origin is the root, the clone becomes the root, taking
 * its key parameters and keylocation. Returns the heads' guids whose kept key is to move.
 */
function promoteCrypt(c: Change, target: Id, origin: Id, action: string): { from: string; to: string } | null {
  const o = c.dsl.dir(origin);
  if (!o.crypt || o.origin !== null) return null;
  if (o.crypt.root !== origin) {
    const t = c.dsl.dir(target);
    const op = o.parent === null ? undefined : c.dsl.dir(o.parent).crypt?.root;
    const tp = t.parent === null ? undefined : c.dsl.dir(t.parent).crypt?.root;
    if (op === undefined || tp === undefined || op !== tp) throw ZfsError.action(action, 'cannot promote dataset outside its encryption root');
    return null;
  }
  moveEncryptionRoot(c, origin, target);
  return { from: c.dsl.head(origin).guid, to: c.dsl.head(target).guid };
}

export function promote(home: Home, name: string, history: string): void {
  const bad = checkDatasetName(name, ['filesystem'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  const action = `cannot promote '${name}'`;
  withPoolOf(
    home,
    name,
    (h) => {
      const moved = h.change(history, (c) => {
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
        const rootMove = promoteCrypt(c, plan.cloneDir, plan.originDir, action);
        promoteInDsl(c.dsl, plan);
        return rootMove;
      });
      // The loaded key follows the encryption root to its new dataset.
      if (moved) moveKey(home, h.pool.meta().guid, moved.from, moved.to);
    },
    () => {
      throw notFound(name);
    },
  );
}
