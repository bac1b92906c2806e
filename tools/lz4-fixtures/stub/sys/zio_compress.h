/* The ABD wrappers newer OpenZFS declares around its buffer compressors are not needed here. */
#define ZFS_COMPRESS_WRAP_DECL(name)
#define ZFS_DECOMPRESS_WRAP_DECL(name)
