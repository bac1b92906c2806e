/* Just enough of the kernel context for OpenZFS's module/zfs/lz4.c to build in userland. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>
#define ASSERT(x) assert(x)
#define BE_32(x) __builtin_bswap32(x)
#define BE_IN32(p) __builtin_bswap32(*(const uint32_t *)(p))
#define KM_PUSHPAGE 0
#define KMC_RECLAIMABLE 0
typedef struct kmem_cache { size_t size; } kmem_cache_t;
static inline kmem_cache_t *kmem_cache_create(const char *n, size_t s, size_t a, void *c, void *d, void *r, void *p, void *v, int f) {
	kmem_cache_t *k = malloc(sizeof (*k)); k->size = s; return k; }
static inline void kmem_cache_destroy(kmem_cache_t *k) { free(k); }
#define KM_SLEEP 0
static inline void *kmem_cache_alloc(kmem_cache_t *k, int f) { return malloc(k->size); }
static inline void kmem_cache_free(kmem_cache_t *k, void *p) { free(p); }
/* glibc's <endian.h> defines __BIG_ENDIAN as a constant on every machine; older lz4.c would take
 * it for a big-endian CPU. The x86/arm64 kernels OpenZFS runs in do not define it. */
#undef __BIG_ENDIAN
