import { describe, expect, it } from 'vitest';
import { CronSyntaxError, parseSchedule } from './cron';

/** Activations after `from`, as ISO strings. */
function runs(schedule: string, from: string, n: number, tz = 'Etc/UTC'): string[] {
  const s = parseSchedule(schedule, tz);
  const out: string[] = [];
  let t: Date | null = new Date(from);
  for (let i = 0; i < n && t; i++) {
    t = s.next(t);
    if (t) out.push(t.toISOString());
  }
  return out;
}

describe('cron schedules (robfig/cron ParseStandard semantics)', () => {
  it.each([
    {
      s: '* * * * *',
      from: '2024-01-01T00:00:30Z',
      want: ['2024-01-01T00:01:00.000Z', '2024-01-01T00:02:00.000Z'],
    },
    {
      s: '*/15 * * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T00:15:00.000Z', '2024-01-01T00:30:00.000Z'],
    },
    {
      s: '5/20 * * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T00:05:00.000Z', '2024-01-01T00:25:00.000Z'],
    },
    {
      s: '0 9-17/4 * * *',
      from: '2024-01-01T00:00:00Z',
      want: [
        '2024-01-01T09:00:00.000Z',
        '2024-01-01T13:00:00.000Z',
        '2024-01-01T17:00:00.000Z',
        '2024-01-02T09:00:00.000Z',
      ],
    },
    {
      s: '30 2 1,15 * *',
      from: '2024-01-10T00:00:00Z',
      want: ['2024-01-15T02:30:00.000Z', '2024-02-01T02:30:00.000Z'],
    },
    { s: '0 0 * * MON-FRI', from: '2024-01-05T12:00:00Z', want: ['2024-01-08T00:00:00.000Z'] },
    {
      s: '0 0 1 JAN,jul *',
      from: '2024-02-01T00:00:00Z',
      want: ['2024-07-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    },
    { s: '0 0 29 2 *', from: '2024-03-01T00:00:00Z', want: ['2028-02-29T00:00:00.000Z'] },
    // Both day fields restricted: either matches (the 13th, or a Friday).
    {
      s: '0 0 13 * 5',
      from: '2024-09-01T00:00:00Z',
      want: ['2024-09-06T00:00:00.000Z', '2024-09-13T00:00:00.000Z', '2024-09-20T00:00:00.000Z'],
    },
    // Day of week `*`: only the day of month restricts.
    { s: '0 0 13 * *', from: '2024-09-01T00:00:00Z', want: ['2024-09-13T00:00:00.000Z'] },
    { s: '@hourly', from: '2024-01-01T00:59:59Z', want: ['2024-01-01T01:00:00.000Z'] },
    { s: '@daily', from: '2024-01-01T00:00:00Z', want: ['2024-01-02T00:00:00.000Z'] },
    { s: '@weekly', from: '2024-01-01T00:00:00Z', want: ['2024-01-07T00:00:00.000Z'] },
    { s: '@monthly', from: '2024-01-31T00:00:00Z', want: ['2024-02-01T00:00:00.000Z'] },
    { s: '@yearly', from: '2024-06-01T00:00:00Z', want: ['2025-01-01T00:00:00.000Z'] },
    {
      s: '@every 1h30m',
      from: '2024-01-01T00:00:00.500Z',
      want: ['2024-01-01T01:30:00.000Z', '2024-01-01T03:00:00.000Z'],
    },
  ])('$s after $from', ({ s, from, want }) => {
    expect(runs(s, from, want.length)).toEqual(want);
  });

  it.each([
    {
      s: '0 9 * * *',
      tz: 'America/New_York',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T14:00:00.000Z'],
    },
    {
      s: '0 9 * * *',
      tz: 'America/New_York',
      from: '2024-07-01T00:00:00Z',
      want: ['2024-07-01T13:00:00.000Z'],
    },
    { s: '0 0 * * *', tz: 'Asia/Kolkata', from: '2024-01-01T00:00:00Z', want: ['2024-01-01T18:30:00.000Z'] },
    // Spring forward (2024-03-10 02:00 EST → 03:00 EDT): 02:30 does not exist, runs at 03:30 EDT.
    {
      s: '30 2 * * *',
      tz: 'America/New_York',
      from: '2024-03-09T12:00:00Z',
      want: ['2024-03-10T07:30:00.000Z', '2024-03-11T06:30:00.000Z'],
    },
    // Fall back (2024-11-03 02:00 EDT → 01:00 EST): 01:30 happens twice, runs once.
    {
      s: '30 1 * * *',
      tz: 'America/New_York',
      from: '2024-11-02T12:00:00Z',
      want: ['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z'],
    },
  ])('$s in $tz after $from', ({ s, tz, from, want }) => {
    expect(runs(s, from, want.length, tz)).toEqual(want);
  });

  it.each([
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['x * * * *', 'failed to parse int from x'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
  ])('rejects %j: %s', (s, message) => {
    expect(() => parseSchedule(s, 'Etc/UTC')).toThrow(new CronSyntaxError(message));
  });

  it('rejects unknown time zones', () => {
    expect(() => parseSchedule('* * * * *', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('returns null when nothing matches within five years', () => {
    expect(parseSchedule('0 0 30 2 *', 'Etc/UTC').next(new Date('2024-01-01T00:00:00Z'))).toBeNull();
  });
});
