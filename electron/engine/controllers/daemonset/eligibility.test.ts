import type { DaemonSet } from 'kubernetes-types/apps/v1';
import type { Node, NodeSelectorTerm, Pod, Taint } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import {
  daemonPodTemplate,
  isPodUpdated,
  nodeMatchesTerms,
  nodeShouldRunDaemonPod,
  pinToNode,
  targetNodeName,
  withDaemonTolerations,
} from './eligibility';
import { toleratesTaint } from '../../../kube/tolerations';
import { makeDaemonSet, makeNode } from './testing';

const term = (t: NodeSelectorTerm) => [t];
const node = (labels: Record<string, string> = {}, taints?: Taint[]): Node =>
  makeNode('n1', { labels, taints });

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  it.each([
    ['Equal, same value', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    ['default operator is Equal', { key: 'k', value: 'v' }, true],
    ['Equal, other value', { key: 'k', operator: 'Equal', value: 'x' }, false],
    ['Exists on the key', { key: 'k', operator: 'Exists' }, true],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, true],
    ['other effect', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    ['other key', { key: 'j', operator: 'Exists' }, false],
  ])('%s', (_name, toleration, want) => {
    expect(toleratesTaint(toleration, taint)).toBe(want);
  });
});

describe('nodeMatchesTerms', () => {
  const n = makeNode('n7', { labels: { zone: 'a', cores: '8' } });
  it.each<[string, NodeSelectorTerm[], boolean]>([
    ['In', term({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }), true],
    [
      'NotIn on a missing label',
      term({ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['x'] }] }),
      true,
    ],
    ['Exists', term({ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }), true],
    ['DoesNotExist', term({ matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }), false],
    ['Gt', term({ matchExpressions: [{ key: 'cores', operator: 'Gt', values: ['4'] }] }), true],
    ['Lt', term({ matchExpressions: [{ key: 'cores', operator: 'Lt', values: ['4'] }] }), false],
    [
      'matchFields metadata.name',
      term({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }),
      true,
    ],
    [
      'terms are ORed',
      [
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
        { matchExpressions: [{ key: 'zone', operator: 'Exists' }] },
      ],
      true,
    ],
    [
      'requirements are ANDed',
      term({
        matchExpressions: [
          { key: 'zone', operator: 'Exists' },
          { key: 'gpu', operator: 'Exists' },
        ],
      }),
      false,
    ],
    ['an empty term matches nothing', [{}], false],
  ])('%s', (_name, terms, want) => {
    expect(nodeMatchesTerms(n, terms)).toBe(want);
  });
});

describe('nodeShouldRunDaemonPod', () => {
  it.each<[string, Node, DaemonSet, boolean, boolean]>([
    ['plain node', node(), makeDaemonSet('d'), true, true],
    [
      'nodeSelector matches',
      node({ role: 'x' }),
      makeDaemonSet('d', { nodeSelector: { role: 'x' } }),
      true,
      true,
    ],
    [
      'nodeSelector does not match',
      node(),
      makeDaemonSet('d', { nodeSelector: { role: 'x' } }),
      false,
      false,
    ],
    [
      'untolerated NoSchedule: keep running pods only',
      node({}, [{ key: 'a', effect: 'NoSchedule' }]),
      makeDaemonSet('d'),
      false,
      true,
    ],
    [
      'untolerated NoExecute: evict',
      node({}, [{ key: 'a', effect: 'NoExecute' }]),
      makeDaemonSet('d'),
      false,
      false,
    ],
    [
      'PreferNoSchedule is ignored',
      node({}, [{ key: 'a', effect: 'PreferNoSchedule' }]),
      makeDaemonSet('d'),
      true,
      true,
    ],
    [
      'daemon tolerations cover cordoned and unreachable nodes',
      node({}, [
        { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' },
        { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
      ]),
      makeDaemonSet('d'),
      true,
      true,
    ],
    [
      'network-unavailable only for host-network daemons',
      node({}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]),
      makeDaemonSet('d'),
      false,
      true,
    ],
  ])('%s', (_name, n, ds, shouldRun, shouldContinueRunning) => {
    expect(nodeShouldRunDaemonPod(n, ds)).toEqual({ shouldRun, shouldContinueRunning });
  });

  it('honours a required node affinity term', () => {
    const ds = makeDaemonSet('d');
    (ds.spec?.template.spec ?? { containers: [] }).affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
        },
      },
    };
    expect(nodeShouldRunDaemonPod(node({ zone: 'a' }), ds).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node({ zone: 'b' }), ds).shouldRun).toBe(false);
  });
});

describe('daemon pod template', () => {
  it('adds the daemon tolerations once, replacing equal ones', () => {
    const spec = {
      containers: [],
      tolerations: [
        {
          key: 'node.kubernetes.io/not-ready',
          operator: 'Exists',
          effect: 'NoExecute',
          tolerationSeconds: 5,
        },
      ],
    };
    const out = withDaemonTolerations(spec);
    expect(out.filter((t) => t.key === 'node.kubernetes.io/not-ready')).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    ]);
    expect(out).toHaveLength(6);
  });

  it('pins to the node, keeping preferred terms, and labels with the hash', () => {
    const affinity = pinToNode(
      {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }],
          },
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, preference: { matchExpressions: [{ key: 'b', operator: 'Exists' }] } },
          ],
        },
      },
      'n9',
    );
    expect(affinity.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n9'] }] },
    ]);
    expect(affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    const pod: Pod = { spec: { containers: [], affinity } };
    expect(targetNodeName(pod)).toBe('n9');
    const template = daemonPodTemplate(makeDaemonSet('d'), 'abc');
    expect(template.metadata?.labels).toEqual({ app: 'd', 'controller-revision-hash': 'abc' });
    expect(isPodUpdated({ metadata: { labels: template.metadata?.labels } }, 'abc', undefined)).toBe(true);
    expect(isPodUpdated({ metadata: { labels: template.metadata?.labels } }, 'xyz', undefined)).toBe(false);
  });
});
