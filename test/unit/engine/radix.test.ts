/** The copy-on-write radix tree against a plain Map, in a real LMDB environment. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeWriter } from '../../../src/engine/blocks/nodes.js';
import { EMPTY_TREE, RadixTree } from '../../../src/engine/blocks/radix.js';
import { Store } from '../../../src/engine/store/environment.js';
import type { TreeRef } from '../../../src/engine/store/records.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-radix-'));
const store = Store.open(path.join(dir, 'test.lmdb'));
afterAll(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let nextId = 1;
/** One txg's writer: nodes of earlier txgs are copied on write, as in the engine. */
const writer = (txg: number) => new NodeWriter(store.t, txg, () => nextId++, { killNode() {} });

function build(tree: TreeRef, txg: number, entries: Array<[number, number | null]>): TreeRef {
  const w = writer(txg);
  for (const [key, value] of entries) tree = radix.set(w, tree, key, value);
  store.write(() => w.flush());
  return tree;
}

const radix = new RadixTree<number>(3);
const key = fc.integer({ min: 0, max: 5000 });

describe('RadixTree', () => {
  it('get, scan and compare agree with a Map across levels and shared subtrees', () => {
    let txg = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.integer({ min: 0, max: 9 })), { maxLength: 60 }),
        fc.array(fc.tuple(key, fc.option(fc.integer({ min: 10, max: 19 }))), { maxLength: 30 }),
        (first, second) => {
          const before = new Map<number, number>(first);
          const a = build(EMPTY_TREE, ++txg, first);
          const after = new Map(before);
          for (const [k, v] of second) (v === null ? after.delete(k) : after.set(k, v));
          const b = build(a, ++txg, second);
          const reader = writer(++txg);
          for (const [k, v] of after) expect(radix.get(reader, b, k)).toBe(v);
          const scanned: Array<[number, number]> = [];
          radix.scan(reader, b, 0, (k, v) => void scanned.push([k, v]));
          expect(scanned).toEqual([...after].sort((x, y) => x[0] - y[0]));
          const changed: number[] = [];
          radix.compare(reader, a, b, (x, y) => x === y, (k, x, y) => {
            expect(x).toBe(before.get(k) ?? null);
            expect(y).toBe(after.get(k) ?? null);
            changed.push(k);
          });
          const expected = [...new Set([...before.keys(), ...after.keys()])]
            .filter((k) => before.get(k) !== after.get(k))
            .sort((x, y) => x - y);
          expect(changed).toEqual(expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('bornAfter: what lies under nodes born after a txg, applied to the tree of that txg, gives the later tree', () => {
    let txg = 100000;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.integer({ min: 0, max: 9 })), { maxLength: 60 }),
        fc.array(fc.tuple(key, fc.option(fc.integer({ min: 10, max: 19 }))), { maxLength: 30 }),
        (first, second) => {
          const since = ++txg;
          const a = build(EMPTY_TREE, since, first);
          const b = build(a, ++txg, second);
          const after = new Map<number, number>(first);
          for (const [k, v] of second) (v === null ? after.delete(k) : after.set(k, v));
          // A receiver that holds the tree as of `since` and knows nothing else.
          const received = new Map<number, number>(first);
          const reader = writer(++txg);
          let last = -1;
          radix.bornAfter(
            reader,
            b,
            since,
            (k, v) => {
              expect(k).toBeGreaterThan(last);
              last = k;
              received.set(k, v);
            },
            (k, count) => {
              expect(k).toBeGreaterThan(last);
              last = k + count - 1;
              for (const x of [...received.keys()]) if (x >= k && x < k + count) received.delete(x);
            },
          );
          // Past the later tree's height nothing is left (the tree is new or grew taller).
          const end = radix.capacityOf(b);
          if (b.root === null || b.root.birth > since) for (const x of [...received.keys()]) if (x >= end) received.delete(x);
          expect([...received].sort((x, y) => x[0] - y[0])).toEqual([...after].sort((x, y) => x[0] - y[0]));
        },
      ),
      { numRuns: 150 },
    );
  });
});
