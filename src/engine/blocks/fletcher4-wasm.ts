/**
 * fletcher4 (OpenZFS zfs_fletcher.c fletcher_4_native) in a tiny WebAssembly function: reads and
 * writes of large files are bound by checksum speed, and the pure-JS version (checksum.ts) has to
 * split every 64-bit sum into two doubles. WebAssembly's 64-bit adds wrap modulo 2^64 exactly as
 * the C code does.
 *
 * The bulk runs as OpenZFS's SIMD versions do (zfs_fletcher_superscalar4.c, zfs_fletcher_intel.c):
 * four streams of 64-bit sums, stream k taking words k, k+4, k+8, ..., here in two simd128 vectors
 * per sum, combined at the end into the one (a, b, c, d) a word-by-word pass would have given;
 * the last words (fewer than 16) continue word by word from there.
 *
 * The module is hand-assembled (no toolchain at build time) by the small emitter below; in text:
 *
 *   (func (export "f4") (param $p i32) (param $len i32) (param $out i32) ;; words at [p, p+len)
 *     end = p + len; bulk = p + (len & ~63)
 *     while p < bulk: 4 times { v = v128.load(p + 16k)
 *       aLo += u64x2(v low words); aHi += u64x2(v high words)   ;; lanes: streams 0,1 and 2,3
 *       bLo += aLo; bHi += aHi; cLo += bLo; ...; dHi += cHi }; p += 64
 *     a, b, c, d = combine(lanes)          ;; superscalar4_fini's coefficients, as i64x2 products
 *     while p < end: { a += load32_u(p); b += a; c += b; d += c }; p += 4
 *     store64(out, a); store64(out + 8, b); store64(out + 16, c); store64(out + 24, d))
 *
 * Memory: the 32-byte result at 0, the data at DATA. Data elsewhere is copied in (the memory
 * grows for larger records); a ChecksumArena's bytes are checksummed where they lie.
 */
const PAGE = 65536;
const DATA = 64;

// Locals by index: the three i32 parameters, then the declared ones.
const P = 0, LEN = 1, OUT = 2, A = 3, B = 4, C = 5, D = 6, END = 7, BULK = 8;
const [A_LO, A_HI, B_LO, B_HI, C_LO, C_HI, D_LO, D_HI, V] = [9, 10, 11, 12, 13, 14, 15, 16, 17];

function leb128(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb128(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    const done = (n === 0n && (byte & 0x40) === 0) || (n === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const simd = (opcode: number, ...imm: number[]) => [0xfd, ...leb128(opcode), ...imm];
const I32_ADD = [0x6a], I32_AND = [0x71], I64_ADD = [0x7c];
const i32 = (n: number) => [0x41, ...sleb128(BigInt(n))];
const i64x2 = (lo: number, hi: number) => {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setBigInt64(0, BigInt(lo), true);
  new DataView(bytes.buffer).setBigInt64(8, BigInt(hi), true);
  return simd(0x0c, ...bytes); // v128.const
};
const V128_LOAD = (offset: number) => simd(0x00, 0, ...leb128(offset));
const EXTEND_LOW_U = simd(201), EXTEND_HIGH_U = simd(202), X2_ADD = simd(206), X2_MUL = simd(213);
const LANE = (k: number) => simd(29, k); // i64x2.extract_lane
const add = (sum: number, addend: number) => [...get(sum), ...get(addend), ...X2_ADD, ...set(sum)];

/** One 16-byte step of the four streams. */
const vectorStep = (offset: number) => [
  ...get(P), ...V128_LOAD(offset), ...set(V),
  ...get(A_LO), ...get(V), ...EXTEND_LOW_U, ...X2_ADD, ...set(A_LO),
  ...get(A_HI), ...get(V), ...EXTEND_HIGH_U, ...X2_ADD, ...set(A_HI),
  ...add(B_LO, A_LO), ...add(B_HI, A_HI),
  ...add(C_LO, B_LO), ...add(C_HI, B_HI),
  ...add(D_LO, C_LO), ...add(D_HI, C_HI),
];

/**
 * fletcher_4_superscalar4_fini: each of A..D is a sum of stream sums times small constants.
 * `terms` pairs a (lo or hi) vector with its coefficients for its two streams.
 */
function combine(target: number, terms: Array<[vector: number, lo: number, hi: number]>): number[] {
  const code: number[] = [...i64x2(0, 0)];
  for (const [vector, lo, hi] of terms) code.push(...get(vector), ...i64x2(lo, hi), ...X2_MUL, ...X2_ADD);
  code.push(...tee(V), ...LANE(0), ...get(V), ...LANE(1), ...I64_ADD, ...set(target));
  return code;
}

/** a += load32_u(p); b += a; c += b; d += c */
const scalarStep = [
  ...get(A), ...get(P), 0x35, 0x02, 0x00, ...I64_ADD, ...tee(A),
  ...get(B), ...I64_ADD, ...tee(B),
  ...get(C), ...I64_ADD, ...tee(C),
  ...get(D), ...I64_ADD, ...set(D),
];

const whileBelow = (limit: number, body: number[], step: number) => [
  0x02, 0x40, 0x03, 0x40, // block loop
  ...get(P), ...get(limit), 0x4f, 0x0d, 0x01, // br_if p >= limit (unsigned)
  ...body,
  ...get(P), ...i32(step), ...I32_ADD, ...set(P),
  0x0c, 0x00, 0x0b, 0x0b, // br loop; end; end
];

const store64 = (offset: number, local: number) => [...get(OUT), ...get(local), 0x37, 0x03, offset];

/** The function's code, built when a module is first made (not at start-up: most commands
 *  never checksum a block, and building it is a few milliseconds of every start). */
const body = () => [
  0x03, 0x04, 0x7e, 0x02, 0x7f, 0x09, 0x7b, // locals: 4 x i64, 2 x i32, 9 x v128 (zeroed)
  ...get(P), ...get(LEN), ...I32_ADD, ...set(END),
  ...get(P), ...get(LEN), ...i32(~63), ...I32_AND, ...I32_ADD, ...set(BULK),
  ...whileBelow(BULK, [...vectorStep(0), ...vectorStep(16), ...vectorStep(32), ...vectorStep(48)], 64),
  ...combine(A, [[A_LO, 1, 1], [A_HI, 1, 1]]),
  ...combine(B, [[A_LO, 0, -1], [A_HI, -2, -3], [B_LO, 4, 4], [B_HI, 4, 4]]),
  ...combine(C, [[A_HI, 1, 3], [B_LO, -6, -10], [B_HI, -14, -18], [C_LO, 16, 16], [C_HI, 16, 16]]),
  ...combine(D, [[A_HI, 0, -1], [B_LO, 4, 10], [B_HI, 20, 34], [C_LO, -48, -64], [C_HI, -80, -96], [D_LO, 64, 64], [D_HI, 64, 64]]),
  ...whileBelow(END, scalarStep, 4),
  ...store64(0, A), ...store64(8, B), ...store64(16, C), ...store64(24, D),
  0x0b,
];

const code = () => {
  const BODY = body();
  return [0x01, ...leb128(BODY.length), ...BODY];
};
const section = (id: number, bytes: number[]) => [id, ...leb128(bytes.length), ...bytes];
const name = (text: string) => [text.length, ...Buffer.from(text)];

/** The module with a memory of its own (exported as `mem`), or with `env.mem` imported: a shared
 *  memory of up to `maxPages` pages, for the threads of a RunReader (run-reader.ts). */
function moduleBytes(sharedPages?: number): Uint8Array<ArrayBuffer> {
  const memory = sharedPages === undefined ? [] : section(2, [0x01, ...name('env'), ...name('mem'), 0x02, 0x03, 0x01, ...leb128(sharedPages)]);
  const ownMemory = sharedPages === undefined ? section(5, [0x01, 0x00, 0x03]) : []; // 3 pages, growable
  const exports = sharedPages === undefined ? [0x02, ...name('mem'), 0x02, 0x00, ...name('f4'), 0x00, 0x00] : [0x01, ...name('f4'), 0x00, 0x00];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
    ...section(1, [0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00]), // type: (i32, i32, i32) -> ()
    ...memory,
    ...section(3, [0x01, 0x00]), // function 0 has type 0
    ...ownMemory,
    ...section(7, exports),
    ...section(10, code()),
  ]);
}

/** The fletcher4 module over an imported shared memory of at most `maxPages` pages: `f4(p, len,
 *  out)` writes the 32 bytes at `out`. Each thread instantiates it with the same memory. */
export function sharedFletcher4Module(maxPages: number): WebAssembly.Module {
  return new WebAssembly.Module(moduleBytes(maxPages));
}

interface Exports {
  mem: WebAssembly.Memory;
  f4(pointer: number, length: number, out: number): void;
}

let module: WebAssembly.Module | null = null;
let shared: Exports | null = null;
/** Each arena's instance, by the memory its bytes lie in. */
const arenas = new WeakMap<ArrayBuffer, Exports>();

function instantiate(): Exports {
  // Compiling ~1 KB synchronously takes well under a millisecond, once per process.
  module ??= new WebAssembly.Module(moduleBytes());
  return new WebAssembly.Instance(module).exports as unknown as Exports;
}

function grow(w: Exports, bytes: number): void {
  if (bytes > w.mem.buffer.byteLength) w.mem.grow(Math.ceil((bytes - w.mem.buffer.byteLength) / PAGE));
}

/**
 * A buffer whose bytes fletcher4Wasm checksums where they lie: read records into it and the
 * checksum costs no copy. Its memory never grows, so `bytes` stays valid as long as the arena.
 */
export class ChecksumArena {
  readonly bytes: Buffer;

  constructor(size: number) {
    const w = instantiate();
    grow(w, DATA + size);
    this.bytes = Buffer.from(w.mem.buffer, DATA, size);
    arenas.set(w.mem.buffer, w);
  }
}

/**
 * A ChecksumArena in a shared memory of `pages` pages, which other threads can be given (to
 * write its bytes out, for one). Its first DATA bytes hold this thread's checksum results.
 */
export class SharedChecksumArena {
  readonly memory: WebAssembly.Memory;
  readonly bytes: Buffer;

  constructor(pages: number) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const { f4 } = new WebAssembly.Instance(sharedFletcher4Module(pages), { env: { mem: this.memory } }).exports as unknown as Exports;
    const whole = Buffer.from(this.memory.buffer);
    this.bytes = whole.subarray(DATA);
    arenas.set(whole.buffer as ArrayBuffer, { mem: this.memory, f4 });
  }
}

/** OpenZFS's fletcher_4_native over `data` (whose length is a multiple of 4): 32 bytes, LE. */
export function fletcher4Wasm(data: Uint8Array): Buffer {
  let w = arenas.get(data.buffer as ArrayBuffer);
  let at = data.byteOffset;
  if (!w) {
    w = shared ??= instantiate();
    grow(w, DATA + data.length);
    new Uint8Array(w.mem.buffer).set(data, DATA);
    at = DATA;
  }
  w.f4(at, data.length & ~3, 0);
  return Buffer.from(new Uint8Array(w.mem.buffer, 0, 32)); // a copy: the next call overwrites it
}

/** An arena kept by one user that never nests its uses, made again only to grow. */
export class ReusableArena {
  private arena: ChecksumArena | null = null;

  /** At least `size` bytes, in an arena; valid until the next call. */
  bytes(size: number): Buffer {
    if (!this.arena || this.arena.bytes.length < size) this.arena = new ChecksumArena(size);
    return this.arena.bytes;
  }
}
