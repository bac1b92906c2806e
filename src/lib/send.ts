/** `zfs send [-nvP] [-i SNAP] SNAP`: a full or incremental stream of a snapshot to a byte sink. */
import { NodeReader } from '../engine/blocks/nodes.js';
import { ChecksumError } from '../engine/blocks/records.js';
import { StreamWriter } from '../engine/streams/format.js';
import { sendStream, type SnapshotRef } from '../engine/streams/send.js';
import type { DslView } from '../engine/datasets/view.js';
import type { SnapshotRecord } from '../engine/store/records.js';
import { ZfsError, notFound } from './errors.js';
import type { Home } from './home.js';
import { checkDatasetName } from './names.js';
import type { PoolHandle } from './pool-handle.js';
import { withPoolOf } from './session.js';

export interface SendOptions {
  /** -i or -I: the incremental source, as `@a`, `fs@a` or `a` */
  from?: string;
  /** -I: one incremental stream per snapshot between `from` and the snapshot sent */
  intermediates?: boolean;
  /** -n: only estimate */
  dryRun: boolean;
}

export interface SendSummary {
  kind: 'full' | 'incremental';
  from: string | null;
  to: string;
  bytes: number;
}

/** Stream `name` (from `opts.from`) to `out`; returns what was (or would be) sent, stream by stream. */
export function send(home: Home, name: string, opts: SendOptions, out: (chunk: Buffer) => void): SendSummary[] {
  const bad = checkDatasetName(name, ['snapshot'], false);
  if (bad) throw ZfsError.action(`cannot open '${name}'`, bad);
  return withPoolOf(
    home,
    name,
    (h) => {
      const view = h.view();
      const to = h.resolve(view, name);
      if (!to || to.kind !== 'snapshot') throw notFound(name);
      const from = opts.from === undefined ? null : incrementalSource(h, view, name, to.ds, opts.from);
      const type = view.dir(to.dir).type;
      const ref = (s: SnapshotRecord): SnapshotRef => ({ name: view.datasetName(s), guid: s.guid, creation: s.creation, root: s.root, ...(type && { type }) });
      // -I: every snapshot after `from` up to the one sent, oldest first, each on top of the last.
      const chain: SnapshotRecord[] = [to.ds];
      if (from && opts.intermediates) {
        for (let id = to.ds.prev; id !== null && id !== from.id; id = view.ds(id).prev) chain.unshift(view.ds(id) as SnapshotRecord);
      }
      const src = new NodeReader(h.pool.t);
      const sendOne = (base: SnapshotRecord | null, snap: SnapshotRecord): SendSummary => {
        const writer = new StreamWriter(opts.dryRun ? null : out);
        sendStream(src, opts.dryRun ? null : h.pool.image, base && ref(base), ref(snap), writer);
        return { kind: base ? 'incremental' : 'full', from: base && view.datasetName(base), to: view.datasetName(snap), bytes: writer.bytes };
      };
      try {
        // A registered reader: blocks other commands free meanwhile stay unallocated until it ends.
        return h.pool.readingData(() => chain.map((snap, i) => sendOne(i === 0 ? from : chain[i - 1], snap)));
      } catch (err) {
        // A damaged block is never sent: the stream stops short, and receive refuses what came.
        if (err instanceof ChecksumError) throw ZfsError.action(`warning: cannot send '${name}'`, 'I/O error');
        throw err;
      }
    },
    () => {
      throw notFound(name);
    },
  );
}

/** The -i snapshot: it must be an earlier snapshot of the same filesystem or of its origins. */
function incrementalSource(h: PoolHandle, view: DslView, toName: string, to: SnapshotRecord, spec: string): SnapshotRecord {
  const fsName = toName.slice(0, toName.indexOf('@'));
  const fromName = spec.startsWith('@') ? fsName + spec : spec.includes('@') ? spec : `${fsName}@${spec}`;
  const from = h.resolve(view, fromName);
  if (!from || from.kind !== 'snapshot') {
    throw ZfsError.action(`warning: cannot send '${toName}'`, `incremental source (${fromName}) does not exist`);
  }
  for (let id: number | null = to.prev; id !== null; id = view.ds(id).prev) {
    if (id === from.ds.id) return from.ds;
  }
  throw ZfsError.action(`warning: cannot send '${toName}'`, 'not an earlier snapshot from the same fs');
}
