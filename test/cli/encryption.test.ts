/**
 * Native encryption (issue 16 item 6, and item 10's create check): the encryption properties
 * checked as one set at create with libzfs's messages, their values and inheritance, load-key,
 * unload-key and change-key, records really encrypted in the image, what fails without the key,
 * and raw streams (send -w) received still encrypted and readable after load-key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden, META, Sandbox, transcript, type Step } from './harness.js';

const PASS = 'correct horse battery';
const SECRET = 'THE-PLAINTEXT-NOBODY-MAY-SEE-';

/** A sandbox with key files: a passphrase, a hex key, a raw key, and one too short of each. */
function keyed(): { sb: Sandbox; file: (name: string) => string } {
  const sb = new Sandbox();
  const file = (name: string) => path.join(sb.home, name);
  fs.mkdirSync(sb.home, { recursive: true });
  fs.writeFileSync(file('pass'), `${PASS}\n`);
  fs.writeFileSync(file('short'), 'short\n');
  fs.writeFileSync(file('hex'), `${'0123456789abcdef'.repeat(4)}\n`);
  fs.writeFileSync(file('badhex'), `${'0123456789abcdeg'.repeat(4)}\n`);
  fs.writeFileSync(file('raw'), Buffer.alloc(32, 7));
  fs.writeFileSync(file('rawshort'), Buffer.alloc(31, 7));
  return { sb, file };
}

const uri = (p: string) => `file://${p}`;
const secretFile = Buffer.from(SECRET.repeat(5000));

describe('zfs create of encrypted datasets', () => {
  it('checks encryption, keyformat, keylocation and pbkdf2iters as one set, whatever their order', () => {
    const { sb, file } = keyed();
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['create', '-o', 'encryption=on', 'tank/a'],
      ['create', '-o', 'keyformat=passphrase', 'tank/a'],
      ['create', '-o', `keylocation=${uri(file('pass'))}`, '-o', 'encryption=on', 'tank/a'],
      ['create', '-o', 'encryption=aes-256-xts', 'tank/a'],
      ['create', '-o', 'keyformat=passphrase', '-o', 'encryption=on', '-o', 'pbkdf2iters=1000', '-o', `keylocation=${uri(file('pass'))}`, 'tank/a'],
      ['create', '-o', 'keyformat=hex', '-o', 'encryption=on', '-o', 'pbkdf2iters=200000', '-o', `keylocation=${uri(file('hex'))}`, 'tank/a'],
      ['create', '-o', 'keyformat=passphrase', '-o', 'encryption=on', '-o', `keylocation=${uri(file('short'))}`, 'tank/a'],
      ['create', '-o', 'keyformat=hex', '-o', 'encryption=on', '-o', `keylocation=${uri(file('badhex'))}`, 'tank/a'],
      ['create', '-o', 'keyformat=raw', '-o', 'encryption=on', '-o', `keylocation=${uri(file('rawshort'))}`, 'tank/a'],
      ['create', '-o', 'keyformat=raw', '-o', 'encryption=on', '-o', `keylocation=${uri(file('missing'))}`, 'tank/a'],
      ['create', '-o', 'keyformat=raw', '-o', 'encryption=on', '-o', 'keylocation=https://example.com/key', 'tank/a'],
      ['create', '-o', 'keyformat=raw', '-o', 'encryption=on', '-o', 'keylocation=somewhere', 'tank/a'],
      { args: ['create', '-o', 'encryption=on', '-o', 'keyformat=passphrase', 'tank/a'], input: 'short\n' },
      ['list', '-H', '-o', 'name'],
      // Item 10: keylocation first on the command line is fine.
      ['create', '-o', `keylocation=${uri(file('pass'))}`, '-o', 'keyformat=passphrase', '-o', 'pbkdf2iters=100000', '-o', 'encryption=on', 'tank/a'],
      { args: ['create', '-o', 'encryption=aes-128-ccm', '-o', 'keyformat=passphrase', '-o', 'pbkdf2iters=100000', 'tank/b'], input: `${PASS}\n` },
      ['create', '-o', 'keyformat=hex', '-o', `keylocation=${uri(file('hex'))}`, '-o', 'encryption=aes-192-gcm', 'tank/a/hex'],
      ['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', '-V', '1M', 'tank/vol'],
      ['create', 'tank/a/child'],
      ['create', '-o', 'encryption=aes-128-gcm', 'tank/a/ccm'],
      ['create', '-o', 'encryption=off', 'tank/a/clear'],
      ['create', '-o', `keylocation=${uri(file('pass'))}`, 'tank/a/x'],
      ['create', '-o', 'pbkdf2iters=200000', 'tank/a/x'],
      ['create', 'tank/plain'],
      // (keylocation apart: a file's path is as long as the sandbox's)
      ['get', '-r', 'encryption,keyformat,pbkdf2iters,encryptionroot,keystatus', 'tank'],
      ['get', '-r', '-H', '-o', 'name,value,source', 'keylocation', 'tank'],
      ['pool', 'get', '-H', '-o', 'property,value', 'feature@encryption', 'tank'],
      ['set', 'keylocation=prompt', 'tank/a/child'],
      ['set', 'keylocation=prompt', 'tank/plain'],
      ['set', 'keylocation=none', 'tank/a'],
      ['set', 'keylocation=prompt', 'tank/a'],
      ['set', 'copies=3', 'tank/a'],
      ['set', 'encryption=off', 'tank/a'],
      ['set', 'keyformat=hex', 'tank/a'],
      ['get', '-H', '-o', 'value,source', 'keylocation', 'tank/a'],
      // Ancestors that -p makes are encrypted as their parent.
      ['create', '-p', 'tank/a/p/q'],
      ['get', '-H', '-r', '-o', 'name,value', 'encryptionroot', 'tank/a/p'],
    ];
    expectGolden('encryption-create', transcript(steps, sb));
  });
});

describe('zpool create -O encryption', () => {
  it('makes the root dataset an encryption root, unless the pool has no encryption feature', () => {
    const { sb, file } = keyed();
    const steps: Step[] = [
      ['pool', 'create', '-d', '-O', 'encryption=on', '-O', 'keyformat=passphrase', '--size', '64M', 'tank'],
      ['pool', 'create', '-o', 'version=28', '-O', 'encryption=on', '--size', '64M', 'tank'],
      ['pool', 'create', '-O', 'encryption=on', '--size', '64M', 'tank'],
      ['pool', 'create', '-O', 'encryption=on', '-O', 'keyformat=raw', '-O', `keylocation=${uri(file('raw'))}`, '--size', '64M', 'tank'],
      ['create', 'tank/c'],
      ['get', '-H', '-o', 'name,property,value', 'encryption,keyformat,encryptionroot,keystatus', 'tank', 'tank/c'],
      ['pool', 'get', '-H', '-o', 'property,value', 'feature@encryption', 'tank'],
      ['pool', 'export', 'tank'],
      ['pool', 'import', '-d', '$TSZFS_HOME', 'tank'],
      ['get', '-H', '-o', 'name,value', 'keystatus', 'tank'],
      ['load-key', 'tank'],
      ['get', '-H', '-o', 'name,value', 'keystatus', 'tank/c'],
    ].map((step) => (Array.isArray(step) ? step.map((a) => a.replace('$TSZFS_HOME', sb.home)) : step));
    expectGolden('encryption-pool', transcript(steps, sb));
  });
});

describe('zfs load-key, unload-key, change-key', () => {
  it('load and unload keys as libzfs does, and nothing is readable without them', () => {
    const { sb, file } = keyed();
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['create', '-o', `keylocation=${uri(file('pass'))}`, '-o', 'keyformat=passphrase', '-o', 'pbkdf2iters=100000', '-o', 'encryption=on', 'tank/e'],
      ['create', 'tank/e/c'],
      ['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', 'tank/e/r'],
      { args: ['write', 'tank/e/c', '/f'], input: 'hello\n' },
      ['snapshot', 'tank/e/c@s'],
      ['clone', 'tank/e/c@s', 'tank/cl'],
      ['clone', '-o', 'keyformat=raw', 'tank/e/c@s', 'tank/cl2'],
      ['load-key', 'tank/e'],
      ['load-key', 'tank/e/c'],
      ['load-key', 'tank'],
      ['unload-key', 'tank/e'],
      ['unmount', '-a'],
      ['unload-key', 'tank/e/c'],
      ['unload-key', '-r', 'tank'],
      ['unload-key', 'tank/e'],
      ['get', '-H', '-o', 'name,value', 'keystatus', 'tank/e', 'tank/e/c', 'tank/e/c@s', 'tank/cl', 'tank/e/r'],
      ['cat', 'tank/e/c', '/f'],
      ['cat', 'tank/cl', '/f'],
      ['mount', 'tank/e/c'],
      ['mount', '-l', 'tank/e/c'],
      { args: ['write', 'tank/e/c', '/g'], input: 'more\n' },
      ['create', 'tank/e/new'],
      ['ls', 'tank/e/c'],
      ['tar', '-c', '-f', '/dev/null', 'tank/e/c'],
      ['send', 'tank/e/c@s'],
      { args: ['load-key', '-L', 'prompt', 'tank/e'], input: 'wrong passphrase\n' },
      ['load-key', '-L', uri(file('missing')), 'tank/e'],
      ['load-key', '-r', '-L', uri(file('pass')), 'tank'],
      ['load-key', '-n', 'tank/e'],
      ['load-key', '-a'],
      ['load-key', '-a', 'tank/e'],
      ['load-key'],
      ['unload-key', '-n', 'tank/e'],
      ['get', '-H', '-o', 'name,value', 'keystatus', 'tank/e', 'tank/e/r'],
      ['cat', 'tank/cl', '/f'],
      ['unmount', '-a'],
      ['unload-key', '-a'],
      ['mount', '-l', '-a'],
      ['get', '-H', '-o', 'name,value', 'keystatus,mounted', 'tank/e', 'tank/e/c'],
      ['pool', 'history', 'tank'],
    ];
    const text = transcript(steps, sb, true);
    try {
      // The key is kept for the next command, private to the user.
      const dir = path.join(sb.home, 'run', 'keys');
      expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
      const kept = fs.readdirSync(dir);
      expect(kept.length).toBe(2);
      for (const f of kept) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
      // Destroying an encryption root forgets its key; export forgets the pool's.
      sb.ok(['destroy', 'tank/e/r']);
      expect(fs.readdirSync(dir).length).toBe(1);
      sb.ok(['pool', 'export', 'tank']);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      sb.cleanup();
    }
    expectGolden('encryption-keys', text);
  });

  it('change-key rewraps the master keys and rewrites no data', () => {
    const { sb, file } = keyed();
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['create', '-o', `keylocation=${uri(file('pass'))}`, '-o', 'keyformat=passphrase', '-o', 'pbkdf2iters=100000', '-o', 'encryption=on', 'tank/e'],
      ['create', 'tank/e/c'],
      ['create', 'tank/plain'],
      { args: ['write', 'tank/e/c', '/f'], input: 'hello\n' },
      ['snapshot', 'tank/e/c@s'],
      ['clone', 'tank/e/c@s', 'tank/e/cl'],
      ['list', '-Hp', '-o', 'name,used', '-r', 'tank/e'],
      ['change-key', '-o', 'keyformat=hex', '-o', `keylocation=${uri(file('hex'))}`, 'tank/e'],
      ['list', '-Hp', '-o', 'name,used', '-r', 'tank/e'],
      ['get', '-H', '-o', 'name,property,value,source', 'keyformat,keylocation,pbkdf2iters,encryptionroot', 'tank/e', 'tank/e/c'],
      ['change-key', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, 'tank/e/c'],
      ['get', '-H', '-o', 'name,value', 'encryptionroot', 'tank/e', 'tank/e/c', 'tank/e/c@s', 'tank/e/cl'],
      ['change-key', '-o', 'keyformat=raw', 'tank/e/cl'],
      ['change-key', '-o', 'compression=on', 'tank/e/c'],
      ['change-key', '-i', '-o', 'keyformat=raw', 'tank/e/c'],
      ['change-key', '-i', 'tank/e'],
      ['change-key', '-o', 'keyformat=raw', 'tank/plain'],
      ['change-key', 'tank/nothere'],
      ['change-key'],
      ['change-key', 'tank/e', 'tank/e/c'],
      ['change-key', '-i', 'tank/e/c'],
      ['get', '-H', '-o', 'name,property,value,source', 'encryptionroot,keylocation', 'tank/e/c', 'tank/e/cl'],
      ['unmount', '-a'],
      ['unload-key', '-r', 'tank'],
      ['load-key', '-r', 'tank'],
      ['cat', 'tank/e/cl', '/f'],
      ['rename', 'tank/e/c', 'tank/moved'],
      ['rename', 'tank/e', 'tank/e2'],
      ['list', '-H', '-o', 'name,encryptionroot', '-r', 'tank'],
    ];
    expectGolden('encryption-change-key', transcript(steps, sb));
  });
});

describe('zfs promote of encrypted clones', () => {
  it('moves the encryption root to the clone of a root, and refuses to take a child out of its root', () => {
    const { sb, file } = keyed();
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', 'tank/e'],
      ['create', 'tank/e/c'],
      { args: ['write', 'tank/e/c', '/f'], input: 'child\n' },
      ['snapshot', 'tank/e/c@s'],
      ['clone', 'tank/e/c@s', 'tank/g'],
      ['promote', 'tank/g'],
      ['clone', 'tank/e/c@s', 'tank/e/h'],
      ['promote', 'tank/e/h'],
      { args: ['write', 'tank/e', '/f'], input: 'root\n' },
      ['snapshot', 'tank/e@s'],
      ['clone', 'tank/e@s', 'tank/f'],
      ['promote', 'tank/f'],
      ['get', '-H', '-o', 'name,property,value,source', 'encryptionroot,keylocation,keyformat,keystatus', 'tank/e', 'tank/f', 'tank/e/c'],
      ['cat', 'tank/e', '/f'],
      ['cat', 'tank/f@s', '/f'],
      ['unmount', '-a'],
      ['unload-key', '-a'],
      ['load-key', '-a'],
      ['cat', 'tank/e/h', '/f'],
    ];
    expectGolden('encryption-promote', transcript(steps, sb));
  });
});

describe('encrypted records', () => {
  it('are encrypted in the image (compressed or not), verified by scrub without the key', () => {
    const { sb, file } = keyed();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      for (const [name, compression] of [['tank/gcm', 'off'], ['tank/lz4', 'lz4']]) {
        sb.ok(['create', '-o', `compression=${compression}`, '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', name]);
        sb.ok(['write', name, '/f'], secretFile);
      }
      sb.ok(['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=aes-256-ccm', 'tank/ccm']);
      sb.ok(['write', 'tank/ccm', '/f'], secretFile);
      for (const name of ['tank/gcm', 'tank/lz4', 'tank/ccm']) expect(sb.bytesOf(['cat', name, '/f']).equals(secretFile)).toBe(true);
      // The lz4 dataset stores less than it holds: compressed before it was encrypted.
      const used = (name: string) => Number(sb.ok(['get', '-Hpo', 'value', 'used', name]));
      expect(used('tank/lz4') - META).toBeLessThan((used('tank/gcm') - META) / 4);
      const image = fs.readFileSync(path.join(sb.home, 'tank.img'));
      expect(image.includes(Buffer.from(SECRET))).toBe(false);
      sb.ok(['unmount', '-a']);
      sb.ok(['unload-key', '-a']);
      sb.ok(['pool', 'scrub', 'tank']);
      expect(sb.ok(['pool', 'status', '-x', 'tank'])).toBe("pool 'tank' is healthy\n");
      sb.ok(['load-key', '-a']);
      expect(sb.bytesOf(['cat', 'tank/lz4', '/f']).equals(secretFile)).toBe(true);
      // An unencrypted dataset next to them stores its bytes as they are.
      sb.ok(['create', 'tank/plain']);
      sb.ok(['write', 'tank/plain', '/f'], secretFile);
      expect(fs.readFileSync(path.join(sb.home, 'tank.img')).includes(Buffer.from(SECRET))).toBe(true);
    } finally {
      sb.cleanup();
    }
  });
});

describe('a stream in clear received under an encrypted filesystem', () => {
  it('is never stored in clear, not even the part a receive -s keeps', () => {
    const { sb, file } = keyed();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['pool', 'create', '--size', '128M', 'back']);
      sb.ok(['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', 'back/e']);
      sb.ok(['create', '-o', 'compression=off', 'tank/p']);
      sb.ok(['write', 'tank/p', '/f'], secretFile);
      sb.ok(['snapshot', 'tank/p@s']);
      const stream = sb.bytesOf(['send', 'tank/p@s']);
      const cut = sb.run(['receive', '-s', 'back/e/x'], stream.subarray(0, stream.length >> 1));
      expect(cut.status).toBe(1);
      const token = sb.ok(['get', '-H', '-o', 'value', 'receive_resume_token', 'back/e/x']).trim();
      expect(fs.readFileSync(path.join(sb.home, 'back.img')).includes(Buffer.from(SECRET))).toBe(false);
      sb.ok(['receive', '-s', 'back/e/x'], sb.bytesOf(['send', '-t', token]));
      expect(sb.bytesOf(['cat', 'back/e/x', '/f']).equals(secretFile)).toBe(true);
      expect(sb.ok(['get', '-H', '-o', 'value', 'encryptionroot', 'back/e/x'])).toBe('back/e\n');
      expect(fs.readFileSync(path.join(sb.home, 'back.img')).includes(Buffer.from(SECRET))).toBe(false);
    } finally {
      sb.cleanup();
    }
  });
});

describe('unload-key and mounted filesystems', () => {
  it('counts a filesystem received with canmount=off as not mounted, as zfs get mounted shows it', () => {
    const { sb, file } = keyed();
    try {
      sb.ok(['pool', 'create', '--size', '128M', 'tank']);
      sb.ok(['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', '-o', 'canmount=off', 'tank/e']);
      sb.ok(['create', '-o', 'canmount=off', 'tank/p']);
      sb.ok(['snapshot', 'tank/p@s']);
      sb.ok(['receive', 'tank/e/r'], sb.bytesOf(['send', '-p', 'tank/p@s']));
      expect(sb.ok(['get', '-H', '-o', 'value,source', 'canmount,mounted', 'tank/e/r'])).toBe('off\treceived\nno\t-\n');
      sb.ok(['unload-key', 'tank/e']);
      expect(sb.ok(['get', '-H', '-o', 'value', 'keystatus', 'tank/e/r'])).toBe('unavailable\n');
    } finally {
      sb.cleanup();
    }
  });
});

describe('raw streams', () => {
  it('send -w keeps records encrypted; receive needs load-key with the sender\'s key to read them', () => {
    const { sb, file } = keyed();
    fs.writeFileSync(file('secret'), secretFile);
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['pool', 'create', '--size', '128M', 'back'],
      ['create', '-o', `keylocation=${uri(file('pass'))}`, '-o', 'keyformat=passphrase', '-o', 'pbkdf2iters=100000', '-o', 'encryption=on', '-o', 'compression=lz4', 'tank/e'],
      ['write', 'tank/e', '/f', file('secret')],
      ['snapshot', 'tank/e@s1'],
      ['list', '-H', '-o', 'name', 'tank/e@s1'],
    ];
    const text1 = transcript(steps, sb, true);
    try {
      const stream = sb.bytesOf(['send', '-w', 'tank/e@s1']);
      expect(stream.includes(Buffer.from(SECRET))).toBe(false);
      sb.ok(['write', 'tank/e', '/g'], 'second\n');
      sb.ok(['snapshot', 'tank/e@s2']);
      const incremental = sb.bytesOf(['send', '-w', '-i', '@s1', 'tank/e@s2']);
      const clear = sb.bytesOf(['send', 'tank/e@s1']);
      expect(clear.includes(Buffer.from(SECRET))).toBe(true);
      const clearCompressed = sb.bytesOf(['send', '-c', 'tank/e@s1']);
      expect(clearCompressed.includes(Buffer.from(SECRET))).toBe(true);
      // send -R -w of an encryption root with a child: the child stays under the root.
      sb.ok(['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', 'tank/rep']);
      sb.ok(['create', 'tank/rep/child']);
      sb.ok(['write', 'tank/rep/child', '/f'], 'replicated\n');
      sb.ok(['snapshot', '-r', 'tank/rep@r']);
      const replication = sb.bytesOf(['send', '-R', '-w', 'tank/rep@r']);
      const steps2: Step[] = [
        { args: ['receive', 'back/r'], input: stream },
        ['get', '-H', '-o', 'name,property,value,source', 'encryption,keyformat,keylocation,pbkdf2iters,encryptionroot,keystatus', 'back/r', 'back/r@s1'],
        ['cat', 'back/r', '/f'],
        { args: ['receive', 'back/r'], input: incremental },
        { args: ['load-key', '-L', uri(file('hex')), 'back/r'], input: '' },
        { args: ['load-key', 'back/r'], input: `${PASS}\n` },
        ['list', '-H', '-o', 'name', '-t', 'snapshot', '-r', 'back'],
        ['cat', 'back/r@s2', '/g'],
        // A stream in clear under an encrypted parent is encrypted with the parent's key.
        { args: ['receive', 'back/r/clear'], input: clear },
        ['get', '-H', '-o', 'name,value', 'encryptionroot', 'back/r/clear'],
        // ... and so are records sent compressed as stored (send -c).
        { args: ['receive', 'back/r/clearc'], input: clearCompressed },
        ['get', '-H', '-o', 'name,value', 'encryptionroot', 'back/r/clearc'],
        // A raw stream of another key does not go on top of this one.
        ['create', '-o', 'keyformat=raw', '-o', `keylocation=${uri(file('raw'))}`, '-o', 'encryption=on', 'back/other'],
        ['snapshot', 'back/other@s1'],
        { args: ['receive', '-F', 'back/other'], input: incremental },
        { args: ['receive', '-d', 'back'], input: replication },
        ['list', '-H', '-o', 'name,encryptionroot,keystatus', '-r', 'back/rep'],
        ['load-key', '-L', uri(file('raw')), 'back/rep'],
        ['cat', 'back/rep/child', '/f'],
        ['unmount', '-a'],
        ['unload-key', 'tank/e'],
        ['send', 'tank/e@s2'],
        ['send', '-p', 'tank/e@s2'],
        ['send', '-R', 'tank/e@s2'],
      ];
      const text2 = transcript(steps2, sb, true);
      expect(fs.readFileSync(path.join(sb.home, 'back.img')).includes(Buffer.from(SECRET))).toBe(false);
      expect(sb.bytesOf(['cat', 'back/r', '/f']).equals(secretFile)).toBe(true);
      expect(sb.bytesOf(['cat', 'back/r/clearc', '/f']).equals(secretFile)).toBe(true);
      expectGolden('encryption-streams', text1 + text2);
    } finally {
      sb.cleanup();
    }
  });
});
