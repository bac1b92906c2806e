/**
 * The JavaScript check of LMDB pages (engine/store/verify.ts) on a real environment: sound, it
 * passes; any byte of a live page's header that LMDB follows (page number, pad, flags), flipped,
 * (and the top byte of its writer txn) is named as damage, by the full check, and by the roots check when the page is a tree's root.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Store } from '../../../src/engine/store/environment.js';
import { liveLmdbPages, verifyLmdb } from '../../../src/engine/store/verify.js';

const PAGE = 4096;

describe('verifyLmdb', () => {
  it('names every flipped page number, pad or flags byte of every live page; passes a sound file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-verify-'));
    const file = path.join(dir, 'env.lmdb');
    try {
      const store = Store.open(file);
      store.write(() => {
        for (let i = 0; i < 3000; i++) store.t.nodes.putSync(i, { id: i, children: [i, i + 1, `x${i}`] });
        store.t.history.putSync(1, { time: 1, line: 'y'.repeat(20000) });
        for (let i = 0; i < 50; i++) store.t.dirs.putSync(i, { id: i, name: `d${i}` } as never);
      });
      store.close();
      expect(verifyLmdb(file, true)).toBeNull();
      expect(verifyLmdb(file, false)).toBeNull();
      const sound = fs.readFileSync(file);
      const live = liveLmdbPages(file);
      expect(live.length).toBeGreaterThan(20);
      let rootsFound = 0;
      for (const page of live) {
        for (const byte of [0, 1, 2, 7, 15, 16, 17, 18, 19]) {
          const damaged = Buffer.from(sound);
          damaged[page * PAGE + byte] ^= 0xff;
          fs.writeFileSync(file, damaged);
          expect(verifyLmdb(file, true), `page ${page} byte ${byte}`).toMatch(/^is damaged: /);
          if (verifyLmdb(file, false) !== null) rootsFound++;
        }
      }
      // The roots check reads the meta pages and one page per table, whatever the file's size.
      expect(rootsFound).toBeGreaterThan(0);
      expect(rootsFound).toBeLessThan(live.length * 9);
      fs.writeFileSync(file, sound.subarray(0, sound.length - PAGE));
      expect(verifyLmdb(file, true)).toMatch(/^is damaged: /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('verifyLmdb while another process commits', () => {
  it('never reports damage in a sound file that grows under it', async () => {
    // In memory (test/setup.ts puts TMPDIR there), commits come without pause.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-verify-'));
    const file = path.join(dir, 'env.lmdb');
    try {
      const store = Store.open(file);
      store.write(() => store.t.history.putSync(1, { time: 1, line: 'start' }));
      store.close();
      // A writer in another process: many small commits, each growing the file.
      const writer = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { open } from 'lmdb';
           const db = open({ path: ${JSON.stringify(file)}, noSubdir: true, overlappingSync: false, noSync: false });
           const end = Date.now() + 1500;
           for (let i = 2; Date.now() < end; i++) {
             await db.put(i, 'x'.repeat(3000 + (i % 5) * 4000));
           }
           await db.close();`,
        ],
        { cwd: process.cwd(), stdio: 'inherit' },
      );
      const exited = new Promise((resolve) => writer.on('exit', resolve));
      const damage = new Set<string>();
      let checks = 0;
      let done = false;
      void exited.then(() => (done = true));
      while (!done) {
        const found = verifyLmdb(file, false);
        if (found) damage.add(found);
        checks++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await exited).toBe(0);
      expect(checks).toBeGreaterThan(50);
      expect([...damage]).toEqual([]);
      expect(verifyLmdb(file, true)).toBeNull();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
