/** `zfs clone [-p] [-o prop=val]... SNAP FS|VOL` */
import { createClone } from '../../engine/datasets/snapshot.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { volumeGeometryAt } from '../../engine/reading.js';
import { headKind, poolNameOf } from '../pool-handle.js';
import { withPoolOf } from '../session.js';
import { ensureParent, validateNewProps, type CreateOptions } from './create.js';
import { assignProperties } from './set.js';
import { openVolume } from '../../engine/sync-task.js';
import { badVolsize } from './volsize.js';

export function clone(home: Home, source: string, target: string, opts: CreateOptions, history: string): void {
  const badSource = checkDatasetName(source, ['snapshot'], false);
  if (badSource) throw ZfsError.action(`cannot open '${source}'`, badSource);
  const action = `cannot create '${target}'`;
  withPoolOf(
    home,
    source,
    (h) => {
      const badTarget = checkDatasetName(target, ['filesystem'], true);
      h.syncTask(history, {
        // Every read that decides the clone is made in the transaction that makes it.
        check(c) {
          const origin = h.resolve(c.dsl, source);
          if (!origin || origin.kind !== 'snapshot') throw notFound(source);
          if (badTarget) throw ZfsError.action(action, badTarget);
          if (poolNameOf(target) !== h.name) throw ZfsError.action(action, 'source and target pools differ');
          const type = headKind(c.dsl, origin.dir);
          // zfs_crypto_clone_check: a clone uses its origin's key, whatever is asked.
          if (opts.props.some(([k]) => ['keyformat', 'keylocation', 'encryption', 'pbkdf2iters'].includes(k))) {
            throw ZfsError.action(action, "Encryption properties must inherit from origin dataset.");
          }
          const props = validateNewProps(action, opts.props, type);
          // A volume's clone reserves nothing unless asked. -o volsize resizes it (its data object
          // holds the size); refreservation=auto is that size, else the origin's (zfs_fix_auto_resv).
          const originGeometry = type === 'volume' ? volumeGeometryAt(c.tx.t, origin.ds.root) : null;
          const volsize = props.volsize === undefined ? undefined : Number(props.volsize);
          delete props.volsize;
          const bad = originGeometry && volsize !== undefined ? badVolsize(String(volsize), originGeometry.blocksize) : null;
          if (bad) throw ZfsError.action(action, bad);
          if (props.refreservation === 'auto') props.refreservation = String(volsize ?? originGeometry!.size);
          if (h.findDir(c.dsl, target) !== undefined) {
            if (opts.parents) return null;
            throw datasetError(action, 'EEXIST');
          }
          if (!target.includes('/')) throw datasetError(action, 'EEXIST');
          const resize = volsize !== undefined && volsize !== originGeometry!.size ? volsize : undefined;
          return { origin: origin.ds.id, props, resize };
        },
        sync(c, plan) {
          if (plan === null) return;
          const parent = ensureParent(h, c, target, opts.parents, action);
          const head = createClone(c.dsl, plan.origin, parent, target.slice(target.lastIndexOf('/') + 1), {});
          // dsl_crypto_key_clone_sync: the clone shares its origin's master key and root.
          const originCrypt = c.dsl.dir(c.dsl.ds(plan.origin).dir).crypt;
          if (originCrypt) {
            const { suite, root, key } = structuredClone(originCrypt);
            c.dsl.dir(head.dir).crypt = { suite, root, key };
          }
          if (plan.resize !== undefined) openVolume(c, head.id).resize(plan.resize);
          assignProperties(c, head.dir, plan.props, () => datasetError(action, 'ENOSPC'));
        },
      });
    },
    () => {
      throw notFound(source);
    },
  );
}
