/**
 * Bytes flipped deep inside the LMDB data file (branch, leaf and overflow pages, not only the meta
 * pages): LMDB trusts its pages, so the binary checks them in JavaScript before LMDB reads them
 * (engine/store/verify.ts). `pool scrub` reads every page first: it either finds the file sound or
 * says `cannot open 'tank': I/O error` with where the damage is, and then the pool is faulted, so
 * no command lets LMDB read it. A command never dies of a signal or prints a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { liveLmdbPages } from '../../src/engine/store/verify.js';
import { BIN, Sandbox } from './harness.js';
import { pattern } from './integrity-support.js';

const PAGE = 4096;
/** Where a flip lands in a page: its writer txn and a place in the node area, and on every third
 *  page also the header's page number, flags and first node pointer (unit tests flip every header
 *  byte of every page without the binary: test/unit/engine/lmdb-verify.test.ts). */
const spotsOf = (index: number) => (index % 3 === 0 ? [0, 8, 18, 24, 2000] : [8, 2000]);

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe('a damaged LMDB data file', () => {
  it('flips in every live page: scrub finds header damage, nothing crashes, a faulted pool stays refused', () => {
    const sb = new Sandbox();
    const run = (args: string[]): Run => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env: sb.env(), maxBuffer: 1 << 26 });
      return { status: r.status, signal: r.signal, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
    };
    // The scrub, which reads a damaged file first, is a process of its own (it may die of a signal
    // without taking the test along). Once it found every page sound, what is left is damage in
    // keys and values, which LMDB does not follow, and once it faulted the pool no command opens
    // the file: the commands after it run in-process.
    const runChecked = (args: string[]): Run => ({ ...sb.run(args), signal: null });
    const digest = (r: Run) => createHash('sha256').update(r.stdout).digest('hex');
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['create', 'tank/b']);
      sb.ok(['write', 'tank/a', '/f'], pattern(700000, 5));
      for (let i = 0; i < 12; i++) {
        sb.ok(['write', '-p', 'tank/b', `/d${i % 3}/f${i}`], `file ${i}\n`);
        sb.ok(['snapshot', `tank/b@s${i}`]);
      }
      sb.ok(['snapshot', 'tank/a@x']);
      sb.ok(['clone', 'tank/a@x', 'tank/c']);
      const metadata = path.join(sb.home, 'tank.img.lmdb');
      const registry = path.join(sb.home, 'pools.json');
      const sound = { metadata: fs.readFileSync(metadata), registry: fs.readFileSync(registry) };
      const commands = [['list', '-t', 'all', '-o', 'name,used,refer'], ['cat', 'tank/a', '/f']];
      const live = liveLmdbPages(metadata);
      // (Readers register in a write transaction: the baseline runs change the file's pages.)
      const baseline = commands.map((c) => digest(runChecked(c)));
      const missed: string[] = [];
      expect(live.length).toBeGreaterThan(10);

      const tally = { flips: 0, foundByScrub: 0, headerFlips: 0, headerFound: 0, undecodable: 0, unchanged: 0, refused: 0, changed: 0 };
      for (const [index, page] of live.entries()) {
        for (const spot of spotsOf(index)) {
          const damaged = Buffer.from(sound.metadata);
          damaged[page * PAGE + spot] ^= 0x5a;
          damaged[page * PAGE + spot + 1] ^= 0xa5;
          fs.writeFileSync(metadata, damaged);
          fs.writeFileSync(registry, sound.registry);
          fs.rmSync(`${metadata}-lock`, { force: true });
          const what = `page ${page} + ${spot}`;
          tally.flips++;
          if (spot < 24) tally.headerFlips++;

          const scrub = run(['pool', 'scrub', 'tank']);
          expect(scrub.signal, what).toBeNull();
          expect(scrub.stdout, what).toBe('');
          const structural = /^cannot open 'tank': I\/O error\nthe metadata '.*' is damaged: .*\n$/.test(scrub.stderr);
          if (structural) {
            expect(scrub.status, what).toBe(1);
            tally.foundByScrub++;
            if (spot < 24) tally.headerFound++;
            // Faulted: no command reads the metadata again until a full check finds it sound.
            const list = runChecked(commands[0]);
            expect([list.status, list.stdout, list.stderr], what).toEqual([1, '', scrub.stderr]);
            continue;
          }
          // The pages are sound and the flip is in a key or a value: a record that does not decode
          // is an I/O error of the pool, which the other commands meet only if they read it.
          if (spot < 24) missed.push(`${what}: ${scrub.status} ${scrub.stderr}`);
          if (scrub.status !== 0) {
            expect(scrub.status, what).toBe(1);
            expect(scrub.stderr, what).toMatch(/^cannot open 'tank': I\/O error\nthe metadata '.*' cannot be read \(.*\)\n$/);
            tally.undecodable++;
          } else {
            expect(scrub.stderr, what).toBe('');
          }
          commands.forEach((c, i) => {
            const r = runChecked(c);
            expect(r.signal, `${what}: ${c.join(' ')}`).toBeNull();
            expect(r.stderr, `${what}: ${c.join(' ')}`).not.toMatch(/internal error|\n\s+at /);
            if (r.status === 0 && digest(r) === baseline[i]) tally.unchanged++;
            else if (r.status === 1 && /^cannot open 'tank': I\/O error\n/.test(r.stderr)) tally.refused++;
            else tally.changed++;
          });
        }
      }
      console.log(`lmdb flips: ${JSON.stringify(tally)}`);
      // Every flip of a live page's header is damage the scrub names.
      expect(missed).toEqual([]);
      expect(tally.headerFound).toBe(tally.headerFlips);
      // The rest landed in keys or values. A value carries a checksum (checked-encoding.ts), a key
      // does not: a command then answers as before, refuses with an I/O error, or (a flipped key)
      // misses what it looked up.
      expect(tally.unchanged + tally.refused + tally.changed).toBe((tally.flips - tally.foundByScrub) * commands.length);

      // Restored from a sound copy, the pool reads again once a scrub has checked it.
      fs.writeFileSync(metadata, Buffer.from(sound.metadata).fill(0x5a, live[live.length - 1] * PAGE, live[live.length - 1] * PAGE + 8));
      fs.writeFileSync(registry, sound.registry);
      expect(run(['pool', 'scrub', 'tank']).status).toBe(1);
      // A faulted pool is not healthy: `status -x` names it and does not say all pools are healthy.
      const explain = run(['pool', 'status', '-x']);
      expect([explain.status, explain.stdout]).toEqual([1, '']);
      expect(explain.stderr).toMatch(/^cannot open 'tank': I\/O error\n/);
      fs.writeFileSync(metadata, sound.metadata);
      expect(run(commands[0]).status).toBe(1);
      expect(run(['pool', 'scrub', 'tank']).status).toBe(0);
      expect(digest(run(commands[0]))).toBe(baseline[0]);
    } finally {
      sb.cleanup();
    }
  }, 600_000);

  it('a byte flipped inside a stored record is an I/O error, never a changed value', () => {
    const sb = new Sandbox();
    try {
      sb.ok(['pool', 'create', '--size', '64M', 'tank']);
      sb.ok(['create', 'tank/a']);
      sb.ok(['set', 'com.example:marker=ZZZZZZZZZZZZZZZZ', 'tank/a']);
      const metadata = path.join(sb.home, 'tank.img.lmdb');
      const damaged = fs.readFileSync(metadata);
      // Every copy LMDB still holds: the live record and any older page version.
      let flipped = 0;
      for (let at = damaged.indexOf('ZZZZZZZZZZZZZZZZ'); at >= 0; at = damaged.indexOf('ZZZZZZZZZZZZZZZZ', at + 1)) {
        damaged[at + 3] ^= 0x01;
        flipped++;
      }
      expect(flipped).toBeGreaterThan(0);
      fs.writeFileSync(metadata, damaged);
      const get = sb.run(['get', '-H', '-o', 'value', 'com.example:marker', 'tank/a']);
      expect([get.status, get.stdout]).toEqual([1, '']);
      expect(get.stderr).toMatch(/^cannot open 'tank': I\/O error\nthe metadata '.*' cannot be read \(a metadata record fails its checksum\)\n$/);
    } finally {
      sb.cleanup();
    }
  });
});
