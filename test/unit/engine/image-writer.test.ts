/**
 * ImageWriter (engine/pool/writeback.ts): the image writes of a large write, done on a thread.
 * Writes that follow on from each other in both the shared buffer and the image are queued as
 * one (one pwrite, one wake of the thread); whatever the joins, the image ends up with every
 * byte where it was written once settle() returns.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ImageWriter, type SharedBytes } from '../../../src/engine/pool/writeback.js';

const makeShared = (pages: number): SharedBytes => {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  return { memory, bytes: Buffer.from(memory.buffer) };
};

const KiB = 1024;
const SLOT = 64 * KiB;

let dir: string | null = null;
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function scratch(): number {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-image-writer-'));
  return fs.openSync(path.join(dir, 'image'), 'w+');
}

/** Fill `buf` with bytes that say where they came from. */
const pattern = (buf: Buffer, seed: number) => {
  for (let i = 0; i < buf.length; i++) buf[i] = (seed * 31 + i * 7) & 0xff;
};

const jobsOf = (w: ImageWriter) => (w as unknown as { queued: number }).queued;

describe('ImageWriter', () => {
  it('joins writes that follow on in buffer and image into one job, and writes every byte where asked', () => {
    const fd = scratch();
    const w = new ImageWriter(fd, SLOT, makeShared);
    const expected = Buffer.alloc(16 * SLOT);
    const put = (buf: Buffer, from: number, length: number, position: number) => {
      w.write(buf.subarray(from, from + length), length, position);
      buf.copy(expected, position, from, from + length);
    };
    // Buffer 1: four 8K records laid one after the other in the image: one job.
    let buf = w.buffer(32 * KiB);
    pattern(buf, 1);
    for (let r = 0; r < 4; r++) put(buf, r * 8 * KiB, 8 * KiB, 4 * SLOT + r * 8 * KiB);
    // Buffer 2: records that follow on in memory but not in the image (a gap between them,
    // then one placed before the previous one), and one that leaves a hole in memory.
    buf = w.buffer(32 * KiB);
    pattern(buf, 2);
    put(buf, 0, 8 * KiB, 8 * SLOT);
    put(buf, 8 * KiB, 8 * KiB, 8 * SLOT + 12 * KiB);
    put(buf, 16 * KiB, 4 * KiB, 8 * SLOT - 4 * KiB);
    put(buf, 24 * KiB, 8 * KiB, 8 * SLOT + 20 * KiB);
    // More buffers than the writer has slots: each of them one job again.
    for (let b = 0; b < 6; b++) {
      buf = w.buffer(SLOT);
      pattern(buf, 10 + b);
      put(buf, 0, SLOT / 2, 9 * SLOT + b * SLOT);
      put(buf, SLOT / 2, SLOT / 2, 9 * SLOT + b * SLOT + SLOT / 2);
    }
    w.settle();
    expect(jobsOf(w)).toBe(1 + 4 + 6);
    const image = Buffer.alloc(expected.length);
    fs.readSync(fd, image, 0, image.length, 0);
    expect(image.equals(expected)).toBe(true);
    fs.closeSync(fd);
  });

  it('queues a write held back for joining at settle(), before anything waits on it', () => {
    const fd = scratch();
    const w = new ImageWriter(fd, SLOT, makeShared);
    const buf = w.buffer(8 * KiB);
    pattern(buf, 3);
    w.write(buf, 8 * KiB, 0);
    w.settle();
    const image = Buffer.alloc(8 * KiB);
    expect(fs.readSync(fd, image, 0, image.length, 0)).toBe(8 * KiB);
    expect(image.equals(buf)).toBe(true);
    fs.closeSync(fd);
  });
});
