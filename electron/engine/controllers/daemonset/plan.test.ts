import type { DaemonSet } from 'kubernetes-types/apps/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { computeStatus, planManage, planRollingUpdate, scaledValue } from './plan';
import { makeDaemonSet, makeNode } from './testing';

const NOW = new Date('2025-01-01T00:10:00Z');

/** A daemon pod on `node` at revision `hash`; `ready` false makes it unavailable. */
function pod(
  name: string,
  node: string,
  hash: string,
  opts: { ready?: boolean; created?: string; phase?: string } = {},
): Pod {
  const ready = opts.ready ?? true;
  return {
    metadata: {
      name,
      creationTimestamp: opts.created ?? '2025-01-01T00:00:00Z',
      labels: { app: 'd', 'controller-revision-hash': hash },
    },
    spec: { containers: [], nodeName: node },
    status: {
      phase: opts.phase ?? 'Running',
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2025-01-01T00:00:00Z' },
      ],
    },
  };
}

const nodes = (...names: string[]): Node[] => names.map((n) => makeNode(n));
const byNode = (...pods: Pod[]) => {
  const m = new Map<string, Pod[]>();
  for (const p of pods) m.set(p.spec?.nodeName ?? '', [...(m.get(p.spec?.nodeName ?? '') ?? []), p]);
  return m;
};
const rolling = (maxUnavailable: number | string, maxSurge: number | string = 0): DaemonSet =>
  makeDaemonSet('d', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } } });

describe('scaledValue', () => {
  it.each<[number | string | undefined, number, number]>([
    [2, 10, 2],
    ['10%', 10, 1],
    ['25%', 10, 3],
    ['0%', 10, 0],
    [undefined, 10, 0],
  ])('%s of %d is %d', (v, total, want) => expect(scaledValue(v, total)).toBe(want));
});

describe('planManage', () => {
  it('creates on empty nodes, prunes extra pods (keeping the oldest), collects finished pods', () => {
    const plan = planManage(
      makeDaemonSet('d'),
      nodes('a', 'b', 'c'),
      byNode(
        pod('b-new', 'b', 'h', { created: '2025-01-01T00:05:00Z' }),
        pod('b-old', 'b', 'h', { created: '2025-01-01T00:01:00Z' }),
        pod('c-failed', 'c', 'h', { phase: 'Failed' }),
      ),
      'h',
    );
    expect(plan.nodesNeedingPods).toEqual(['a']);
    expect(plan.podsToDelete).toEqual(['b-new']);
    expect(plan.finishedPods.map((f) => f.pod.metadata?.name)).toEqual(['c-failed']);
  });

  it('deletes pods on nodes that should not run them', () => {
    const n = makeNode('x', { taints: [{ key: 'k', effect: 'NoExecute' }] });
    const plan = planManage(makeDaemonSet('d'), [n], byNode(pod('p', 'x', 'h')), 'h');
    expect(plan.podsToDelete).toEqual(['p']);
  });

  it('with surge keeps one old and one new pod per node', () => {
    const plan = planManage(
      rolling(0, 1),
      nodes('a'),
      byNode(
        pod('old1', 'a', 'old', { created: '2025-01-01T00:01:00Z' }),
        pod('new1', 'a', 'new', { created: '2025-01-01T00:02:00Z' }),
        pod('new2', 'a', 'new', { created: '2025-01-01T00:03:00Z' }),
      ),
      'new',
    );
    expect(plan.podsToDelete).toEqual(['new2']);
  });
});

describe('planRollingUpdate', () => {
  it.each<[string, DaemonSet, Pod[], string[], string[]]>([
    [
      'maxUnavailable 1: one old pod at a time',
      rolling(1),
      [pod('a1', 'a', 'old'), pod('b1', 'b', 'old'), pod('c1', 'c', 'old')],
      ['a1'],
      [],
    ],
    [
      'maxUnavailable 2',
      rolling(2),
      [pod('a1', 'a', 'old'), pod('b1', 'b', 'old'), pod('c1', 'c', 'old')],
      ['a1', 'b1'],
      [],
    ],
    [
      'an unavailable new pod uses the budget',
      rolling(1),
      [pod('a1', 'a', 'new', { ready: false }), pod('b1', 'b', 'old'), pod('c1', 'c', 'old')],
      [],
      [],
    ],
    [
      'unavailable old pods are replaced regardless of the budget',
      rolling(1),
      [
        pod('a1', 'a', 'new', { ready: false }),
        pod('b1', 'b', 'old', { ready: false }),
        pod('c1', 'c', 'old'),
      ],
      ['b1'],
      [],
    ],
    [
      'both zero means maxUnavailable 1',
      rolling(0, 0),
      [pod('a1', 'a', 'old'), pod('b1', 'b', 'old'), pod('c1', 'c', 'old')],
      ['a1'],
      [],
    ],
    [
      'maxSurge 1: surge onto one node',
      rolling(0, 1),
      [pod('a1', 'a', 'old'), pod('b1', 'b', 'old'), pod('c1', 'c', 'old')],
      [],
      ['a'],
    ],
    [
      'maxSurge: an available new pod retires the old one; an unavailable one holds the budget',
      rolling(0, 1),
      [
        pod('a1', 'a', 'old'),
        pod('a2', 'a', 'new'),
        pod('b1', 'b', 'old'),
        pod('b2', 'b', 'new', { ready: false }),
        pod('c1', 'c', 'old'),
      ],
      ['a1'],
      [],
    ],
    [
      'maxSurge: unavailable old pods get a new pod at once',
      rolling(0, 1),
      [pod('a1', 'a', 'old', { ready: false }), pod('b1', 'b', 'old'), pod('c1', 'c', 'old')],
      [],
      ['a', 'b'],
    ],
  ])('%s', (_name, ds, pods, wantDelete, wantCreate) => {
    const plan = planRollingUpdate(ds, nodes('a', 'b', 'c'), byNode(...pods), 'new', NOW);
    expect(plan.oldPodsToDelete).toEqual(wantDelete);
    expect(plan.newNodesToCreate).toEqual(wantCreate);
  });
});

describe('computeStatus', () => {
  it('counts desired, current, misscheduled, ready, available and updated nodes', () => {
    const ds = {
      ...makeDaemonSet('d'),
      metadata: { name: 'd', generation: 4 },
      spec: { ...makeDaemonSet('d').spec, minReadySeconds: 60 },
    } as DaemonSet;
    const tainted = makeNode('t', { taints: [{ key: 'k', effect: 'NoSchedule' }] });
    const recent = pod('b1', 'b', 'old');
    (recent.status?.conditions?.[0] ?? { lastTransitionTime: '' }).lastTransitionTime =
      '2025-01-01T00:09:30Z';
    const status = computeStatus(
      ds,
      [...nodes('a', 'b', 'c'), tainted],
      byNode(pod('a1', 'a', 'new'), recent, pod('t1', 't', 'new')),
      'new',
      NOW,
    );
    expect(status).toMatchObject({
      observedGeneration: 4,
      desiredNumberScheduled: 3,
      currentNumberScheduled: 2,
      numberMisscheduled: 1,
      numberReady: 2,
      numberAvailable: 1,
      numberUnavailable: 2,
      updatedNumberScheduled: 1,
    });
  });
});
