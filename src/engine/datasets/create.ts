/** A new filesystem (or, with `type`, volume): a dir and its head dataset, whose tree the file
 *  layer has just laid out. */
import { nowSeconds } from '../pool/clock.js';
import { dirChildKey } from '../store/keys.js';
import type { HeadRecord, Id, NodePtr } from '../store/records.js';
import type { DslTxn } from './dsl-txn.js';

export function createFilesystem(
  dsl: DslTxn,
  parent: Id | null,
  name: string,
  props: Record<string, string>,
  root: NodePtr,
  ids: { dir: Id; head: Id },
  type?: 'volume',
): HeadRecord {
  const head: HeadRecord = {
    kind: 'head',
    id: ids.head,
    dir: ids.dir,
    prev: null,
    prevTxg: 0,
    createTxg: dsl.txg,
    creation: nowSeconds(),
    guid: dsl.tx.guidFor(ids.head),
    root,
    referenced: 0,
    unique: 0,
    deadlist: dsl.tx.newId(),
    deadBytes: 0,
    compressed: 0,
    uncompressed: 0,
  };
  dsl.addDir({ id: ids.dir, parent, name, head: head.id, origin: null, originTxg: 0, used: { head: 0, snap: 0, child: 0, childRsrv: 0, refrsrv: 0 }, compressed: 0, uncompressed: 0, props, ...(type && { type }) });
  dsl.addDataset(head);
  if (parent !== null) dsl.t.dirChildren.putSync(dirChildKey(parent, name), ids.dir);
  return head;
}
