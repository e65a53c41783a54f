import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { makeStatefulSet } from '../daemonset/testing';
import { completeRollingUpdate, type StatefulPodControl, updateStatefulSet } from './control';
import { identityMatches, newStatefulSetPod, newVersionedPod, storageMatches } from './identity';

const NOW = new Date('2025-01-01T00:10:00Z');
const CUR: ControllerRevision = {
  metadata: { name: 'web-cur' },
  revision: 1,
  data: { spec: { template: {} } } as ControllerRevision['data'],
};
const UPD: ControllerRevision = {
  metadata: { name: 'web-upd' },
  revision: 2,
  data: { spec: { template: {} } } as ControllerRevision['data'],
};

function set(opts: Parameters<typeof makeStatefulSet>[1] = {}): StatefulSet {
  const s = makeStatefulSet('web', opts);
  return { ...s, metadata: { name: 'web', namespace: 'ns', uid: 'u', generation: 2 } };
}

type State = 'ready' | 'notready' | 'pending' | 'terminating' | 'failed';

/** An existing pod of the set at `ordinal`, revision `rev`, in `state`. */
function pod(ordinal: number, rev = 'web-cur', state: State = 'ready'): Pod {
  const p = newStatefulSetPod(set(), ordinal);
  p.metadata = {
    ...p.metadata,
    uid: `uid-${ordinal}`,
    labels: { ...p.metadata?.labels, 'controller-revision-hash': rev },
    deletionTimestamp: state === 'terminating' ? '2025-01-01T00:00:00Z' : undefined,
  };
  const phase = state === 'pending' ? 'Pending' : state === 'failed' ? 'Failed' : 'Running';
  const ready = state === 'ready' || state === 'terminating' ? 'True' : 'False';
  return {
    ...p,
    status: {
      phase,
      conditions: [{ type: 'Ready', status: ready, lastTransitionTime: '2025-01-01T00:00:00Z' }],
    },
  };
}

function recorder(): { control: StatefulPodControl; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    control: {
      createPod: async (_s, p) =>
        void calls.push(`create ${p.metadata?.name}@${p.metadata?.labels?.['controller-revision-hash']}`),
      deletePod: async (_s, p) => void calls.push(`delete ${p.metadata?.name}`),
      updatePod: async (_s, p) => void calls.push(`update ${p.metadata?.name}`),
      event: () => undefined,
    },
  };
}

describe('updateStatefulSet', () => {
  it.each<[string, StatefulSet, Pod[], boolean, string[]]>([
    [
      'OrderedReady creates the lowest missing ordinal only',
      set({ replicas: 3 }),
      [],
      false,
      ['create web-0@web-cur'],
    ],
    [
      'OrderedReady waits for a pod that is not ready',
      set({ replicas: 3 }),
      [pod(0, 'web-cur', 'notready')],
      false,
      [],
    ],
    [
      'OrderedReady continues after a ready pod',
      set({ replicas: 3 }),
      [pod(0)],
      false,
      ['create web-1@web-cur'],
    ],
    [
      'OrderedReady waits for a terminating pod',
      set({ replicas: 3 }),
      [pod(0, 'web-cur', 'terminating')],
      false,
      [],
    ],
    [
      'Parallel creates every missing pod',
      set({ replicas: 3, podManagementPolicy: 'Parallel' }),
      [pod(1, 'web-cur', 'pending')],
      false,
      ['create web-0@web-cur', 'create web-2@web-cur'],
    ],
    [
      'failed pods are deleted and recreated',
      set({ replicas: 1 }),
      [pod(0, 'web-cur', 'failed')],
      false,
      ['delete web-0', 'create web-0@web-cur'],
    ],
    [
      'scale-down deletes the highest ordinal first, one at a time',
      set({ replicas: 1 }),
      [pod(0), pod(1), pod(2)],
      false,
      ['delete web-2'],
    ],
    [
      'Parallel scale-down deletes all condemned pods',
      set({ replicas: 1, podManagementPolicy: 'Parallel' }),
      [pod(0), pod(1), pod(2)],
      false,
      ['delete web-2', 'delete web-1'],
    ],
    [
      'rolling update starts at the highest ordinal',
      set({ replicas: 3 }),
      [pod(0), pod(1), pod(2)],
      true,
      ['delete web-2'],
    ],
    [
      'rolling update waits for the replaced pod to be healthy',
      set({ replicas: 3 }),
      [pod(0), pod(1), pod(2, 'web-upd', 'notready')],
      true,
      [],
    ],
    [
      'rolling update continues below an updated healthy pod',
      set({ replicas: 3 }),
      [pod(0), pod(1), pod(2, 'web-upd')],
      true,
      ['delete web-1'],
    ],
    [
      'the partition stops the rollout',
      set({ replicas: 3, partition: 2 }),
      [pod(0), pod(1), pod(2, 'web-upd')],
      true,
      [],
    ],
    [
      'OnDelete never deletes for an update',
      set({ replicas: 2, onDelete: true }),
      [pod(0), pod(1)],
      true,
      [],
    ],
    [
      'below the partition new pods get the current revision',
      set({ replicas: 2, partition: 2 }),
      [pod(0)],
      true,
      ['create web-1@web-cur'],
    ],
  ])('%s', async (_name, s, pods, updating, want) => {
    const { control, calls } = recorder();
    // Not updating: the update revision is the current one.
    const revs = { current: CUR, update: updating ? UPD : CUR, collisionCount: 0 };
    await updateStatefulSet(s, revs, pods, control, NOW);
    expect(calls).toEqual(want);
  });

  it('reports counts per revision and completes a finished rolling update', async () => {
    const { control } = recorder();
    const s = set({ replicas: 2 });
    const status = await updateStatefulSet(
      s,
      { current: CUR, update: UPD, collisionCount: 1 },
      [pod(0, 'web-upd'), pod(1, 'web-upd')],
      control,
      NOW,
    );
    expect(status).toMatchObject({
      observedGeneration: 2,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      currentReplicas: 0,
      updatedReplicas: 2,
      currentRevision: 'web-cur',
      updateRevision: 'web-upd',
      collisionCount: 1,
    });
    expect(completeRollingUpdate(s, status)).toMatchObject({
      currentRevision: 'web-upd',
      currentReplicas: 2,
    });
  });
});

describe('identity', () => {
  it('stamps name, labels, hostname, subdomain and claim volumes', () => {
    const s = set({ replicas: 3, claims: ['data'], serviceName: 'svc' });
    const p = newVersionedPod(s, s, 'web-cur', 'web-upd', 2);
    expect(p.metadata?.name).toBe('web-2');
    expect(p.metadata?.labels).toMatchObject({
      'statefulset.kubernetes.io/pod-name': 'web-2',
      'apps.kubernetes.io/pod-index': '2',
      'controller-revision-hash': 'web-upd',
    });
    expect(p.spec).toMatchObject({ hostname: 'web-2', subdomain: 'svc' });
    expect(p.spec?.volumes).toEqual([
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-2', readOnly: false } },
    ]);
    expect(identityMatches(s, p)).toBe(true);
    expect(storageMatches(s, p)).toBe(true);
    const renamed = { ...p, metadata: { ...p.metadata, labels: { app: 'web' } } };
    expect(identityMatches(s, renamed)).toBe(false);
  });
});
