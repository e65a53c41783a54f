import type { DeploymentStatus } from 'kubernetes-types/apps/v1';
import { describe, expect, it } from 'vitest';
import {
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  newCondition,
  setCondition,
} from './conditions';
import { makeDeployment } from './testing';

const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));

describe('setCondition', () => {
  it('is a no-op for the same status and reason (timestamps kept)', () => {
    const status: DeploymentStatus = {};
    setCondition(status, newCondition('Available', 'True', 'A', 'm', at(0)));
    setCondition(status, newCondition('Available', 'True', 'A', 'other message', at(50)));
    expect(status.conditions).toEqual([newCondition('Available', 'True', 'A', 'm', at(0))]);
  });

  it('keeps lastTransitionTime when only the reason changes', () => {
    const status: DeploymentStatus = {};
    setCondition(status, newCondition('Progressing', 'True', 'A', 'm', at(0)));
    setCondition(status, newCondition('Progressing', 'True', 'B', 'n', at(9)));
    expect(status.conditions?.[0]).toMatchObject({
      reason: 'B',
      lastUpdateTime: '2024-01-01T00:00:09Z',
      lastTransitionTime: '2024-01-01T00:00:00Z',
    });
  });
});

describe('deploymentComplete / deploymentProgressing', () => {
  const d = makeDeployment('web').replicas(3).obj();
  d.metadata = { ...d.metadata, generation: 2 };
  d.status = { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 };
  it.each([
    [
      'all updated and available',
      { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 2 },
      true,
      true,
    ],
    [
      'spec not observed yet',
      { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 },
      false,
      true,
    ],
    [
      'more updated',
      { replicas: 4, updatedReplicas: 2, readyReplicas: 3, availableReplicas: 3 },
      false,
      true,
    ],
    ['fewer old', { replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 }, false, true],
    [
      'nothing moved',
      { replicas: 4, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 },
      false,
      false,
    ],
  ])('%s', (_what, s: DeploymentStatus, complete, progressing) => {
    expect(deploymentComplete(d, s)).toBe(complete);
    expect(deploymentProgressing(d, s)).toBe(progressing);
  });
});

describe('deploymentTimedOut', () => {
  const d = makeDeployment('web').progressDeadlineSeconds(60).obj();
  const progressing = (reason: string, s: number): DeploymentStatus => ({
    conditions: [newCondition('Progressing', 'True', reason, '', at(s))],
  });
  it.each([
    ['within the deadline', progressing('ReplicaSetUpdated', 0), at(60), false],
    ['past the deadline', progressing('ReplicaSetUpdated', 0), at(61), true],
    ['a completed rollout never times out', progressing('NewReplicaSetAvailable', 0), at(999), false],
    ['already timed out', progressing('ProgressDeadlineExceeded', 0), at(1), true],
    ['no Progressing condition', {}, at(999), false],
  ])('%s', (_what, status, now, want) => {
    expect(deploymentTimedOut(d, status, now)).toBe(want);
  });

  it('never times out without a deadline (MaxInt32)', () => {
    const never = makeDeployment('web').progressDeadlineSeconds(2147483647).obj();
    expect(deploymentTimedOut(never, progressing('ReplicaSetUpdated', 0), at(9999))).toBe(false);
  });
});
