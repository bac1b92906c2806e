/**
 * fletcher4 (OpenZFS zfs_fletcher.c fletcher_4_native) in a tiny WebAssembly function, for the
 * read path: `cat` is bound by checksum speed, and the pure-JS version (checksum.ts) has to split
 * every 64-bit sum into two doubles. WebAssembly has 64-bit integer adds, which wrap modulo 2^64
 * exactly as the C code does, and runs ~3x faster here (bench figures in bench/README.md).
 *
 * The module is hand-assembled (no toolchain at build time); the text form is:
 *
 *   (func (export "f4") (param $p i32) (param $len i32)   ;; words at [p, p+len), len % 4 == 0
 *     (local $a i64) (local $b i64) (local $c i64) (local $d i64) (local $end i32) (local $end16 i32)
 *     end = p + len; end16 = end - 16
 *     while p <= end16: 4 times { a += load32_u(p + k); b += a; c += b; d += c }; p += 16
 *     while p < end:    { a += load32_u(p); b += a; c += b; d += c }; p += 4
 *     store64(0, a); store64(8, b); store64(16, c); store64(24, d))
 *
 * Memory: the 32-byte result at 0, the data copied in at DATA; it grows for larger records.
 */
const PAGE = 65536;
const DATA = 64;

const step = (offset: number) => [
  0x20, 0x02, 0x20, 0x00, 0x35, 0x02, offset, 0x7c, 0x22, 0x02, // a += load32_u(p + offset)
  0x20, 0x03, 0x7c, 0x22, 0x03, // b += a
  0x20, 0x04, 0x7c, 0x22, 0x04, // c += b
  0x20, 0x05, 0x7c, 0x21, 0x05, // d += c
];

const BODY = [
  0x02, 0x04, 0x7e, 0x02, 0x7f, // locals: 4 x i64, 2 x i32
  0x20, 0x00, 0x20, 0x01, 0x6a, 0x21, 0x06, // end = p + len
  0x20, 0x06, 0x41, 0x10, 0x6b, 0x21, 0x07, // end16 = end - 16
  0x02, 0x40, 0x03, 0x40, // block loop
  0x20, 0x00, 0x20, 0x07, 0x4a, 0x0d, 0x01, // br_if p > end16 (signed: end16 may be below p)
  ...step(0), ...step(4), ...step(8), ...step(12),
  0x20, 0x00, 0x41, 0x10, 0x6a, 0x21, 0x00, // p += 16
  0x0c, 0x00, 0x0b, 0x0b, // br loop; end; end
  0x02, 0x40, 0x03, 0x40, // block loop
  0x20, 0x00, 0x20, 0x06, 0x4f, 0x0d, 0x01, // br_if p >= end
  ...step(0),
  0x20, 0x00, 0x41, 0x04, 0x6a, 0x21, 0x00, // p += 4
  0x0c, 0x00, 0x0b, 0x0b,
  0x41, 0x00, 0x20, 0x02, 0x37, 0x03, 0x00, // store a at 0
  0x41, 0x00, 0x20, 0x03, 0x37, 0x03, 0x08, // b at 8
  0x41, 0x00, 0x20, 0x04, 0x37, 0x03, 0x10, // c at 16
  0x41, 0x00, 0x20, 0x05, 0x37, 0x03, 0x18, // d at 24
  0x0b,
];

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

const CODE = [0x01, ...leb128(BODY.length), ...BODY];
const MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x06, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00, // type: (i32, i32) -> ()
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x05, 0x03, 0x01, 0x00, 0x03, // memory: 3 pages, growable
  0x07, 0x0c, 0x02, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x02, 0x66, 0x34, 0x00, 0x00, // export mem, f4
  0x0a, ...leb128(CODE.length), ...CODE,
]);

interface Exports {
  mem: WebAssembly.Memory;
  f4(pointer: number, length: number): void;
}

let wasm: Exports | null = null;

function instance(): Exports {
  // Compiling ~300 bytes synchronously takes well under a millisecond, once per process.
  wasm ??= new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports as unknown as Exports;
  return wasm;
}

/** OpenZFS's fletcher_4_native over `data` (whose length is a multiple of 4): 32 bytes, LE. */
export function fletcher4Wasm(data: Uint8Array): Buffer {
  const w = instance();
  const need = DATA + data.length;
  if (need > w.mem.buffer.byteLength) w.mem.grow(Math.ceil((need - w.mem.buffer.byteLength) / PAGE));
  const memory = new Uint8Array(w.mem.buffer);
  memory.set(data, DATA);
  w.f4(DATA, data.length & ~3);
  return Buffer.from(memory.subarray(0, 32));
}
