/**
 * One example per command, shown by `help CMD` and `CMD --help` under its usage (OpenZFS's usage
 * text has none; its man pages do). Arguments only: the program word (`tszfs`, `tszfs pool`,
 * `zfs`, `zpool`) is put before them by whoever prints them, as the command was invoked.
 */
import type { Family } from './context.js';

const ZFS: Record<string, string> = {
  version: 'version',
  create: 'create -p -o compression=lz4 tank/home/alice',
  destroy: 'destroy -r tank/home/alice',
  snapshot: 'snapshot -r tank/home@monday',
  rollback: 'rollback -r tank/home@monday',
  clone: 'clone tank/home@monday tank/home-test',
  promote: 'promote tank/home-test',
  rename: 'rename tank/home/alice tank/home/bob',
  bookmark: "bookmark tank/home@monday '#monday'",
  diff: 'diff tank/home@monday tank/home',
  list: 'list -r -t all -o name,used,refer tank',
  tree: 'tree --svg tank.svg tank',
  set: 'set compression=zstd quota=10G tank/home',
  get: 'get -H -o value compressratio tank/home',
  inherit: 'inherit -r compression tank/home',
  upgrade: 'upgrade -r tank',
  hold: 'hold keep tank/home@monday',
  holds: 'holds tank/home@monday',
  release: 'release keep tank/home@monday',
  mount: 'mount',
  unmount: 'unmount tank/home',
  share: 'share tank/home',
  unshare: 'unshare tank/home',
  send: 'send -i tank/home@monday tank/home@tuesday > home.inc',
  receive: 'receive -F backup/home < home.inc',
  write: 'write -p tank/home /etc/app.conf ./app.conf',
  cat: 'cat tank/home@monday /etc/app.conf',
  ls: 'ls -l tank/home /etc',
  blocks: 'blocks -c tank/home@monday /etc/app.conf',
  mkdir: 'mkdir -p tank/home /var/log/app',
  rm: 'rm -r tank/home /var/log/app',
  ln: 'ln -s tank/home ../share/app.conf /etc/app.conf',
  mv: 'mv tank/home /etc/app.conf /etc/app.conf.old',
  chmod: 'chmod -R u+rwX,go-w tank/home /srv',
  chown: 'chown -R 1000:1000 tank/home /home/alice',
  touch: "touch -d '2024-05-01 12:00:00' tank/home /etc/app.conf",
  stat: "stat -c '%n %a %U %y' tank/home@monday /etc/app.conf",
  readlink: 'readlink -f tank/home /etc/localtime',
  mknod: 'mknod -m 666 tank/home /dev/null c 1 3',
  xattr: 'xattr set tank/home /usr/bin/ping security.capability < cap.bin',
  find: "find tank/home@monday /etc -type f -name '*.conf'",
  du: 'du -sh tank/home /var',
  tar: 'tar -x -f layer.tar.gz tank/home',
  shims: 'shims ~/.local/bin',
  inject: 'inject -d /srv/disks/d1 -e checksum tank',
  completion: 'completion bash > ~/.local/share/bash-completion/completions/tszfs',
  batch: 'batch -f nightly.tszfs',
};

const ZPOOL: Record<string, string> = {
  create: 'create tank raidz2 /srv/disks/d0 /srv/disks/d1 /srv/disks/d2 /srv/disks/d3',
  destroy: 'destroy tank',
  add: 'add tank mirror /srv/disks/d4 /srv/disks/d5',
  attach: 'attach tank /srv/disks/d0 /srv/disks/d6',
  detach: 'detach tank /srv/disks/d6',
  online: 'online tank /srv/disks/d1',
  offline: 'offline -t tank /srv/disks/d1',
  replace: 'replace tank /srv/disks/d1 /srv/disks/d7',
  list: 'list -H -o name,size,free',
  status: 'status -x',
  clear: 'clear tank',
  scrub: 'scrub tank',
  resilver: 'resilver tank',
  wait: 'wait -t scrub,resilver tank',
  import: 'import -d /srv/images tank',
  export: 'export tank',
  upgrade: 'upgrade tank',
  history: 'history -l tank',
  get: 'get -H -o value health tank',
  set: 'set comment=build-cache tank',
};

/** The example of `name`, or undefined when it has none (a test says each has one). */
export function exampleOf(family: Family, name: string): string | undefined {
  return (family === 'zfs' ? ZFS : ZPOOL)[name];
}
