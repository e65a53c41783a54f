import { describe, expect, it } from 'vitest';
import { POD_DELETION_COST, deleteBefore, deletionCost, maxRestarts, podsToDelete } from './ranking';
import { makePod } from './testing';

const NOW = Date.parse('2025-01-01T00:00:00Z');
const HOUR = 3_600_000;

describe('deleteBefore (ActivePodsWithRanks)', () => {
  it.each([
    ['unassigned before assigned', makePod('a'), makePod('b').node('n1')],
    [
      'Pending before Unknown',
      makePod('a').node('n').phase('Pending'),
      makePod('b').node('n').phase('Unknown'),
    ],
    [
      'Unknown before Running',
      makePod('a').node('n').phase('Unknown'),
      makePod('b').node('n').phase('Running'),
    ],
    [
      'not ready before ready',
      makePod('a').node('n').phase('Running'),
      makePod('b')
        .node('n')
        .phase('Running')
        .ready(NOW - HOUR),
    ],
    [
      'lower deletion cost before higher',
      makePod('a').node('n').annotation(POD_DELETION_COST, '-5'),
      makePod('b').node('n').annotation(POD_DELETION_COST, '10'),
    ],
    [
      'ready for less time before ready for longer (different log2 buckets)',
      makePod('a')
        .node('n')
        .phase('Running')
        .ready(NOW - 60_000),
      makePod('b')
        .node('n')
        .phase('Running')
        .ready(NOW - 10 * HOUR),
    ],
    ['more restarts before fewer', makePod('a').node('n').restarts(7), makePod('b').node('n').restarts(1)],
    [
      'newer before older',
      makePod('a')
        .node('n')
        .created(NOW - 60_000),
      makePod('b')
        .node('n')
        .created(NOW - 48 * HOUR),
    ],
    [
      'no creation time before any',
      makePod('a').node('n'),
      makePod('b')
        .node('n')
        .created(NOW - HOUR),
    ],
  ])('%s', (_name, first, second) => {
    const a = { pod: first.obj(), rank: 0 };
    const b = { pod: second.obj(), rank: 0 };
    expect(deleteBefore(a, b, NOW)).toBe(true);
    expect(deleteBefore(b, a, NOW)).toBe(false);
  });

  it('puts doubled-up pods (higher rank) first when everything else is equal', () => {
    const a = { pod: makePod('a').node('n1').obj(), rank: 3 };
    const b = { pod: makePod('b').node('n2').obj(), rank: 1 };
    expect(deleteBefore(a, b, NOW)).toBe(true);
    expect(deleteBefore(b, a, NOW)).toBe(false);
  });

  it('lets the phase win over restarts and age (criteria are ordered)', () => {
    const pending = {
      pod: makePod('a')
        .node('n')
        .phase('Pending')
        .created(NOW - 48 * HOUR)
        .obj(),
      rank: 0,
    };
    const running = { pod: makePod('b').node('n').phase('Running').restarts(9).created(NOW).obj(), rank: 0 };
    expect(deleteBefore(pending, running, NOW)).toBe(true);
  });

  it('breaks ties within one log2 age bucket by uid (LogarithmicScaleDown)', () => {
    // 70 and 71 minutes old fall in the same power-of-two bucket of nanoseconds.
    const a = {
      pod: makePod('a')
        .uid('u-2')
        .node('n')
        .created(NOW - 70 * 60_000)
        .obj(),
      rank: 0,
    };
    const b = {
      pod: makePod('b')
        .uid('u-1')
        .node('n')
        .created(NOW - 71 * 60_000)
        .obj(),
      rank: 0,
    };
    expect(deleteBefore(b, a, NOW)).toBe(true);
    expect(deleteBefore(a, b, NOW)).toBe(false);
  });
});

describe('deletionCost', () => {
  it.each([
    [undefined, 0],
    ['100', 100],
    ['-3', -3],
    ['abc', 0],
    ['99999999999', 0],
  ])('%s → %d', (value, want) => {
    const b = makePod('p');
    if (value !== undefined) b.annotation(POD_DELETION_COST, value);
    expect(deletionCost(b.obj())).toBe(want);
  });
});

describe('maxRestarts', () => {
  it('counts restartable init containers (sidecars) but not plain init containers', () => {
    const pod = makePod('p')
      .restarts(2)
      .initContainers([
        { name: 'side', sidecar: true, restarts: 5 },
        { name: 'init', sidecar: false, restarts: 9 },
      ])
      .obj();
    expect(maxRestarts(pod)).toBe(5);
  });
});

describe('podsToDelete', () => {
  it('picks the lowest-ranked pods: unscheduled, then not ready, then doubled-up nodes', () => {
    const pods = [
      makePod('ready-n1')
        .node('n1')
        .phase('Running')
        .ready(NOW - HOUR)
        .obj(),
      makePod('ready-n2a')
        .node('n2')
        .phase('Running')
        .ready(NOW - HOUR)
        .obj(),
      makePod('ready-n2b')
        .node('n2')
        .phase('Running')
        .ready(NOW - HOUR)
        .obj(),
      makePod('unscheduled').obj(),
      makePod('notready').node('n3').phase('Running').obj(),
    ];
    const names = (n: number) => podsToDelete(pods, pods, n, NOW).map((p) => p.metadata?.name);
    expect(names(1)).toEqual(['unscheduled']);
    expect(names(2)).toEqual(['unscheduled', 'notready']);
    expect(names(3).slice(2)[0]).toMatch(/^ready-n2/);
  });

  it('returns every pod when all go', () => {
    const pods = [makePod('a').obj(), makePod('b').obj()];
    expect(podsToDelete(pods, pods, 5, NOW)).toHaveLength(2);
  });
});
