import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatCreation,
  formatCtime,
  formatHistoryTime,
  formatHoldTime,
  formatSnapshotsChanged,
} from '../../../src/cli/format/dates.js';

// 2025-01-07 09:05:00 UTC, the spec's running example (`-p` creation).
const T = 1736240700;
// 2025-11-23 14:30:09 UTC: two-digit day and hour.
const T2 = Date.UTC(2025, 10, 23, 14, 30, 9) / 1000;
// 2024-02-29 00:00:07 UTC: midnight, leap day.
const T3 = Date.UTC(2024, 1, 29, 0, 0, 7) / 1000;

let savedTz: string | undefined;
beforeAll(() => {
  savedTz = process.env.TZ;
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env.TZ;
  else process.env.TZ = savedTz;
});

describe('formatCreation (%a %b %e %k:%M %Y)', () => {
  it('space-pads single-digit day and hour', () => {
    expect(formatCreation(T)).toBe('Tue Jan  7  9:05 2025');
    expect(formatCreation(T)).toHaveLength(21);
  });
  it('two-digit day and hour', () => {
    expect(formatCreation(T2)).toBe('Sun Nov 23 14:30 2025');
  });
  it('midnight is " 0"', () => {
    expect(formatCreation(T3)).toBe('Thu Feb 29  0:00 2024');
  });
  it('ignores fractional seconds like a time_t would', () => {
    expect(formatCreation(T + 59.9)).toBe('Tue Jan  7  9:05 2025');
  });
});

describe('formatSnapshotsChanged (%a %b %e %k:%M:%S %Y)', () => {
  it('includes seconds', () => {
    expect(formatSnapshotsChanged(T + 153)).toBe('Tue Jan  7  9:07:33 2025');
  });
});

describe('formatHistoryTime (%F.%T)', () => {
  it('zero-pads everything', () => {
    expect(formatHistoryTime(T)).toBe('2025-01-07.09:05:00');
    expect(formatHistoryTime(T2)).toBe('2025-11-23.14:30:09');
    expect(formatHistoryTime(T3)).toBe('2024-02-29.00:00:07');
  });
});

describe('formatHoldTime (%a %b %e %H:%M %Y)', () => {
  it('zero-pads the hour but space-pads the day', () => {
    expect(formatHoldTime(T)).toBe('Tue Jan  7 09:05 2025');
    expect(formatHoldTime(T3)).toBe('Thu Feb 29 00:00 2024');
  });
});

describe('formatCtime (ctime() minus newline)', () => {
  it('matches asctime layout', () => {
    expect(formatCtime(T)).toBe('Tue Jan  7 09:05:00 2025');
    expect(formatCtime(T2)).toBe('Sun Nov 23 14:30:09 2025');
    expect(formatCtime(T)).not.toContain('\n');
  });
});

describe('local time', () => {
  it('follows process.env.TZ changes at runtime', () => {
    process.env.TZ = 'America/New_York';
    try {
      // 09:05 UTC on 7 Jan is 04:05 EST.
      expect(formatCreation(T)).toBe('Tue Jan  7  4:05 2025');
      expect(formatHistoryTime(T)).toBe('2025-01-07.04:05:00');
      // 02:00 UTC on 7 Jan is still 6 Jan in New York.
      expect(formatCtime(T - 7 * 3600 - 5 * 60)).toBe('Mon Jan  6 21:00:00 2025');
    } finally {
      process.env.TZ = 'UTC';
    }
    expect(formatCreation(T)).toBe('Tue Jan  7  9:05 2025');
  });
});

describe('invalid input', () => {
  it('throws on non-finite values', () => {
    expect(() => formatCreation(Number.NaN)).toThrow(RangeError);
    expect(() => formatCtime(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
