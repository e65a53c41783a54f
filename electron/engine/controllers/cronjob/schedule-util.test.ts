import type { CronJob } from 'kubernetes-types/batch/v1';
import { describe, expect, it } from 'vitest';
import { parseSchedule } from './cron';
import { jobName, mostRecentScheduleTime, nextScheduleDelay, rfc3339InZone } from './schedule-util';

const at = (s: string) => Date.parse(s);
function cj(created: string, last?: string, deadline?: number): CronJob {
  return {
    metadata: { name: 'cj', creationTimestamp: created },
    spec: { schedule: '', jobTemplate: {}, startingDeadlineSeconds: deadline },
    status: { lastScheduleTime: last },
  };
}
const hourly = parseSchedule('0 * * * *', 'Etc/UTC');

describe('mostRecentScheduleTime', () => {
  it.each([
    {
      name: 'nothing due yet',
      c: cj('2024-01-01T10:10:00Z'),
      now: '2024-01-01T10:59:00Z',
      recent: null,
      missed: 'none',
    },
    {
      name: 'one due',
      c: cj('2024-01-01T10:10:00Z'),
      now: '2024-01-01T11:00:30Z',
      recent: '2024-01-01T11:00:00Z',
      missed: 'few',
    },
    {
      name: 'several missed: the latest',
      c: cj('2024-01-01T10:10:00Z'),
      now: '2024-01-01T15:20:00Z',
      recent: '2024-01-01T15:00:00Z',
      missed: 'few',
    },
    {
      name: 'counts from lastScheduleTime',
      c: cj('2023-01-01T00:00:00Z', '2024-01-01T14:00:00Z'),
      now: '2024-01-01T14:30:00Z',
      recent: null,
      missed: 'none',
    },
    {
      name: 'more than 100 missed',
      c: cj('2024-01-01T00:00:00Z'),
      now: '2024-01-10T00:30:00Z',
      recent: '2024-01-10T00:00:00Z',
      missed: 'many',
    },
    {
      name: 'startingDeadlineSeconds hides older runs',
      c: cj('2024-01-01T00:00:00Z', undefined, 600),
      now: '2024-01-10T00:30:00Z',
      recent: null,
      missed: 'none',
    },
    {
      name: 'within the deadline',
      c: cj('2024-01-01T00:00:00Z', undefined, 600),
      now: '2024-01-10T00:05:00Z',
      recent: '2024-01-10T00:00:00Z',
      missed: 'few',
    },
  ])('$name', ({ c, now, recent, missed }) => {
    const r = mostRecentScheduleTime(c, at(now), hourly, true);
    expect(r.mostRecent).toBe(recent === null ? null : at(recent));
    expect(r.missed).toBe(missed);
  });

  it('finds the exact latest time of an irregular schedule', () => {
    const s = parseSchedule('30 6-16/4 * * 1-5', 'Etc/UTC');
    // Friday 2024-01-05 … Monday 2024-01-08 12:00: the last run was Monday 10:30.
    const r = mostRecentScheduleTime(cj('2024-01-05T00:00:00Z'), at('2024-01-08T12:00:00Z'), s, true);
    expect(r.mostRecent).toBe(at('2024-01-08T10:30:00Z'));
  });
});

describe('nextScheduleDelay', () => {
  it('wakes up just after the next scheduled time', () => {
    expect(nextScheduleDelay(cj('2024-01-01T10:10:00Z'), at('2024-01-01T10:59:00Z'), hourly)).toBe(60_100);
    expect(
      nextScheduleDelay(
        cj('2024-01-01T10:10:00Z', '2024-01-01T11:00:00Z'),
        at('2024-01-01T11:00:30Z'),
        hourly,
      ),
    ).toBe(3_570_100);
  });
});

describe('names and stamps', () => {
  it('names jobs by the scheduled minute since the epoch', () => {
    expect(jobName(cj('2024-01-01T00:00:00Z'), at('2024-01-01T00:00:00Z'))).toBe('cj-28401120');
  });
  it.each([
    ['Etc/UTC', '2024-05-01T00:00:00Z'],
    ['Asia/Tokyo', '2024-05-01T09:00:00+09:00'],
    ['America/New_York', '2024-04-30T20:00:00-04:00'],
    ['Asia/Kathmandu', '2024-05-01T05:45:00+05:45'],
  ])('formats RFC 3339 in %s', (zone, want) => {
    expect(rfc3339InZone(at('2024-05-01T00:00:00Z'), zone)).toBe(want);
  });
});
