#!/usr/bin/env bash
# A script written for OpenZFS: it knows nothing of tszfs and runs `zfs`/`zpool` from PATH.
# $WORK is a scratch directory.
set -euo pipefail

truncate -s 256M "$WORK/disk.img"
zpool create -o listsnapshots=off tank "$WORK/disk.img"
zfs create -o compression=lz4 -o com.example:backup=yes tank/data
zfs create -p tank/data/app/cache
zfs set recordsize=16K atime=off tank/data/app

for i in 1 2 3; do
  zfs snapshot -r "tank/data/app@v$i"
done

# The newest snapshot, by parsing `list -Hp` (tab-separated, exact numbers).
latest=$(zfs list -H -p -t snapshot -o name,createtxg -s createtxg tank/data/app | tail -n 1 | cut -f1)
echo "latest: $latest"
count=$(zfs list -H -t snapshot -o name -r tank | wc -l)
echo "snapshots: $count"

zfs clone -o com.example:purpose=test "$latest" tank/data/app-test
echo "origin: $(zfs get -H -o value origin tank/data/app-test)"
echo "clones: $(zfs get -H -o value clones "$latest")"

# Sizes are plain byte counts with -p: arithmetic works on them.
used=$(zfs list -Hp -o used tank/data)
avail=$(zfs list -Hp -o avail tank/data)
echo "used+avail > 0: $(( used + avail > 0 ))"

# Properties per dataset, as a backup tool would read them.
zfs list -H -o name -r tank/data | while IFS= read -r ds; do
  printf '%s\t%s\t%s\n' "$ds" "$(zfs get -H -o value com.example:backup "$ds")" \
    "$(zfs get -H -o source recordsize "$ds")"
done

zfs inherit -r com.example:backup tank/data
zfs get -H -o name,value -s local,inherited com.example:backup tank/data || true
echo "after inherit: $(zfs get -H -o value com.example:backup tank/data)"

if zfs create tank/data 2>/dev/null; then echo "unexpected"; else echo "create of an existing dataset failed with $?"; fi
if zfs list tank/missing >/dev/null 2>&1; then echo "unexpected"; else echo "list of a missing dataset failed"; fi

zpool set listsnapshots=on tank
zfs list -H -o name -r tank/data/app | head -n 3
zpool list -H -o name,health
zpool get -H -o value listsnapshots tank
zpool history tank | sed -n '1,4p'

# Rotate releases: promote the test clone and back, roll back, then remove dependents.
zfs promote tank/data/app-test
echo "origin of app after promote: $(zfs get -H -o value origin tank/data/app)"
zfs promote tank/data/app
echo "origin of app-test after promoting back: $(zfs get -H -o value origin tank/data/app-test)"
zfs snapshot tank/data/app@v4
if zfs rollback -r tank/data/app@v2 2>/dev/null; then echo "unexpected"; else echo "rollback -r refused: a newer snapshot has a clone"; fi
zfs rollback -R tank/data/app@v2
zfs list -H -t snapshot -o name -r tank/data/app
zfs list -H -o name tank/data/app-test 2>/dev/null || echo "app-test went with v3"
zfs destroy -R tank/data/app@v1
zfs list -H -t snapshot -o name -r tank/data | wc -l
zpool history tank | tail -n 4
