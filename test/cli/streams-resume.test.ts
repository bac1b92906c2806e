/**
 * Resumable receive (issue 16 item 5): `receive -s` keeps a stream cut short, invisible, and sets
 * receive_resume_token; `send -t TOKEN` sends the rest; `receive -A` drops what was kept.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, pattern, Sandbox, transcript } from './harness.js';

const R = 131072;

function sourcePool(sb: Sandbox): void {
  sb.ok(['pool', 'create', '--size', '256M', 'tank']);
  sb.ok(['create', '-o', 'compression=off', 'tank/src']);
  sb.ok(['write', '-p', 'tank/src', '/etc/app.conf'], 'x=1\n');
  sb.ok(['write', 'tank/src', '/big'], pattern(8 * R, 1));
  sb.ok(['snapshot', 'tank/src@a']);
  sb.ok(['write', 'tank/src', '/more'], pattern(4 * R, 2));
  sb.ok(['snapshot', 'tank/src@b']);
}

const tokenOf = (sb: Sandbox, fs: string) => sb.ok(['get', '-H', '-o', 'value', 'receive_resume_token', fs]).trim();

describe('receive -s, send -t, receive -A', () => {
  it('a full stream cut short is kept, hidden, and completed by send -t (golden)', () => {
    const sb = new Sandbox();
    try {
      sourcePool(sb);
      const full = sb.bytesOf(['send', 'tank/src@a']);
      const cut = full.subarray(0, 5 * R);
      let text = transcript(
        [
          { args: ['receive', '-s', 'tank/dst'], input: cut },
          ['list', '-r', '-t', 'all', '-o', 'name,used,usedbychildren,referenced', 'tank'],
          ['get', 'receive_resume_token', 'tank/dst'],
          ['ls', 'tank/dst'],
          { args: ['receive', 'tank/dst'], input: full },
          { args: ['receive', '-F', 'tank/dst'], input: full },
        ],
        sb,
        true,
      );
      const token = tokenOf(sb, 'tank/dst');
      expect(poolProblems(sb.home)).toEqual([]);
      const rest = sb.bytesOf(['send', '-t', token]);
      // The rest is what was not kept: the stream less its whole records that came (4 of 128K).
      expect(rest.length).toBeLessThan(full.length - 4 * R + 4096);
      text += transcript(
        [
          ['send', '-nv', '-t', token],
          ['send', '-nP', '-t', token],
          { args: ['receive', '-s', 'tank/dst'], input: rest },
          ['list', '-r', '-t', 'all', '-o', 'name,used,usedbychildren,referenced,guid', 'tank'],
          ['get', 'receive_resume_token', 'tank/dst'],
          ['cat', 'tank/dst', '/etc/app.conf'],
          { args: ['receive', '-s', 'tank/dst'], input: rest },
        ],
        sb,
        true,
      );
      expectGolden('sendflags/resume-full', text.split(token).join('$TOKEN'));
      expect(sb.bytesOf(['cat', 'tank/dst', '/big']).equals(pattern(8 * R, 1))).toBe(true);
      expect(sb.ok(['get', '-H', '-o', 'value', 'guid', 'tank/dst@a'])).toBe(sb.ok(['get', '-H', '-o', 'value', 'guid', 'tank/src@a']));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('an incremental stream cut short leaves the destination as it was; -A drops the kept part (golden)', () => {
    const sb = new Sandbox();
    try {
      sourcePool(sb);
      sb.ok(['receive', 'tank/dst'], sb.bytesOf(['send', 'tank/src@a']));
      const before = sb.ok(['list', '-Hp', '-r', '-t', 'all', '-o', 'name,used,referenced', 'tank/dst']);
      const inc = sb.bytesOf(['send', '-i', '@a', 'tank/src@b']);
      const cut = inc.subarray(0, 2 * R);
      let text = transcript(
        [
          { args: ['receive', '-s', 'tank/dst'], input: cut },
          ['list', '-r', '-t', 'all', '-o', 'name,used,usedbychildren,referenced', 'tank/dst'],
          ['ls', 'tank/dst'],
        ],
        sb,
        true,
      );
      const token = tokenOf(sb, 'tank/dst');
      text += transcript(
        [
          ['send', '-nv', '-t', token],
          ['receive', '-A', 'tank/dst'],
          ['get', 'receive_resume_token', 'tank/dst'],
          ['receive', '-A', 'tank/dst'],
          ['receive', '-A', 'tank/nope'],
          ['receive', '-A', '-s', 'tank/dst'],
        ],
        sb,
        true,
      );
      const rest = sb.bytesOf(['send', '-t', token]);
      text += transcript([{ args: ['receive', 'tank/dst'], input: rest }], sb, true);
      // The records must be cut as the kept ones were: a resuming stream with -L that the cut one
      // did not have is refused (its records would not follow the kept ones).
      sb.run(['receive', '-s', 'tank/dst'], cut);
      const large = sb.run(['receive', '-s', 'tank/dst'], sb.bytesOf(['send', '-L', '-t', tokenOf(sb, 'tank/dst')]));
      expect(large.stderr).toBe('cannot receive incremental stream: invalid backup stream\n');
      sb.ok(['receive', '-A', 'tank/dst']);
      expectGolden('sendflags/resume-incremental', text.split(token).join('$TOKEN'));
      expect(sb.ok(['list', '-Hp', '-r', '-t', 'all', '-o', 'name,used,referenced', 'tank/dst'])).toBe(before);
      expect(poolProblems(sb.home)).toEqual([]);
      // Cut again, resumed: the result is the snapshot sent, as if nothing had happened. A resuming
      // stream cut short leaves the partial receive as it was, and says so.
      sb.run(['receive', '-s', 'tank/dst'], cut);
      const again = tokenOf(sb, 'tank/dst');
      const resuming = sb.bytesOf(['send', '-t', again]);
      const recut = sb.run(['receive', '-s', 'tank/dst'], resuming.subarray(0, R));
      expect(recut.stderr).toContain(`zfs send -t ${again}\n`);
      expect(tokenOf(sb, 'tank/dst')).toBe(again);
      sb.ok(['receive', '-s', 'tank/dst'], resuming);
      expect(sb.bytesOf(['cat', 'tank/dst', '/more']).equals(pattern(4 * R, 2))).toBe(true);
      expect(sb.ok(['list', '-Hp', '-t', 'all', '-o', 'guid', 'tank/dst@b'])).toBe(sb.ok(['list', '-Hp', '-t', 'all', '-o', 'guid', 'tank/src@b']));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('receive -A of a new filesystem destroys it; destroy takes a partial receive with its filesystem', () => {
    const sb = new Sandbox();
    try {
      sourcePool(sb);
      const full = sb.bytesOf(['send', 'tank/src@a']);
      expect(sb.run(['receive', '-s', 'tank/x'], full.subarray(0, 3 * R)).status).toBe(1);
      sb.ok(['receive', '-A', 'tank/x']);
      expect(sb.run(['list', 'tank/x']).status).toBe(1);
      expect(sb.run(['receive', '-s', 'tank/y'], full.subarray(0, 3 * R)).status).toBe(1);
      // snapshot -r skips a filesystem a partial receive made (inconsistent, in OpenZFS's words).
      sb.ok(['snapshot', '-r', 'tank@r']);
      expect(sb.run(['list', 'tank/y@r']).status).toBe(1);
      expect(sb.ok(['list', '-H', '-o', 'name', 'tank/src@r'])).toBe('tank/src@r\n');
      // The hidden part is not named, as the kernel lists no hidden dataset.
      expect(sb.ok(['destroy', '-rnv', 'tank/y'])).toBe('would destroy tank/y\n');
      sb.ok(['destroy', 'tank/y']);
      expect(sb.run(['list', 'tank/y']).status).toBe(1);
      expect(sb.ok(['list', '-Hp', '-o', 'usedbychildren', 'tank'])).toBe(sb.ok(['list', '-Hp', '-o', 'used', 'tank/src']));
      // Without -s nothing is kept.
      expect(sb.run(['receive', 'tank/z'], full.subarray(0, 3 * R)).stderr).toBe('cannot receive: failed to read from stream\n');
      expect(sb.run(['list', 'tank/z']).status).toBe(1);
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });

  it('refuses corrupt tokens, tokens of snapshots gone, and -t with flags it excludes (golden)', () => {
    const sb = new Sandbox();
    try {
      sourcePool(sb);
      const full = sb.bytesOf(['send', 'tank/src@a']);
      sb.run(['receive', '-s', 'tank/dst'], full.subarray(0, 3 * R));
      const token = tokenOf(sb, 'tank/dst');
      const flipped = token.slice(0, -2) + (token.endsWith('00') ? '11' : '00');
      let text = transcript(
        [
          ['send', '-t', 'garbage'],
          ['send', '-t', '2-0-0-00'],
          ['send', '-t', '1-0-10-zz'],
          ['send', '-t', flipped],
          ['send', '-i', '@a', '-t', token],
          ['send', '-R', '-t', token],
          ['send', '-t', token, 'tank/src@a'],
        ],
        sb,
        true,
      );
      sb.ok(['rename', 'tank/src@a', 'tank/src@renamed']);
      text += transcript([['send', '-nvP', '-t', token]], sb, true);
      sb.ok(['snapshot', 'tank/src@gone']);
      sb.ok(['destroy', 'tank/src@renamed']);
      text += transcript([['send', '-nv', '-t', token]], sb, true);
      sb.ok(['snapshot', 'tank/src@a']);
      text += transcript([['send', '-n', '-t', token]], sb, true);
      expectGolden('sendflags/resume-errors', text.split(token).join('$TOKEN').split(flipped).join('$FLIPPED'));
    } finally {
      sb.cleanup();
    }
  });
});
