import { describe, expect, it } from 'vitest';
import { inTreeRegistry, onlyRegistered, defaultProfile } from '../plugins/registry';
import { fitErrorMessage, FitError, newDiagnosis } from './fit-error';
import { newPodInfo } from './pod-info';
import { Framework } from './runtime';
import { numFeasibleNodesToFind, schedulePod, selectHost, type SearchState } from './schedule-one';
import { snapshotOf } from './snapshot';
import { Code, Status } from './status';
import { makeNode, makePod } from './testing';

describe('numFeasibleNodesToFind', () => {
  it.each([
    { nodes: 10, pct: undefined, want: 10 },
    { nodes: 99, pct: undefined, want: 99 },
    { nodes: 100, pct: undefined, want: 100 },
    { nodes: 1000, pct: undefined, want: 420 }, // 50 − 8 = 42 %
    { nodes: 5000, pct: undefined, want: 500 }, // 50 − 40 = 10 %
    { nodes: 6000, pct: undefined, want: 300 }, // 50 − 48 = 2 % → floor 5 %
    { nodes: 1000, pct: 100, want: 1000 },
    { nodes: 1000, pct: 5, want: 100 }, // 50 → at least 100
  ])('$nodes nodes, percentage $pct → $want', ({ nodes, pct, want }) => {
    expect(numFeasibleNodesToFind(pct, nodes)).toBe(want);
  });
});

describe('selectHost', () => {
  it('picks the highest score', () => {
    expect(
      selectHost([
        { name: 'a', totalScore: 1 },
        { name: 'b', totalScore: 7 },
        { name: 'c', totalScore: 3 },
      ]).host,
    ).toBe('b');
  });
  it('breaks ties by reservoir sampling: each tied node can win', () => {
    const scores = [
      { name: 'a', totalScore: 5 },
      { name: 'b', totalScore: 5 },
      { name: 'c', totalScore: 5 },
    ];
    // random() < 1/ties replaces the choice: always 0 picks the last tie, always 0.99 keeps the first
    expect(selectHost(scores, 1, () => 0).host).toBe('c');
    expect(selectHost(scores, 1, () => 0.99).host).toBe('a');
  });
});

describe('fit error message', () => {
  it('counts reasons per node and sorts them as kube-scheduler does', () => {
    const d = newDiagnosis();
    for (const n of ['n1', 'n2', 'n3'])
      d.nodeToStatus.map.set(n, new Status(Code.Unschedulable, ['Insufficient cpu']));
    for (const n of ['n4', 'n5'])
      d.nodeToStatus.map.set(
        n,
        new Status(Code.UnschedulableAndUnresolvable, ['node(s) had untolerated taint {key: value}']),
      );
    d.postFilterMsg = 'preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling';
    expect(fitErrorMessage(5, d)).toBe(
      '0/5 nodes are available: 2 node(s) had untolerated taint {key: value}, 3 Insufficient cpu. ' +
        'preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
    );
  });
  it('a PreFilter rejection is reported once, not per node', () => {
    const d = newDiagnosis();
    d.preFilterMsg = 'pod has unbound immediate PersistentVolumeClaims';
    d.nodeToStatus.map.set('n1', new Status(Code.UnschedulableAndUnresolvable, [d.preFilterMsg]));
    expect(fitErrorMessage(3, d)).toBe(
      '0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims.',
    );
  });
});

describe('schedulePod with the default plugins', () => {
  const profile = onlyRegistered(defaultProfile(), inTreeRegistry);
  const search = (): SearchState => ({ nextStartNodeIndex: 0, random: () => 0.5 });

  it('places the pod on the least loaded node that fits and tolerates', () => {
    const nodes = [
      makeNode('busy').capacity({ cpu: '4', memory: '8Gi' }).obj(),
      makeNode('idle').capacity({ cpu: '4', memory: '8Gi' }).obj(),
      makeNode('tainted').capacity({ cpu: '4', memory: '8Gi' }).taint('dedicated', 'gpu', 'NoSchedule').obj(),
    ];
    const fw = new Framework(profile, inTreeRegistry, {
      snapshot: snapshotOf(nodes, [makePod().node('busy').req({ cpu: '3', memory: '6Gi' }).obj()]),
    });
    const pod = newPodInfo(makePod().req({ cpu: '500m', memory: '1Gi' }).obj());
    const r = schedulePod(fw, fw.newCycleState(), pod, search());
    expect(r.suggestedHost).toBe('idle');
    expect(r.feasibleNodes).toBe(2);
  });

  it('explains why no node fits', () => {
    const nodes = [
      makeNode('n1').capacity({ cpu: '1', memory: '1Gi' }).obj(),
      makeNode('n2').capacity({ cpu: '1', memory: '1Gi' }).obj(),
      makeNode('n3').capacity({ cpu: '8', memory: '8Gi' }).taint('key', 'value', 'NoSchedule').obj(),
    ];
    const fw = new Framework(profile, inTreeRegistry, { snapshot: snapshotOf(nodes) });
    const pod = newPodInfo(makePod().req({ cpu: '2' }).obj());
    let err: unknown;
    try {
      schedulePod(fw, fw.newCycleState(), pod, search());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FitError);
    expect((err as FitError).message).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint {key: value}, 2 Insufficient cpu.',
    );
    expect([...(err as FitError).diagnosis.unschedulablePlugins].sort()).toEqual([
      'NodeResourcesFit',
      'TaintToleration',
    ]);
  });

  it('spreads replicas of a ReplicaSet over equal nodes', () => {
    const nodes = ['a', 'b', 'c', 'd'].map((n) => makeNode(n).capacity({ cpu: '8', memory: '16Gi' }).obj());
    const snapshot = snapshotOf(nodes);
    const fw = new Framework(profile, inTreeRegistry, { snapshot });
    const s = search();
    const placed: Record<string, number> = {};
    for (let i = 0; i < 8; i++) {
      const pod = newPodInfo(
        makePod(`web-${i}`).label('app', 'web').owner('ReplicaSet', 'web').req({ cpu: '100m' }).obj(),
      );
      const host = schedulePod(fw, fw.newCycleState(), pod, s).suggestedHost;
      placed[host] = (placed[host] ?? 0) + 1;
      snapshot.get(host)?.addPod(pod); // what the cache does when the pod is assumed
      snapshot.refresh();
    }
    expect(placed).toEqual({ a: 2, b: 2, c: 2, d: 2 });
  });

  it('tries the nominated node first', () => {
    const nodes = ['a', 'b'].map((n) => makeNode(n).capacity({ cpu: '8', memory: '16Gi' }).obj());
    const fw = new Framework(profile, inTreeRegistry, {
      snapshot: snapshotOf(nodes, [makePod().node('b').req({ cpu: '4' }).obj()]),
    });
    const pod = newPodInfo(makePod().nominated('b').req({ cpu: '1' }).obj());
    expect(schedulePod(fw, fw.newCycleState(), pod, search())).toMatchObject({
      suggestedHost: 'b',
      feasibleNodes: 1,
    });
  });
});
