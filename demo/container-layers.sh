#!/usr/bin/env bash
# Container image layers on tszfs: a base layer, an application layer cloned from its snapshot,
# and a container cloned from the application layer's snapshot. Each layer is charged only for
# the records it changed; everything else is shared with the layer below.
#
# Runs on a fresh pool in a temporary TSZFS_HOME (removed on exit), so it never touches your own
# pools. The output is byte-stable (pinned clock, generated contents): test/cli/demo.test.ts
# compares it with test/cli/golden/demo.txt.
set -euo pipefail

BIN="$(cd "$(dirname "$0")/.." && pwd)/bin/tszfs.js"
TSZFS_HOME="$(mktemp -d "${TMPDIR:-/tmp}/tszfs-demo.XXXXXX")"
export TSZFS_HOME
trap 'rm -rf "$TSZFS_HOME"' EXIT
# A pinned clock and time zone make creation times and `ls -l` dates the same on every run.
export TSZFS_NOW=1736240700 TZ=UTC LC_ALL=C

# TSZFS_BIN runs another copy instead of this checkout's (an installed one: test/cli/install.test.ts).
if [ -n "${TSZFS_BIN:-}" ]; then
  tszfs() { "$TSZFS_BIN" "$@"; }
else
  tszfs() { node "$BIN" "$@"; }
fi

# Prints a command line as `+ ...`, then runs it (pipelines included) in this shell.
step() {
  printf '+ %s\n' "$1"
  eval "$1"
}

# Which version each 32-byte line of libapp.so comes from, in the given layer.
versions() {
  step "tszfs cat $1 /usr/lib/libapp.so | cut -d' ' -f2 | sort | uniq -c"
}

echo '# A 256M pool: one image file plus an LMDB environment beside it. Compression off, so'
echo '# that every record is charged whole (the default, lz4, would shrink these text records).'
step 'tszfs pool create --size 256M -O compression=off tank'
echo

echo '# The base layer: two config files, a 1 MiB library (8 records of 128K) and a 256K'
echo '# package cache (2 records). Contents are generated, so every run prints the same.'
step 'tszfs create tank/base'
step "printf 'NAME=demo-os\nVERSION=1.0\n' | tszfs write -p tank/base /etc/os-release"
step "printf 'listen=8080\nworkers=4\n' | tszfs write tank/base /etc/app.conf"
step "seq -f 'libapp v1.0 line %08.0f -----' 0 32767 | tszfs write -p tank/base /usr/lib/libapp.so"
step "seq -f 'pkg row %07.0f' 0 16383 | tszfs write -p tank/base /var/cache/pkg.db"
step 'tszfs ls -l -R tank/base'
echo

echo '# Freeze it: a snapshot copies a root pointer, whatever the size of the data.'
step 'tszfs snapshot tank/base@v1'
echo

echo '# The application layer: a clone of base@v1 that patches 4K in the middle of libapp.so'
echo '# (one record, rewritten whole: copy on write) and removes the package cache.'
step 'tszfs clone tank/base@v1 tank/app'
step "seq -f 'libapp v1.1 line %08.0f -----' 16384 16511 | tszfs write --offset 512K tank/app /usr/lib/libapp.so"
step 'tszfs rm tank/app /var/cache/pkg.db'
step 'tszfs snapshot tank/app@v2'
echo

echo '# The container: a clone of app@v2 that writes its own log.'
step 'tszfs clone tank/app@v2 tank/ctr'
step "printf 'started\nlistening on 8080\n' | tszfs write -p tank/ctr /var/log/app.log"
echo

echo '# Space. USED is what a layer is charged, REFER what it can read. base: 1M + 256K + two 4K'
echo '# blocks. app: one 128K record for its 4K patch (the other 7 records of libapp.so are still'
echo "# base@v1's), nothing for the removed cache, which base@v1 still holds. ctr: its 4K log."
echo '# The snapshots are charged nothing: every record they hold is still in use by their layer.'
step 'tszfs list -t all -o name,used,referenced,usedbydataset,origin'
echo '# The same in exact bytes (-p): 131072 is one 128K record, 4096 one 4K block.'
step 'tszfs list -p -r -o name,used,usedbydataset,referenced tank'
step 'tszfs pool list'
echo

echo '# The same as pictures. tree: each clone below the snapshot it was made from (└▶).'
echo '# blocks: the records of libapp.so in every layer: +N a record the layer wrote itself (born'
echo '# in txg N), =N the very block of the layer it descends from, shared and charged once.'
step 'tszfs tree'
step 'tszfs blocks -c tank/base /usr/lib/libapp.so'
echo

echo '# Reads: the 128 patched lines (4K, inside one record) show in app and ctr, not in base.'
versions tank/base
versions tank/app@v2
versions tank/ctr
echo '# Files nobody changed read the same from every layer.'
step 'tszfs cat tank/base@v1 /etc/os-release'
step 'tszfs cat tank/ctr /etc/os-release'
echo

echo '# The cache removed in app: still in the layer below, gone (an empty /var/cache) above it.'
step 'tszfs ls -l tank/base@v1 /var/cache'
step 'tszfs ls -l tank/app /var/cache'
step 'tszfs cat tank/base@v1 /var/cache/pkg.db | wc -c'
step 'tszfs cat tank/ctr /var/cache/pkg.db 2>&1 || true'
echo

echo '# The container sees the files of all layers below plus its own.'
step 'tszfs ls -R tank/ctr'
