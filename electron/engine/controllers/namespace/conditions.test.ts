import { describe, expect, it } from 'vitest';
import { CONDITION_TYPES, type DeletionReport, updateConditions } from './conditions';
import { deletionOrder, podsEstimate } from './deleter';

const T0 = new Date('2025-01-01T00:00:00Z');
const T1 = new Date('2025-01-01T00:01:00Z');

const report = (over: Partial<DeletionReport> = {}): DeletionReport => ({
  discoveryFailures: new Map(),
  deleteErrors: [],
  remaining: new Map(),
  finalizers: new Map(),
  ...over,
});

describe('updateConditions', () => {
  it('adds all five conditions in their ok form on a clean attempt', () => {
    const conds = updateConditions([], report(), T0);
    expect(conds?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted'],
      ['NamespaceContentRemaining', 'False', 'ContentRemoved'],
      ['NamespaceFinalizersRemaining', 'False', 'ContentHasNoFinalizers'],
    ]);
  });

  it.each([
    [
      'remaining content',
      report({
        remaining: new Map([
          ['pods.', 5],
          ['deployments.apps', 1],
        ]),
      }),
      'NamespaceContentRemaining',
      'SomeResourcesRemain',
      'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 5 resource instances',
    ],
    [
      'finalizers',
      report({ finalizers: new Map([['example.com/hold', 2]]) }),
      'NamespaceFinalizersRemaining',
      'SomeFinalizersRemain',
      'Some content in the namespace has finalizers remaining: example.com/hold in 2 resource instances',
    ],
    [
      'deletion errors',
      report({ deleteErrors: ['b failed', 'a failed'] }),
      'NamespaceDeletionContentFailure',
      'ContentDeletionFailed',
      'Failed to delete all resource types, 2 remaining: a failed, b failed',
    ],
  ])('reports %s', (_what, r, type, reason, message) => {
    const cond = updateConditions([], r, T0)?.find((c) => c.type === type);
    expect(cond).toEqual({
      type,
      status: 'True',
      reason,
      message,
      lastTransitionTime: '2025-01-01T00:00:00Z',
    });
  });

  it('keeps lastTransitionTime unless the status flips, and reports no change when nothing changed', () => {
    const first = updateConditions([], report({ remaining: new Map([['pods.', 5]]) }), T0) ?? [];
    const fewer = updateConditions(first, report({ remaining: new Map([['pods.', 2]]) }), T1) ?? [];
    const remaining = fewer.find((c) => c.type === 'NamespaceContentRemaining');
    expect(remaining?.message).toContain('pods. has 2 resource instances');
    expect(remaining?.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    expect(updateConditions(fewer, report({ remaining: new Map([['pods.', 2]]) }), T1)).toBeNull();
    const cleared = updateConditions(fewer, report(), T1) ?? [];
    expect(cleared.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({
      status: 'False',
      lastTransitionTime: '2025-01-01T00:01:00Z',
    });
    expect(cleared).toHaveLength(CONDITION_TYPES.length);
  });

  it('keeps conditions of other types', () => {
    const other = { type: 'Custom', status: 'True', reason: 'X', message: 'y' };
    expect(updateConditions([other], report(), T0)?.[0]).toEqual(other);
  });
});

describe('deleter helpers', () => {
  const res = (group: string, plural: string, namespaced = true, verbs = ['delete', 'list']) => ({
    group,
    version: 'v1',
    plural,
    kind: plural,
    namespaced,
    verbs,
  });

  it('deletes pods first and skips cluster-scoped or undeletable resources', () => {
    const order = deletionOrder([
      res('', 'configmaps'),
      res('', 'nodes', false),
      res('apps', 'deployments'),
      res('', 'bindings', true, ['create']),
      res('', 'pods'),
    ]);
    expect(order.map((r) => r.plural)).toEqual(['pods', 'configmaps', 'deployments']);
  });

  it('estimates the longest grace period of pods that have not finished', () => {
    expect(
      podsEstimate([
        { spec: { terminationGracePeriodSeconds: 30 } },
        { spec: { terminationGracePeriodSeconds: 90 }, status: { phase: 'Succeeded' } },
        { spec: { terminationGracePeriodSeconds: 45 }, status: { phase: 'Running' } },
      ]),
    ).toBe(45);
    expect(podsEstimate([])).toBe(0);
  });
});
