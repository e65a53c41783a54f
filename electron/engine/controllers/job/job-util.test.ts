import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { formatIndexes, parseIndexes } from './indexes';
import { backoffRemainingMs, ensureCondition, isPodFailed, nextBackoffRecord, wantActive } from './job-util';

const job = (spec: Partial<NonNullable<Job['spec']>>): Job => ({ spec: { template: {}, ...spec } });
const pod = (phase?: string, deleting = false, finishedAt?: string): Pod => ({
  metadata: deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {},
  status: {
    phase,
    containerStatuses: finishedAt
      ? [
          {
            name: 'c',
            image: 'i',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 1, finishedAt } },
          },
        ]
      : undefined,
  },
});

describe('completed indexes', () => {
  it.each([
    [[], ''],
    [[3], '3'],
    [[1, 2], '1,2'],
    [[0, 1, 2, 4, 6, 7], '0-2,4,6,7'],
    [[5, 3, 4, 4], '3-5'],
  ])('formats %j as %j and parses it back', (indexes, text) => {
    expect(formatIndexes(indexes)).toBe(text);
    expect([...parseIndexes(text, 100)].sort((a, b) => a - b)).toEqual(
      [...new Set(indexes)].sort((a, b) => a - b),
    );
  });
  it('drops indexes at or above completions and malformed parts', () => {
    expect([...parseIndexes('1-4,x,9', 3)]).toEqual([1, 2]);
  });
});

describe('wantActive', () => {
  it.each([
    { spec: { completions: 5, parallelism: 2 }, active: 0, succeeded: 0, want: 2 },
    { spec: { completions: 5, parallelism: 2 }, active: 2, succeeded: 4, want: 1 },
    { spec: { completions: 5, parallelism: 9 }, active: 0, succeeded: 6, want: 0 },
    { spec: { parallelism: 3 }, active: 1, succeeded: 0, want: 3 },
    { spec: { parallelism: 3 }, active: 1, succeeded: 1, want: 1 },
  ])('$spec active=$active succeeded=$succeeded → $want', ({ spec, active, succeeded, want }) => {
    expect(wantActive(job(spec), active, succeeded)).toBe(want);
  });
});

describe('isPodFailed', () => {
  it.each([
    { name: 'failed', p: pod('Failed'), policy: undefined, failed: true },
    { name: 'running', p: pod('Running'), policy: undefined, failed: false },
    { name: 'deleted while running', p: pod('Running', true), policy: undefined, failed: true },
    { name: 'deleted after success', p: pod('Succeeded', true), policy: undefined, failed: false },
    {
      name: 'deleted, podReplacementPolicy Failed',
      p: pod('Running', true),
      policy: 'Failed',
      failed: false,
    },
  ])('$name → $failed', ({ p, policy, failed }) => {
    expect(isPodFailed(p, job({ podReplacementPolicy: policy }))).toBe(failed);
  });
});

describe('pod failure back-off', () => {
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  it('doubles per failure after the last success and counts from the last failure', () => {
    let rec = nextBackoffRecord(undefined, [], [pod('Failed', false, '2024-01-01T00:00:00Z')], t0);
    expect(backoffRemainingMs(rec, t0 + 4_000, 10_000, 360_000)).toBe(6_000);
    rec = nextBackoffRecord(rec, [], [pod('Failed', false, '2024-01-01T00:00:00Z')], t0);
    expect(backoffRemainingMs(rec, t0, 10_000, 360_000)).toBe(20_000);
    expect(backoffRemainingMs(rec, t0 + 30_000, 10_000, 360_000)).toBe(0);
    // A later success resets the count.
    rec = nextBackoffRecord(rec, [pod('Succeeded', false, '2024-01-01T00:00:05Z')], [], t0);
    expect(backoffRemainingMs(rec, t0, 10_000, 360_000)).toBe(0);
  });
});

describe('ensureCondition', () => {
  const now = new Date('2024-01-01T00:00:00Z');
  it('adds only True conditions, and keeps lastTransitionTime when the status stays', () => {
    expect(ensureCondition([], 'Suspended', 'False', 'JobResumed', 'Job resumed', now)).toEqual([[], false]);
    const [added, changed] = ensureCondition([], 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
    expect(changed).toBe(true);
    const later = new Date('2024-01-01T00:01:00Z');
    const [flipped] = ensureCondition(added, 'Suspended', 'False', 'JobResumed', 'Job resumed', later);
    expect(flipped[0]).toMatchObject({ status: 'False', lastTransitionTime: '2024-01-01T00:01:00Z' });
    expect(ensureCondition(flipped, 'Suspended', 'False', 'JobResumed', 'Job resumed', later)[1]).toBe(false);
  });
});
