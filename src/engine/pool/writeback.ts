/**
 * Large writes to the image on threads of their own: the copies into the page cache
 * (ImageWriter) and early flushes (Writeback), while the command goes on.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

/** Bytes written between two flushes started early (Writeback). */
export const WRITEBACK_BYTES = 32 << 20;

// Words of the state Writeback shares with its thread.
const STATE = 0; // IDLE, BUSY (flushing) or PAUSED
const PENDING = 1; // 1 when a flush was asked for since the last one began
const FAILED = 2; // 1 when a flush failed
const [IDLE, BUSY, PAUSED, CLOSED] = [0, 1, 2, 3];

/** The thread's loop (CommonJS, evaluated): flush whenever asked, while not paused. */
const FLUSHER = `
const { workerData: { fd, shared } } = require('node:worker_threads');
const fs = require('node:fs');
const s = new Int32Array(shared);
for (;;) {
  Atomics.wait(s, ${PENDING}, 0);
  const was = Atomics.compareExchange(s, ${STATE}, ${IDLE}, ${BUSY});
  if (was === ${CLOSED}) break;
  Atomics.store(s, ${PENDING}, 0);
  if (was !== ${IDLE}) continue;
  try {
    fs.fdatasyncSync(fd);
  } catch {
    Atomics.store(s, ${FAILED}, 1);
  }
  Atomics.store(s, ${STATE}, ${IDLE});
  Atomics.notify(s, ${STATE});
}`;

/**
 * Flushes of the image started while a large write goes on, on a thread of their own: the disk
 * then writes while the command produces, and the final fdatasync before the commit only has
 * the tail left. Durability still rests on that final fdatasync alone (sync()); an early flush
 * only starts the work sooner. A failed early flush fails the sync: the kernel reports a write
 * error once per open file, possibly to the thread rather than to the final fdatasync.
 */
export class Writeback {
  private readonly state = new Int32Array(new SharedArrayBuffer(12));
  private readonly thread: Worker;

  constructor(fd: number) {
    this.thread = new Worker(FLUSHER, { eval: true, workerData: { fd, shared: this.state.buffer } });
    this.thread.unref(); // a process never waits for it to exit
  }

  kick(): void {
    Atomics.compareExchange(this.state, STATE, PAUSED, IDLE);
    Atomics.store(this.state, PENDING, 1);
    Atomics.notify(this.state, PENDING);
  }

  /** Wait out a flush under way, keep the thread from starting another; throw if one failed. */
  pause(): void {
    this.settle(PAUSED);
    if (Atomics.exchange(this.state, FAILED, 0) === 1) throw new Error('the image could not be flushed (fdatasync failed)');
  }

  close(): void {
    this.settle(CLOSED);
    Atomics.store(this.state, PENDING, 1);
    Atomics.notify(this.state, PENDING);
  }

  private settle(to: number): void {
    for (;;) {
      const was = Atomics.compareExchange(this.state, STATE, IDLE, to);
      if (was !== BUSY) {
        if (was !== IDLE) Atomics.store(this.state, STATE, to);
        return;
      }
      Atomics.wait(this.state, STATE, BUSY);
    }
  }
}

// Writes handed to a thread (ImageWriter): a ring of JOBS jobs of [source offset, length,
// position] in the shared memory, each with a state word and the number it was queued as.
const JOBS = 64;
const SLOTS = 4;
const QUEUED_COUNT = 0; // jobs queued so far (the writer sleeps on it)
const jobState = (i: number) => 1 + i;
const jobNumber = (i: number) => 1 + JOBS + i;
const [EMPTY, QUEUED, TAKEN, WRITTEN, WRITE_FAILED] = [0, 1, 2, 3, 4];

/** The writer thread (CommonJS, evaluated): write the queued jobs in order, skipping any the
 *  command took back to do itself. */
const WRITER = `
const { workerData: { fd, memory, control, jobs } } = require('node:worker_threads');
const fs = require('node:fs');
const c = new Int32Array(control);
const job = new Float64Array(jobs);
const bytes = Buffer.from(memory.buffer);
for (let next = 0; ; ) {
  const i = next % ${JOBS};
  if (Atomics.load(c, ${QUEUED_COUNT}) <= next) {
    Atomics.wait(c, ${QUEUED_COUNT}, next);
    continue;
  }
  next++;
  if (c[${1 + JOBS} + i] !== next - 1 || Atomics.compareExchange(c, 1 + i, ${QUEUED}, ${TAKEN}) !== ${QUEUED}) continue;
  const [from, length, position] = job.subarray(i * 3, i * 3 + 3);
  let state = ${WRITTEN};
  try {
    for (let done = 0; done < length; ) done += fs.writeSync(fd, bytes, from + done, length - done, position + done);
  } catch {
    state = ${WRITE_FAILED};
  }
  Atomics.store(c, 1 + i, state);
  Atomics.notify(c, 1 + i);
}`;

/**
 * Image writes done on a thread of their own, from buffers in a shared memory (writeBuffer): the
 * command reads its input and computes checksums while the previous records are copied into
 * the page cache. A buffer is handed out again only once everything written from it is written;
 * until the thread runs (or whenever it lags), the command does queued writes itself. settle()
 * waits for all of them: before any read of the image and before the final fdatasync.
 */
/**
 * Bytes in a shared WebAssembly memory, which the writer thread is given. The caller makes it
 * (the blocks layer's SharedChecksumArena), so that checksums of its bytes need no copy: the pool
 * layer only writes them.
 */
export interface SharedBytes {
  readonly memory: WebAssembly.Memory;
  readonly bytes: Buffer;
}

/** Makes SharedBytes of `pages` 64K pages. */
export type SharedBytesMaker = (pages: number) => SharedBytes;

export class ImageWriter {
  private readonly arena: SharedBytes;
  /** the whole shared memory: jobs name offsets in it */
  private readonly whole: Buffer;
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * JOBS)));
  private readonly jobs = new Float64Array(new SharedArrayBuffer(8 * 3 * JOBS));
  private readonly slotBytes: number;
  /** per buffer slot, the number of the last job that writes from it */
  private readonly lastJob = new Array<number>(SLOTS).fill(-1);
  private queued = 0;
  private settled = 0; // jobs before this number are written (or failed)
  private nextSlot = 0;
  private failed = false;
  /** the last write asked for, not queued yet: a write that follows it in both memory and the
   *  image joins it, so that a buffer of whole records is one pwrite and one wake of the thread */
  private pending: { from: number; length: number; position: number } | null = null;

  constructor(private readonly fd: number, slotBytes: number, makeShared: SharedBytesMaker) {
    this.slotBytes = slotBytes;
    this.arena = makeShared(Math.ceil((64 + SLOTS * slotBytes) / 65536));
    this.whole = Buffer.from(this.arena.bytes.buffer);
    const writer = new Worker(WRITER, { eval: true, workerData: { fd, memory: this.arena.memory, control: this.control.buffer, jobs: this.jobs.buffer } });
    writer.unref(); // idle whenever nothing is queued; never keeps the process alive
  }

  /** A buffer of `bytes` (at most the slot size) to fill and pass to write(); checksums of its
   *  bytes need no copy. Valid until the SLOTS-th next call. */
  buffer(bytes: number): Buffer {
    this.queuePending();
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) % SLOTS;
    this.settleUpTo(this.lastJob[slot] + 1);
    return this.arena.bytes.subarray(slot * this.slotBytes, slot * this.slotBytes + bytes);
  }

  fits(bytes: number): boolean {
    return bytes <= this.slotBytes;
  }

  owns(buf: Buffer): boolean {
    return buf.buffer === this.arena.bytes.buffer;
  }

  /** Write `length` bytes of `buf` (one of ours) at `position`: queued once the next write does
   *  not follow on from it, or at the next buffer() or settle(). */
  write(buf: Buffer, length: number, position: number): void {
    const p = this.pending;
    if (p !== null && p.from + p.length === buf.byteOffset && p.position + p.length === position) {
      p.length += length;
      return;
    }
    this.queuePending();
    this.pending = { from: buf.byteOffset, length, position };
  }

  private queuePending(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    const n = this.queued;
    if (n >= JOBS) this.settleUpTo(n - JOBS + 1); // its ring entry must be free
    const i = n % JOBS;
    this.jobs[i * 3] = p.from;
    this.jobs[i * 3 + 1] = p.length;
    this.jobs[i * 3 + 2] = p.position;
    this.control[jobNumber(i)] = n;
    Atomics.store(this.control, jobState(i), QUEUED);
    this.lastJob[Math.floor((p.from - this.arena.bytes.byteOffset) / this.slotBytes)] = n;
    this.queued++;
    Atomics.store(this.control, QUEUED_COUNT, this.queued);
    Atomics.notify(this.control, QUEUED_COUNT);
  }

  /** Wait until every queued write is done; throw if one failed. */
  settle(): void {
    this.queuePending();
    this.settleUpTo(this.queued);
    if (this.failed) {
      this.failed = false;
      throw new Error('the image could not be written');
    }
  }

  /** Jobs before number `end` done: each by the thread, or here if it has not taken it yet. */
  private settleUpTo(end: number): void {
    const c = this.control;
    for (; this.settled < end; this.settled++) {
      const i = this.settled % JOBS;
      if (Atomics.compareExchange(c, jobState(i), QUEUED, TAKEN) === QUEUED) {
        const [from, length, position] = this.jobs.subarray(i * 3, i * 3 + 3);
        try {
          for (let done = 0; done < length; ) done += fs.writeSync(this.fd, this.whole, from + done, length - done, position + done);
        } catch {
          this.failed = true;
        }
      } else {
        while (Atomics.load(c, jobState(i)) === TAKEN) Atomics.wait(c, jobState(i), TAKEN);
        if (Atomics.load(c, jobState(i)) === WRITE_FAILED) this.failed = true;
      }
      Atomics.store(c, jobState(i), EMPTY);
    }
  }
}
