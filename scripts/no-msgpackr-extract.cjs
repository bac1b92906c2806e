/**
 * msgpackr-extract inside the bundle (scripts/bundle.mjs): none. msgpackr's optional native string
 * extractor would look for its addon from dist/, never find it, and let msgpackr go on without
 * it, after a search of the disk on every start; tszfs's records decode as fast without it.
 */
module.exports = null;
