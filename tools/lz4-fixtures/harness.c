/*
 * Runs OpenZFS's own LZ4 compressor (its module/zfs/lz4.c, included from the path given as
 * LZ4_SOURCE at build time; not part of this repository) over the inputs that
 * test/unit/engine/lz4-inputs.ts generates, and prints one line per case:
 *   name <TAB> input length <TAB> osize <TAB> result length <TAB> output in hex
 * real_LZ4_compress is what lz4_compress / lz4_compress_zfs call with osize = d_len - 4.
 */
#include LZ4_SOURCE
#include <stdio.h>

static uint32_t state;
static uint32_t next(void) { state ^= state << 13; state ^= state >> 17; state ^= state << 5; return state; }

static const char *words[16] = { "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog",
	"zfs", "pool", "dataset", "snapshot", "record", "block", "checksum", "compression" };

static void generate(const char *kind, uint8_t *buf, int size, uint32_t seed) {
	state = seed;
	if (!strcmp(kind, "random")) {
		for (int i = 0; i < size; i++) buf[i] = next() >> 24;
	} else if (!strcmp(kind, "sparse")) {
		for (int i = 0; i < size; i++) { uint32_t r = next(); buf[i] = (r & 63) == 0 ? r >> 24 : 0; }
	} else if (!strcmp(kind, "text")) {
		int i = 0;
		while (i < size) {
			const char *w = words[next() & 15];
			for (const char *c = w; *c && i < size; c++) buf[i++] = *c;
			if (i < size) buf[i++] = (next() & 7) == 0 ? '\n' : ' ';
		}
	} else { /* binary: 16-byte records of a counter, a hash of it, a small random value and a constant */
		for (int i = 0; i < size; i++) {
			uint32_t rec = i / 16, f = (i % 16) / 4, v;
			if (f == 0) v = rec; else if (f == 1) v = rec * 2654435761u; else if (f == 2) v = (i % 4 == 0) ? (next() & 0xff) : 0; else v = 0xdeadbeef;
			buf[i] = v >> (8 * (i % 4));
		}
	}
}

int main(void) {
	static const char *kinds[] = { "random", "sparse", "text", "binary" };
	static const int sizes[] = { 0, 1, 5, 12, 13, 14, 20, 100, 4096, 65535, 65536, 65546, 65547, 131072, 1048576 };
	lz4_init();
	for (int k = 0; k < 4; k++) for (int s = 0; s < (int)(sizeof (sizes) / sizeof (sizes[0])); s++) for (int room = 0; room < 3; room++) {
		int size = sizes[s];
		/* room 0: LZ4_compressBound; 1: what zio_compress_data allows (d_len = s_len - s_len/8, less
		 * the 4-byte length); 2: exactly the length the block takes, where OpenZFS's early
		 * bound checks may still give up */
		int bound = size + size / 255 + 16;
		int osize = room == 0 ? bound : room == 1 ? size - size / 8 - 4 : 0;
		uint8_t *in = malloc(size + 1), *out = malloc(size + size / 255 + 16);
		generate(kinds[k], in, size, 0x9e3779b9u ^ (uint32_t)(size * 31 + k));
		if (room == 2) osize = real_LZ4_compress((const char *)in, (char *)out, size, bound);
		int n = real_LZ4_compress((const char *)in, (char *)out, size, osize);
		printf("%s\t%d\t%d\t%d\t", kinds[k], size, osize, n);
		for (int i = 0; i < n; i++) printf("%02x", out[i]);
		printf("\n");
		free(in); free(out);
	}
	lz4_fini();
	return 0;
}
