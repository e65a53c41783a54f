import { describe, expect, it } from 'vitest';
import { REPLICA_FAILURE, type StatusInput, calculateStatus, sameStatus } from './status';
import { makePod } from './testing';

const NOW = new Date('2025-01-01T00:00:00Z');
const labels = { app: 'web', tier: 'front' };

const input = (over: Partial<StatusInput>): StatusInput => ({
  current: undefined,
  generation: 3,
  templateLabels: labels,
  minReadySeconds: 0,
  desired: 3,
  pods: [],
  manageError: null,
  now: NOW,
  ...over,
});

describe('calculateStatus', () => {
  it('counts replicas, fully labeled, ready and available pods', () => {
    const pods = [
      makePod('a')
        .labels(labels)
        .ready(NOW.getTime() - 60_000)
        .obj(),
      makePod('b')
        .labels(labels)
        .ready(NOW.getTime() - 5_000)
        .obj(),
      makePod('c').labels({ app: 'web' }).obj(),
    ];
    expect(calculateStatus(input({ pods, minReadySeconds: 10 }))).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 3,
    });
  });

  it.each([
    ['FailedCreate when short of pods', 1, 'FailedCreate'],
    ['FailedDelete when over', 5, 'FailedDelete'],
  ])('sets ReplicaFailure %s', (_name, podCount, reason) => {
    const pods = Array.from({ length: podCount }, (_, i) => makePod(`p${i}`).labels(labels).obj());
    const status = calculateStatus(
      input({ pods, manageError: new Error('pods "web-" is forbidden: quota') }),
    );
    expect(status.conditions).toEqual([
      {
        type: REPLICA_FAILURE,
        status: 'True',
        reason,
        message: 'pods "web-" is forbidden: quota',
        lastTransitionTime: '2025-01-01T00:00:00Z',
      },
    ]);
  });

  it('keeps an existing ReplicaFailure while failing, and removes it after a success', () => {
    const failing = {
      replicas: 0,
      conditions: [{ type: REPLICA_FAILURE, status: 'True', reason: 'FailedCreate', message: 'first' }],
    };
    const still = calculateStatus(input({ current: failing, manageError: new Error('second') }));
    expect(still.conditions).toEqual(failing.conditions);
    const fixed = calculateStatus(input({ current: failing }));
    expect(fixed.conditions).toBeUndefined();
  });
});

describe('sameStatus', () => {
  it('treats absent counts as zero but notices a generation change', () => {
    const s = calculateStatus(input({}));
    expect(sameStatus({ replicas: 0, observedGeneration: 3 }, s)).toBe(true);
    expect(sameStatus({ replicas: 0, observedGeneration: 2 }, s)).toBe(false);
    expect(sameStatus(undefined, s)).toBe(false);
  });
});
