/** Wait `ms` milliseconds without returning to the event loop: commands here are synchronous. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
