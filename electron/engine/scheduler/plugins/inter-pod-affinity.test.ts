import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import {
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
  NAME,
} from './inter-pod-affinity';
import { inTreeRegistry } from './registry';

const HOST = 'kubernetes.io/hostname';
const sel = (k: string, ...values: string[]) => ({ matchExpressions: [{ key: k, operator: 'In', values }] });
const nodes = () => [
  makeNode('n1').label('zone', 'z1').obj(),
  makeNode('n2').label('zone', 'z1').obj(),
  makeNode('n3').label('zone', 'z2').obj(),
];

describe('InterPodAffinity filter', () => {
  const cases: {
    name: string;
    pod: Pod;
    existing: Pod[];
    want: Record<string, string>;
    nsLabels?: Record<string, Record<string, string>>;
  }[] = [
    {
      name: 'required affinity to a pod, zone topology',
      pod: makePod('p').podAffinity('zone', sel('app', 'db')).obj(),
      existing: [makePod('db').node('n1').label('app', 'db').obj()],
      want: { n1: '', n2: '', n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'required affinity, hostname topology',
      pod: makePod('p').podAffinity(HOST, sel('app', 'db')).obj(),
      existing: [makePod('db').node('n2').label('app', 'db').obj()],
      want: { n1: ERR_REASON_AFFINITY, n2: '', n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'affinity to pods of another namespace needs namespaces',
      pod: makePod('p').podAffinity('zone', sel('app', 'db')).obj(),
      existing: [makePod('db').namespace('data').node('n1').label('app', 'db').obj()],
      want: { n1: ERR_REASON_AFFINITY, n2: ERR_REASON_AFFINITY, n3: ERR_REASON_AFFINITY },
    },
    {
      name: 'affinity with namespaces listed',
      pod: makePod('p')
        .podAffinity('zone', sel('app', 'db'), { namespaces: ['data'] })
        .obj(),
      existing: [makePod('db').namespace('data').node('n3').label('app', 'db').obj()],
      want: { n1: ERR_REASON_AFFINITY, n2: ERR_REASON_AFFINITY, n3: '' },
    },
    {
      name: 'affinity with a namespaceSelector',
      pod: makePod('p')
        .podAffinity('zone', sel('app', 'db'), { namespaceSelector: { matchLabels: { team: 'data' } } })
        .obj(),
      existing: [makePod('db').namespace('data').node('n3').label('app', 'db').obj()],
      nsLabels: { data: { team: 'data' } },
      want: { n1: ERR_REASON_AFFINITY, n2: ERR_REASON_AFFINITY, n3: '' },
    },
    {
      name: 'first pod of a self-affine group may go anywhere',
      pod: makePod('p').label('app', 'web').podAffinity('zone', sel('app', 'web')).obj(),
      existing: [],
      want: { n1: '', n2: '', n3: '' },
    },
    {
      name: 'required anti-affinity, hostname',
      pod: makePod('p').label('app', 'web').podAntiAffinity(HOST, sel('app', 'web')).obj(),
      existing: [makePod('w1').node('n1').label('app', 'web').obj()],
      want: { n1: ERR_REASON_ANTI_AFFINITY, n2: '', n3: '' },
    },
    {
      name: 'required anti-affinity, zone',
      pod: makePod('p').label('app', 'web').podAntiAffinity('zone', sel('app', 'web')).obj(),
      existing: [makePod('w1').node('n1').label('app', 'web').obj()],
      want: { n1: ERR_REASON_ANTI_AFFINITY, n2: ERR_REASON_ANTI_AFFINITY, n3: '' },
    },
    {
      name: "existing pod's anti-affinity against the incoming pod",
      pod: makePod('p').label('app', 'noisy').obj(),
      existing: [makePod('q').node('n3').podAntiAffinity('zone', sel('app', 'noisy')).obj()],
      want: { n1: '', n2: '', n3: ERR_REASON_EXISTING_ANTI_AFFINITY },
    },
  ];
  it.each(cases)('$name', ({ pod, existing, want, nsLabels }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes(), existing, {
      namespaceLabels: (ns) => nsLabels?.[ns],
    });
    expect(r.filter(pod).statuses).toEqual(want);
  });
});

describe('InterPodAffinity score', () => {
  it.each([
    {
      // preferred affinity weight 5 to app=db in z1: n1/n2 +5, n3 0 → 100, 100, 0
      name: 'preferred affinity',
      pod: makePod('p').preferredPodAffinity(5, 'zone', sel('app', 'db')).obj(),
      existing: [makePod('db').node('n1').label('app', 'db').obj()],
      want: { n1: 100, n2: 100, n3: 0 },
    },
    {
      // anti-affinity −5 on n1's host: min −5 → 0, others 0 → 100
      name: 'preferred anti-affinity',
      pod: makePod('p').preferredPodAntiAffinity(5, HOST, sel('app', 'web')).obj(),
      existing: [makePod('w').node('n1').label('app', 'web').obj()],
      want: { n1: 0, n2: 100, n3: 100 },
    },
    {
      // affinity 10 for z1, anti-affinity 5 for n2's host: n1 10, n2 5, n3 0
      name: 'affinity and anti-affinity combined',
      pod: makePod('p')
        .preferredPodAffinity(10, 'zone', sel('app', 'db'))
        .preferredPodAntiAffinity(5, HOST, sel('app', 'db'))
        .obj(),
      existing: [makePod('db').node('n2').label('app', 'db').obj()],
      want: { n1: 100, n2: 50, n3: 0 },
    },
    {
      // existing pod's preferred affinity to app=web (weight 3) and required affinity (hard weight 1) count too
      name: "existing pods' terms matching the incoming pod",
      pod: makePod('p').label('app', 'web').obj(),
      existing: [
        makePod('c')
          .node('n3')
          .label('app', 'cache')
          .preferredPodAffinity(3, 'zone', sel('app', 'web'))
          .obj(),
        makePod('d').node('n1').label('app', 'db').podAffinity(HOST, sel('app', 'web')).obj(),
      ],
      want: { n1: 33, n2: 0, n3: 100 },
    },
  ])('$name', ({ pod, existing, want }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes(), existing);
    expect(r.score(pod)).toEqual(want);
  });
});
