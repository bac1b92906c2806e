/** node:zlib with `crc32`, which Node 20.15+ has but @types/node 20 may not declare. */
import * as nodeZlib from 'node:zlib';

export const zlib = nodeZlib as typeof nodeZlib & { crc32(data: Uint8Array, value?: number): number };
