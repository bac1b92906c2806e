#!/usr/bin/env bash
# A script written for OpenZFS under `set -e`: it mounts, unmounts and shares, and checks the
# `mounted` property as it goes. Every command must succeed for the script to reach its end.
# $WORK is a scratch directory.
set -euo pipefail

truncate -s 256M "$WORK/disk.img"
zpool create -m "$WORK/mnt/tank" tank "$WORK/disk.img"
zfs create tank/home
zfs create -o canmount=noauto tank/home/spare
zfs create -o mountpoint=legacy tank/legacy
zfs create -o sharenfs=on tank/exports

echo "after create: $(zfs get -H -o value mounted tank/home) $(zfs get -H -o value mounted tank/home/spare)"
zfs mount

# Unmount everything, as an installer does before it exports a pool, then bring it back.
zfs unmount -a
echo "after unmount -a: $(zfs list -H -o name,mounted -r tank | tr '\t\n' '= ')"
zfs mount -a
zfs mount tank/home/spare
echo "after mount -a and mount spare: $(zfs list -H -o name,mounted -r tank | tr '\t\n' '= ')"

# Guarded forms scripts use: mount only when not mounted, unmount only when mounted.
[ "$(zfs get -H -o value mounted tank/home)" = yes ] || zfs mount tank/home
zfs umount tank/home
[ "$(zfs get -H -o value mounted tank/home)" = no ] && zfs mount tank/home
zfs mount -o remount,ro tank/home
zfs unmount -f "$WORK/mnt/tank/home"
zfs mount -R tank/home
zfs share tank/exports 2>/dev/null || echo "tank/exports was shared already"
zfs unshare tank/exports
zfs share -a nfs
zfs unshare -a
zfs share tank/exports

if zfs mount tank/legacy 2>/dev/null; then echo "legacy mounted?"; exit 1; fi
echo "legacy: $(zfs get -H -o value mounted tank/legacy)"
zfs mount

# Nothing was mounted in the host: no mountpoint directory was made.
[ ! -e "$WORK/mnt" ] && echo "no directory made in the host"
echo done
