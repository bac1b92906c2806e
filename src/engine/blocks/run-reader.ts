/**
 * Reading a large file's runs of records (records.ts joinsRun) on two threads: copying from the
 * page cache and fletcher4 each cost about as much as `cat` itself, so one thread alone cannot
 * come near it. Runs are queued in SLOTS slots of a shared WebAssembly memory; a helper thread
 * and the caller each take queued runs, read them (one read each) and compute every record's
 * fletcher4 into the slot; the caller then verifies (records.ts verifyRun) and passes on the runs
 * in file order. The helper thread starts once per process, in the background; until it runs,
 * the caller does all the work itself, so a small file never waits for it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlockPtr } from '../store/records.js';
import { sharedFletcher4Module } from './fletcher4-wasm.js';
import { invocationEnv } from '../pool/env.js';

const SLOTS = 4;
/** The most records in one run, and the most bytes (a single record may be larger, up to 16M). */
export const RUN_RECORDS = 64;
export const SLOT_BYTES = 16 << 20;
const PAGE = 65536;
const RESULTS = 0; // SLOTS * RUN_RECORDS fletcher4 results of 32 bytes, then the slots' data
const DATA = SLOTS * RUN_RECORDS * 32;
const PAGES = Math.ceil((DATA + SLOTS * SLOT_BYTES) / PAGE);

// The control words: [TICKET] counts queued runs (the helper sleeps on it); per slot, its state
// and its queue ticket (the helper takes the oldest); per slot a job of [fd, position, count, lsize].
const TICKET = 0;
const stateOf = (slot: number) => 1 + slot;
const ticketOf = (slot: number) => 1 + SLOTS + slot;
const [FREE, QUEUED, TAKEN, READ, FAILED] = [0, 1, 2, 3, 4];

/** The helper thread (CommonJS, evaluated): take the oldest queued run, read it, checksum it. */
const HELPER = `
const { workerData: { module, memory, control, jobs } } = require('node:worker_threads');
const fs = require('node:fs');
const { f4 } = new WebAssembly.Instance(module, { env: { mem: memory } }).exports;
const c = new Int32Array(control);
const job = new Float64Array(jobs);
const bytes = Buffer.from(memory.buffer);
for (;;) {
  const ticket = Atomics.load(c, ${TICKET});
  let slot = -1;
  for (let i = 0; i < ${SLOTS}; i++) {
    if (Atomics.load(c, 1 + i) === ${QUEUED} && (slot < 0 || c[${1 + SLOTS} + i] < c[${1 + SLOTS} + slot])) slot = i;
  }
  if (slot < 0) {
    Atomics.wait(c, ${TICKET}, ticket);
    continue;
  }
  if (Atomics.compareExchange(c, 1 + slot, ${QUEUED}, ${TAKEN}) !== ${QUEUED}) continue;
  const [fd, position, count, lsize] = job.subarray(slot * 4, slot * 4 + 4);
  const at = ${DATA} + slot * ${SLOT_BYTES};
  let state = ${READ};
  try {
    for (let done = 0; done < count * lsize; ) {
      const n = fs.readSync(fd, bytes, at + done, count * lsize - done, position + done);
      if (n === 0) throw new Error('short read');
      done += n;
    }
    for (let r = 0; r < count; r++) f4(at + r * lsize, lsize, ${RESULTS} + (slot * ${RUN_RECORDS} + r) * 32);
  } catch {
    state = ${FAILED};
  }
  Atomics.store(c, 1 + slot, state);
  Atomics.notify(c, 1 + slot);
}`;

/** A queued run, as the caller sees it. */
interface Queued {
  run: BlockPtr[];
  slot: number;
  start: number;
}

/** What complete() hands back: the run's bytes, read; `fletcher4(i)` is record i's checksum
 *  computed over exactly those bytes, or null when the run must be read again on its own. */
export interface ReadRun {
  run: BlockPtr[];
  start: number;
  data: Buffer | null;
  fletcher4(i: number): Buffer;
}

class Threads {
  readonly memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES, shared: true });
  readonly control = new Int32Array(new SharedArrayBuffer(4 * (1 + 2 * SLOTS)));
  readonly jobs = new Float64Array(new SharedArrayBuffer(8 * 4 * SLOTS));
  readonly bytes = Buffer.from(this.memory.buffer);
  readonly f4: (p: number, len: number, out: number) => void;

  constructor() {
    const module = sharedFletcher4Module(PAGES);
    this.f4 = (new WebAssembly.Instance(module, { env: { mem: this.memory } }).exports as { f4: Threads['f4'] }).f4;
    const helper = new Worker(HELPER, { eval: true, workerData: { module, memory: this.memory, control: this.control.buffer, jobs: this.jobs.buffer } });
    helper.unref(); // never keeps the process alive; it is idle whenever no read is under way
  }
}

let threads: Threads | null = null;
let inUse = false;

/** Runs of one file, read ahead on two threads and handed back in order. */
export class RunReader {
  private readonly t = (threads ??= new Threads());
  private readonly queue: Queued[] = [];
  private tickets = 0;

  private constructor(private readonly fd: number) {}

  /** A reader of the image open as `fd`; null while another one is open (the slots are the
   *  process's), and while the machine is busier than it has cores: there the helper only adds
   *  its start-up and hand-overs (measured on 2 cores: 15% faster than one thread at load 1,
   *  about even at 3, 10% slower at 6). TSZFS_HELPER_THREADS=always (for tests) uses it
   *  whatever the load. close() it when done, whatever happened. */
  static open(fd: number): RunReader | null {
    if (inUse) return null;
    if (invocationEnv().TSZFS_HELPER_THREADS !== 'always' && os.loadavg()[0] > os.cpus().length) return null;
    inUse = true;
    return new RunReader(fd);
  }

  /** Forget the queued runs (after an error), waiting out any the helper is reading. */
  close(): void {
    const c = this.t.control;
    for (const { slot } of this.queue) {
      while (Atomics.compareExchange(c, stateOf(slot), QUEUED, FREE) === TAKEN) Atomics.wait(c, stateOf(slot), TAKEN);
      Atomics.store(c, stateOf(slot), FREE);
    }
    this.queue.length = 0;
    inUse = false;
  }

  get full(): boolean {
    return this.queue.length === SLOTS;
  }

  get empty(): boolean {
    return this.queue.length === 0;
  }

  /** Queue a run (joinsRun's, of at most RUN_RECORDS records and SLOT_BYTES bytes) that begins
   *  with block `start`; at most SLOTS at a time. */
  add(run: readonly BlockPtr[], start: number): void {
    const used = new Set(this.queue.map((q) => q.slot));
    const slot = [...Array(SLOTS).keys()].find((s) => !used.has(s)) as number;
    this.t.jobs.set([this.fd, run[0].offset, run.length, run[0].lsize], slot * 4);
    const c = this.t.control;
    c[ticketOf(slot)] = this.tickets++;
    Atomics.store(c, stateOf(slot), QUEUED);
    Atomics.add(c, TICKET, 1);
    Atomics.notify(c, TICKET, 1);
    this.queue.push({ run: [...run], slot, start });
  }

  /** The oldest run, read and checksummed: by the caller when the helper has not taken it, and
   *  while the helper works on it, the caller takes the newest queued one meanwhile. Valid until
   *  the next add(). */
  complete(): ReadRun {
    const oldest = this.queue[0];
    const c = this.t.control;
    while (!this.take(oldest)) {
      const newest = [...this.queue].reverse().find((q) => q !== oldest && Atomics.load(c, stateOf(q.slot)) === QUEUED);
      if (newest) this.take(newest);
      else if (Atomics.load(c, stateOf(oldest.slot)) === TAKEN) Atomics.wait(c, stateOf(oldest.slot), TAKEN);
    }
    this.queue.shift();
    const state = Atomics.exchange(c, stateOf(oldest.slot), FREE);
    const { run, slot, start } = oldest;
    const lsize = run[0].lsize;
    const at = DATA + slot * SLOT_BYTES;
    const results = RESULTS + slot * RUN_RECORDS * 32;
    return {
      run,
      start,
      data: state === READ ? this.t.bytes.subarray(at, at + run.length * lsize) : null,
      fletcher4: (i) => this.t.bytes.subarray(results + i * 32, results + i * 32 + 32),
    };
  }

  /** Read and checksum `q` here if nobody has; true once it is read (or failed). */
  private take(q: Queued): boolean {
    const c = this.t.control;
    const state = Atomics.compareExchange(c, stateOf(q.slot), QUEUED, TAKEN);
    if (state === READ || state === FAILED) return true;
    if (state !== QUEUED) return false;
    const lsize = q.run[0].lsize;
    const at = DATA + q.slot * SLOT_BYTES;
    let outcome = READ;
    try {
      for (let done = 0; done < q.run.length * lsize; ) {
        const n = fs.readSync(this.fd, this.t.bytes, at + done, q.run.length * lsize - done, q.run[0].offset + done);
        if (n === 0) throw new Error('short read');
        done += n;
      }
      for (let r = 0; r < q.run.length; r++) this.t.f4(at + r * lsize, lsize, RESULTS + (q.slot * RUN_RECORDS + r) * 32);
    } catch {
      outcome = FAILED;
    }
    Atomics.store(c, stateOf(q.slot), outcome);
    return q === this.queue[0];
  }
}
