/**
 * Early flushes of the image, on a thread of their own (see Writeback).
 */
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
