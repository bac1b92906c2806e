/**
 * Worked example E5 of zfs-dsl-semantics.md §9 (quotas and reservations), replayed through the
 * built binary with data-only numbers (R = one 128 KiB record).
 *
 * How the zfs-fuse numbers were adapted, by the same rules (§8):
 * - zfs-fuse charges every empty filesystem 14 metadata blocks (114688) and p 17 (139264), so p's
 *   used was 483328 before any data. tszfs counts metadata as zero: p instead holds a 4R file of
 *   its own, so that p's quota (2M = 16R) is as tight as in the original story and each step's
 *   outcome is the same (E5.12's snapshot still fails, E5.14's c1 still gets exactly 17 records).
 * - OpenZFS admits a write on an estimate and can overshoot a limit by up to a txg of writes
 *   (E5.5: refer 516096 > refquota 393216; E5.14: p used 4276224 > quota 4194304). tszfs's rule is
 *   deterministic: a write is refused when the usage after it would exceed the limit. Data is
 *   written one record per command (`write --append`, as `dd bs=128k` writes one record per call),
 *   so the write that would cross a limit is the one refused, and usage ends exactly at the limit.
 * - tszfs charges each filesystem one metadata allocation (META, 96K) at creation. The data-only
 *   figures are checked with them added (space-checks withMetadata), and every limit is raised by
 *   the allocations it covers (p's quota by p's and its three children's, c1's reservation, c2's
 *   refquota and c3's refreservation by their own), so each step's outcome is the story's. Once
 *   c3@s is taken, c3's allocation is no longer unique to its head, so its refreservation holds one
 *   META more (E5.13): p's second quota is raised by that one too, and those figures say so.
 */
import { describe, expect } from 'vitest';
import { Sandbox, seededBytes, storySteps } from './harness.js';
import { checkContents, getProps, META, R, withMetadata, type Expected } from './space-checks.js';

const M = 1024 * 1024;

describe('E5: quotas and reservations (zfs-dsl-semantics.md §9)', () => {
  let sb: Sandbox;
  const story = storySteps();
  const records = new Map<string, Buffer[]>();

  /** Append one record of fresh random bytes to DS:/PATH; returns the command's result. */
  const appendRecord = (dataset: string, path: string) => {
    const data = seededBytes(R, 1);
    const r = sb.run(['write', '--append', dataset, path, sb.file('record', data)]);
    if (r.status === 0) records.set(`${dataset}:${path}`, [...(records.get(`${dataset}:${path}`) ?? []), data]);
    return r;
  };
  const contents = (dataset: string, path: string) => Buffer.concat(records.get(`${dataset}:${path}`) ?? []);
  const check = (expected: Expected) => expect(getProps(sb, expected)).toEqual(withMetadata(sb, expected));

  story.setup(() => {
    sb = new Sandbox();
    sb.ok(['pool', 'create', '--size', '256M', 'tank']);
    sb.ok(['create', '-o', `quota=${2 * M + 4 * META}`, 'tank/p']);
    for (let i = 0; i < 4; i++) appendRecord('tank/p', '/own');
    for (const c of ['c1', 'c2', 'c3']) sb.ok(['create', `tank/p/${c}`]);
  });
  story.teardown(() => sb.cleanup());

  story.step('E5.1 p quota=2M, p used 4R: every avail is 2M - 4R', () => {
    check({
      'tank/p': { used: 4 * R, usedbychildren: 0, available: 12 * R, quota: 2 * M + 4 * META },
      'tank/p/c1': { used: 0, available: 12 * R },
      'tank/p/c2': { used: 0, available: 12 * R },
      'tank/p/c3': { used: 0, available: 12 * R },
    });
  });

  story.step('E5.2 c1 reservation=512K: p usedchild 4R; c2/c3 avail 8R; c1 avail 8R + its unused 4R', () => {
    sb.ok(['set', `reservation=${512 * 1024 + META}`, 'tank/p/c1']);
    check({
      'tank/p': { used: 8 * R, usedbychildren: 4 * R, available: 8 * R },
      'tank/p/c1': { used: 0, available: 12 * R, reservation: 512 * 1024 + META },
      'tank/p/c2': { available: 8 * R },
      'tank/p/c3': { available: 8 * R },
    });
  });

  story.step('E5.3 c1 writes 2R: inside its reservation, so p is unchanged; c1 avail 8R + 2R', () => {
    for (let i = 0; i < 2; i++) expect(appendRecord('tank/p/c1', '/f').status).toBe(0);
    check({
      'tank/p': { used: 8 * R, usedbychildren: 4 * R, available: 8 * R },
      'tank/p/c1': { used: 2 * R, available: 10 * R },
    });
  });

  story.step('E5.4 c2 refquota=384K: c2 avail 3R', () => {
    sb.ok(['set', `refquota=${384 * 1024 + META}`, 'tank/p/c2']);
    check({ 'tank/p/c2': { available: 3 * R, refquota: 3 * R + META } });
  });

  story.step('E5.5 c2 writes 4 records: the 4th is refused (EDQUOT), refer stops at the refquota', () => {
    for (let i = 0; i < 3; i++) expect(appendRecord('tank/p/c2', '/f').status).toBe(0);
    const refused = appendRecord('tank/p/c2', '/f');
    expect(refused).toEqual({ stdout: '', stderr: "cannot write 'tank/p/c2:/f': disk quota exceeded\n", status: 1 });
    check({
      'tank/p/c2': { referenced: 3 * R, used: 3 * R, available: 0 },
      'tank/p': { used: 11 * R, available: 5 * R },
      'tank/p/c3': { available: 5 * R },
    });
    checkContents(sb, { 'tank/p/c2': { '/f': contents('tank/p/c2', '/f') } });
  });

  story.step('E5.6 c2@s, rm f: refer 0, usedsnap 3R, avail back to 3R (snapshots do not count against refquota)', () => {
    sb.ok(['snapshot', 'tank/p/c2@s']);
    sb.ok(['rm', 'tank/p/c2', '/f']);
    check({
      'tank/p/c2': { referenced: 0, usedbysnapshots: 3 * R, used: 3 * R, available: 3 * R },
      // A snapshot's available reads '-', as in OpenZFS (dsl_dataset_stats reports it for heads only).
      'tank/p/c2@s': { used: 3 * R, referenced: 3 * R, available: '-' },
    });
  });

  story.step('E5.7/5.8 c2 writes 2R (avail 1R), then a 1R file is accepted and the next refused', () => {
    for (let i = 0; i < 2; i++) expect(appendRecord('tank/p/c2', '/g').status).toBe(0);
    check({ 'tank/p/c2': { referenced: 2 * R, available: R } });
    expect(appendRecord('tank/p/c2', '/h').status).toBe(0);
    check({ 'tank/p/c2': { referenced: 3 * R, available: 0 } });
    expect(appendRecord('tank/p/c2', '/i').stderr).toBe("cannot write 'tank/p/c2:/i': disk quota exceeded\n");
    expect(sb.run(['ls', 'tank/p/c2', '/i']).status).toBe(1);
    check({ 'tank/p': { used: 14 * R, available: 2 * R } });
  });

  story.step('E5.10 c3 refreservation=256K: usedrefres 2R, used 2R; p full; c3 avail 0 + 2R', () => {
    sb.ok(['set', `refreservation=${256 * 1024 + META}`, 'tank/p/c3']);
    check({
      'tank/p/c3': { usedbyrefreservation: 2 * R, used: 2 * R, available: 2 * R },
      'tank/p': { used: 16 * R, usedbychildren: 12 * R, available: 0 },
    });
  });

  story.step('E5.11 c3 writes 1R: uniq 1R, usedrefres 1R, used unchanged, avail 1R', () => {
    expect(appendRecord('tank/p/c3', '/f').status).toBe(0);
    check({
      'tank/p/c3': { usedbydataset: R, usedbyrefreservation: R, used: 2 * R, available: R },
      'tank/p': { used: 16 * R },
    });
  });

  story.step('E5.12 snapshot c3@s: out of space, it needs min(uniq, refres) = 1R available', () => {
    expect(sb.run(['snapshot', 'tank/p/c3@s'])).toEqual({
      stdout: '',
      stderr: "cannot create snapshot 'tank/p/c3@s': out of space\n",
      status: 1,
    });
    expect(sb.run(['list', 'tank/p/c3@s']).status).toBe(1);
  });

  story.step('E5.13 p quota=4M, then c3@s: usedrefres back to 2R (uniq 0), c3 used 3R', () => {
    sb.ok(['set', `quota=${4 * M + 5 * META}`, 'tank/p']);
    sb.ok(['snapshot', 'tank/p/c3@s']);
    check({
      // c3's allocation now also in usedbyrefreservation (uniq 0): one META more than the rule
      'tank/p/c3': { usedbydataset: R, usedbyrefreservation: 2 * R + META, usedbysnapshots: 0, used: 3 * R + META, available: 17 * R + META },
      'tank/p/c3@s': { used: 0, referenced: R },
      'tank/p': { used: 17 * R + META, available: 15 * R },
      'tank/p/c1': { available: 17 * R },
    });
  });

  story.step("E5.14 c1 writes until p's quota: refused after 17 records; c3 keeps its refreservation", () => {
    let accepted = 0;
    while (appendRecord('tank/p/c1', '/f').status === 0) accepted++;
    expect(accepted).toBe(17);
    check({
      'tank/p': { used: 4 * M + META, available: 0 },
      'tank/p/c1': { used: 19 * R, available: 0 },
      'tank/p/c2': { available: 0 },
      'tank/p/c3': { available: 2 * R + META },
    });
    checkContents(sb, { 'tank/p/c1': { '/f': contents('tank/p/c1', '/f') } });
  });
});
