import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1';
import { newPodInfo } from '../framework/pod-info';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
  NAME,
} from './pod-topology-spread';
import { inTreeRegistry } from './registry';

const foo = { matchExpressions: [{ key: 'foo', operator: 'Exists' }] };
const zoned = (name: string, zone: string) => makeNode(name).label('zone', zone).obj();
const fooPod = (name: string, node: string) => makePod(name).node(node).label('foo', '').obj();
const fourNodes = () => [
  zoned('node-a', 'zone1'),
  zoned('node-b', 'zone1'),
  zoned('node-x', 'zone2'),
  zoned('node-y', 'zone2'),
];

describe('PodTopologySpread filter', () => {
  const cases: { name: string; pod: Pod; existing: Pod[]; want: Record<string, string> }[] = [
    {
      // zone1 has 3 matching pods, zone2 1: only zone2 keeps skew ≤ 1
      name: 'one zone constraint',
      pod: makePod('p').label('foo', '').spreadConstraint(1, 'zone', 'DoNotSchedule', foo).obj(),
      existing: [
        fooPod('a1', 'node-a'),
        fooPod('a2', 'node-a'),
        fooPod('b1', 'node-b'),
        fooPod('y1', 'node-y'),
      ],
      want: {
        'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-b': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-x': '',
        'node-y': '',
      },
    },
    {
      name: 'hostname constraint, maxSkew 1',
      pod: makePod('p')
        .label('foo', '')
        .spreadConstraint(1, 'kubernetes.io/hostname', 'DoNotSchedule', foo)
        .obj(),
      existing: [fooPod('a1', 'node-a'), fooPod('b1', 'node-b'), fooPod('x1', 'node-x')],
      want: {
        'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-b': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-x': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-y': '',
      },
    },
    {
      name: 'pod not matching its own selector does not add itself',
      pod: makePod('p').spreadConstraint(1, 'zone', 'DoNotSchedule', foo).obj(),
      existing: [fooPod('a1', 'node-a'), fooPod('a2', 'node-a')],
      want: {
        'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-b': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-x': '',
        'node-y': '',
      },
    },
    {
      // minDomains 3 with 2 zones: the global minimum counts as 0, so any zone with a pod fails
      name: 'minDomains above the number of domains',
      pod: makePod('p')
        .label('foo', '')
        .spreadConstraint(1, 'zone', 'DoNotSchedule', foo, { minDomains: 3 })
        .obj(),
      existing: [fooPod('a1', 'node-a'), fooPod('x1', 'node-x')],
      want: {
        'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-b': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-x': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-y': ERR_REASON_CONSTRAINTS_NOT_MATCH,
      },
    },
    {
      name: 'pods of other namespaces and terminating pods do not count',
      pod: makePod('p').label('foo', '').spreadConstraint(1, 'zone', 'DoNotSchedule', foo).obj(),
      existing: [
        makePod('a1').namespace('other').node('node-a').label('foo', '').obj(),
        makePod('a2').node('node-a').label('foo', '').terminating().obj(),
        fooPod('x1', 'node-x'),
      ],
      want: {
        'node-a': '',
        'node-b': '',
        'node-x': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-y': ERR_REASON_CONSTRAINTS_NOT_MATCH,
      },
    },
    {
      // nodeAffinityPolicy Honor (default): zone2 is outside the pod's nodeSelector, so it is not
      // a domain and its empty count does not pull the minimum to 0: zone1 (2 + 1 − 2) fits.
      // (zone2's nodes pass this filter; NodeAffinity rejects them.)
      name: 'nodes outside the pod node affinity are not domains',
      pod: makePod('p')
        .label('foo', '')
        .nodeSelector({ zone: 'zone1' })
        .spreadConstraint(1, 'zone', 'DoNotSchedule', foo)
        .obj(),
      existing: [fooPod('a1', 'node-a'), fooPod('a2', 'node-a')],
      want: { 'node-a': '', 'node-b': '', 'node-x': '', 'node-y': '' },
    },
    {
      name: 'nodeAffinityPolicy Ignore: every node is a domain',
      pod: makePod('p')
        .label('foo', '')
        .nodeSelector({ zone: 'zone1' })
        .spreadConstraint(1, 'zone', 'DoNotSchedule', foo, { nodeAffinityPolicy: 'Ignore' })
        .obj(),
      existing: [fooPod('a1', 'node-a'), fooPod('a2', 'node-a')],
      want: {
        'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-b': ERR_REASON_CONSTRAINTS_NOT_MATCH,
        'node-x': '',
        'node-y': '',
      },
    },
  ];
  it.each(cases)('$name', ({ pod, existing, want }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], fourNodes(), existing);
    expect(r.filter(pod).statuses).toEqual(want);
  });

  it('a node without the topology key is unresolvable', () => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      [zoned('node-a', 'zone1'), makeNode('node-b').obj()],
    );
    const res = r.filter(
      makePod('p').label('foo', '').spreadConstraint(1, 'zone', 'DoNotSchedule', foo).obj(),
    );
    expect(res.statuses['node-b']).toBe(ERR_REASON_NODE_LABEL_NOT_MATCH);
  });

  it('a pod without hard constraints skips the filter', () => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], fourNodes());
    const state = r.fw.newCycleState();
    r.fw.runPreFilterPlugins(state, newPodInfo(makePod().obj()));
    expect(state.skipFilterPlugins.has(NAME)).toBe(true);
  });
});

describe('PodTopologySpread score', () => {
  // Raw score per node = Σ matching pods in its domain × ln(domains + 2) + maxSkew − 1, rounded;
  // normalised as 100 × (max + min − score) / max.
  const cases: {
    name: string;
    pod: Pod;
    nodes: ReturnType<typeof zoned>[];
    existing: Pod[];
    want: Record<string, number>;
  }[] = [
    {
      name: 'all nodes have the same number of matching pods',
      pod: makePod('p')
        .label('foo', '')
        .spreadConstraint(1, 'kubernetes.io/hostname', 'ScheduleAnyway', foo)
        .obj(),
      nodes: [makeNode('node-a').obj(), makeNode('node-b').obj()],
      existing: [fooPod('a1', 'node-a'), fooPod('b1', 'node-b')],
      want: { 'node-a': 100, 'node-b': 100 },
    },
    {
      // counts 2/1/0/3 over 4 hosts, weight ln 6: raw 4/2/0/5 → 100·(5−s)/5
      name: 'hostname, 4 candidates',
      pod: makePod('p')
        .label('foo', '')
        .spreadConstraint(1, 'kubernetes.io/hostname', 'ScheduleAnyway', foo)
        .obj(),
      nodes: [
        makeNode('node-a').obj(),
        makeNode('node-b').obj(),
        makeNode('node-c').obj(),
        makeNode('node-d').obj(),
      ],
      existing: [
        fooPod('a1', 'node-a'),
        fooPod('a2', 'node-a'),
        fooPod('b1', 'node-b'),
        fooPod('d1', 'node-d'),
        fooPod('d2', 'node-d'),
        fooPod('d3', 'node-d'),
      ],
      want: { 'node-a': 20, 'node-b': 60, 'node-c': 100, 'node-d': 0 },
    },
    {
      name: 'terminating pods are excluded',
      pod: makePod('p')
        .label('foo', '')
        .spreadConstraint(1, 'kubernetes.io/hostname', 'ScheduleAnyway', foo)
        .obj(),
      nodes: [makeNode('node-a').obj(), makeNode('node-b').obj()],
      existing: [makePod('pa').node('node-a').label('foo', '').terminating().obj(), fooPod('pb', 'node-b')],
      want: { 'node-a': 100, 'node-b': 0 },
    },
    {
      // zone1 has 3, zone2 1; weight ln 4: raw 4 and 1 → 100·(5−s)/4
      name: 'zone constraint',
      pod: makePod('p').label('foo', '').spreadConstraint(1, 'zone', 'ScheduleAnyway', foo).obj(),
      nodes: fourNodes(),
      existing: [
        fooPod('a1', 'node-a'),
        fooPod('a2', 'node-a'),
        fooPod('b1', 'node-b'),
        fooPod('y1', 'node-y'),
      ],
      want: { 'node-a': 25, 'node-b': 25, 'node-x': 100, 'node-y': 100 },
    },
    {
      // system defaults for a ReplicaSet's pods: hostname maxSkew 3 (weight ln 4) and zone maxSkew 5
      // (nodes without a zone are not ignored with system defaults; that constraint adds nothing):
      // raw 2·ln4 + 2 → 5 and 0 + 2 → 2, normalised 100·(7 − s)/5
      name: 'system default constraints for owned pods',
      pod: makePod('p').label('app', 'web').owner('ReplicaSet', 'web-1').obj(),
      nodes: [makeNode('node-a').obj(), makeNode('node-b').obj()],
      existing: [
        makePod('w1').node('node-a').label('app', 'web').obj(),
        makePod('w2').node('node-a').label('app', 'web').obj(),
      ],
      want: { 'node-a': 40, 'node-b': 100 },
    },
    {
      name: 'no constraints and no owner: skipped',
      pod: makePod('p').label('app', 'web').obj(),
      nodes: [makeNode('node-a').obj(), makeNode('node-b').obj()],
      existing: [makePod('w1').node('node-a').label('app', 'web').obj()],
      want: { 'node-a': 0, 'node-b': 0 },
    },
  ];
  it.each(cases)('$name', ({ pod, nodes, existing, want }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes, existing);
    expect(r.score(pod)).toEqual(want);
  });
});

describe('PodTopologySpread counts kept across cycles', () => {
  it('sees pods added and nodes relabelled since the previous cycle', () => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], fourNodes(), [fooPod('a1', 'node-a')]);
    const pod = () => makePod('p').label('foo', '').spreadConstraint(1, 'zone', 'DoNotSchedule', foo).obj();
    // zone1 1, zone2 0: only zone2 fits
    expect(r.filter(pod()).statuses).toMatchObject({
      'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
      'node-x': '',
    });
    // a pod lands in zone2: both zones at 1, every node fits
    r.snapshot.get('node-y')?.addPod(newPodInfo(fooPod('y1', 'node-y')));
    expect(r.filter(pod()).statuses).toEqual({ 'node-a': '', 'node-b': '', 'node-x': '', 'node-y': '' });
    // node-y moves to a new zone3 (with its pod): zone2 (node-x) now has 0, zone1 and zone3 have 1
    r.snapshot.get('node-y')?.setNode(makeNode('node-y').label('zone', 'zone3').obj());
    expect(r.filter(pod()).statuses).toEqual({
      'node-a': ERR_REASON_CONSTRAINTS_NOT_MATCH,
      'node-b': ERR_REASON_CONSTRAINTS_NOT_MATCH,
      'node-x': '',
      'node-y': ERR_REASON_CONSTRAINTS_NOT_MATCH,
    });
    // node-x leaves zone2 for zone1: zone2 is no domain any more, the minimum is 1 again
    r.snapshot.get('node-x')?.setNode(makeNode('node-x').label('zone', 'zone1').obj());
    expect(r.filter(pod()).statuses).toEqual({ 'node-a': '', 'node-b': '', 'node-x': '', 'node-y': '' });
  });
});
