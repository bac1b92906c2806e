import { seededBytes } from './harness.js';
import { dir, file, link, opaque, symlink, whiteout, type ImageSpec } from './images-support.js';
/** 300K of data: three 128K records. */
const LIB = seededBytes(300_000, 7);

export const THREE: ImageSpec = {
  gzip: true,
  ref: 'demo:1.0',
  layers: [
    [
      dir('etc/'),
      file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
      dir('usr/'),
      dir('usr/lib/'),
      file('usr/lib/libbig.so', LIB, 0o755),
      symlink('usr/lib/libbig.so.1', 'libbig.so'),
      dir('usr/share/'),
      dir('usr/share/doc/'),
      file('usr/share/doc/a', 'a\n'),
      file('usr/share/doc/b', 'b\n'),
      dir('var/'),
      dir('var/cache/'),
      file('var/cache/pkg.bin', seededBytes(200_000, 9)),
    ],
    [
      // a whiteout of a lower directory, an opaque directory, a hard link to a lower file,
      // a file whose parent directories the layer does not list
      whiteout('var/cache'),
      opaque('usr/share/doc'),
      file('usr/share/doc/c', 'c\n'),
      dir('usr/bin/'),
      link('usr/bin/big-link', 'usr/lib/libbig.so'),
      file('etc/passwd', 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'),
      file('opt/app/bin/run', '#!/bin/sh\necho run\n', 0o755),
    ],
    [file('etc/motd', 'hello\n'), whiteout('usr/lib/libbig.so.1')],
  ],
};

