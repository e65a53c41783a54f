import { describe, expect, it } from 'vitest';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import { inTreeRegistry } from './registry';
import { ERR_REASON_CONFLICT, ERR_REASON_ENFORCED, ERR_REASON_POD, NAME } from './node-affinity';

const nodes = () => [
  makeNode('n1').labels({ zone: 'a', gpu: 'true', cores: '8' }).obj(),
  makeNode('n2').labels({ zone: 'b', cores: '4' }).obj(),
  makeNode('n3').labels({ zone: 'c' }).obj(),
];

describe('NodeAffinity filter', () => {
  const cases = [
    { name: 'nodeSelector', pod: makePod().nodeSelector({ zone: 'b' }), fit: ['n2'] },
    { name: 'In', pod: makePod().nodeAffinityIn('zone', ['a', 'c']), fit: ['n1', 'n3'] },
    {
      name: 'NotIn matches nodes without the label',
      pod: makePod().nodeAffinityTerm([{ key: 'gpu', operator: 'NotIn', values: ['true'] }]),
      fit: ['n2', 'n3'],
    },
    { name: 'Exists', pod: makePod().nodeAffinityTerm([{ key: 'gpu', operator: 'Exists' }]), fit: ['n1'] },
    {
      name: 'DoesNotExist',
      pod: makePod().nodeAffinityTerm([{ key: 'cores', operator: 'DoesNotExist' }]),
      fit: ['n3'],
    },
    {
      name: 'Gt',
      pod: makePod().nodeAffinityTerm([{ key: 'cores', operator: 'Gt', values: ['5'] }]),
      fit: ['n1'],
    },
    {
      name: 'Lt',
      pod: makePod().nodeAffinityTerm([{ key: 'cores', operator: 'Lt', values: ['5'] }]),
      fit: ['n2'],
    },
    {
      name: 'expressions in one term are ANDed',
      pod: makePod().nodeAffinityTerm([
        { key: 'zone', operator: 'In', values: ['a', 'b'] },
        { key: 'gpu', operator: 'Exists' },
      ]),
      fit: ['n1'],
    },
    {
      name: 'terms are ORed',
      pod: makePod().nodeAffinityIn('zone', ['a']).nodeAffinityIn('zone', ['c']),
      fit: ['n1', 'n3'],
    },
    {
      name: 'nodeSelector and affinity must both hold',
      pod: makePod().nodeSelector({ zone: 'a' }).nodeAffinityIn('zone', ['b']),
      fit: [],
    },
    { name: 'an empty term matches nothing', pod: makePod().nodeAffinityTerm([]), fit: [] },
    {
      name: 'matchFields metadata.name narrows in PreFilter',
      pod: makePod().nodeAffinityTerm([], [{ key: 'metadata.name', operator: 'In', values: ['n2'] }]),
      fit: ['n2'],
    },
  ];
  it.each(cases)('$name', ({ pod, fit }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes());
    const { statuses } = r.filter(pod.obj());
    expect(Object.keys(statuses).filter((n) => statuses[n] === '')).toEqual(fit);
    for (const n of Object.keys(statuses))
      if (statuses[n] !== '' && !statuses[n]?.includes('PreFilter')) expect(statuses[n]).toBe(ERR_REASON_POD);
  });

  it('PreFilter returns the named nodes and refuses conflicting terms', () => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes());
    const named = r.filter(
      makePod()
        .nodeAffinityTerm([], [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n3'] }])
        .obj(),
    );
    expect([...(named.pre.nodeNames ?? [])]).toEqual(['n1', 'n3']);
    const conflict = r.filter(
      makePod()
        .nodeAffinityTerm(
          [],
          [
            { key: 'metadata.name', operator: 'In', values: ['n1'] },
            { key: 'metadata.name', operator: 'In', values: ['n2'] },
          ],
        )
        .obj(),
    );
    expect(conflict.pre.status?.message()).toBe(ERR_REASON_CONFLICT);
  });

  it('addedAffinity from args is enforced for every pod', () => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes(), [], {
      pluginArgs: {
        [NAME]: {
          addedAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['c'] }] }],
            },
          },
        },
      },
    });
    expect(r.filter(makePod().obj()).statuses).toEqual({
      n1: ERR_REASON_ENFORCED,
      n2: ERR_REASON_ENFORCED,
      n3: '',
    });
  });
});

describe('NodeAffinity score', () => {
  it('sums weights of matching preferred terms, normalised to the best node', () => {
    // n1 matches weights 2 + 4 = 6, n2 matches 2, n3 none: 100, 33, 0.
    const pod = makePod()
      .preferredNodeAffinity(2, [{ key: 'cores', operator: 'Exists' }])
      .preferredNodeAffinity(4, [{ key: 'gpu', operator: 'In', values: ['true'] }])
      .preferredNodeAffinity(0, [{ key: 'zone', operator: 'In', values: ['c'] }]);
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes());
    expect(r.score(pod.obj())).toEqual({ n1: 100, n2: 33, n3: 0 });
  });

  it('no preferred terms: PreScore skips, every node 0', () => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME, weight: 2 }], nodes());
    expect(r.score(makePod().obj())).toEqual({ n1: 0, n2: 0, n3: 0 });
  });
});
