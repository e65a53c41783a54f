import { describe, expect, it } from 'vitest';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import { inTreeRegistry } from './registry';
import { NAME } from './taint-toleration';

describe('TaintToleration filter', () => {
  const cases = [
    { name: 'no taints', node: makeNode('n1'), pod: makePod(), want: '' },
    {
      name: 'untolerated NoSchedule',
      node: makeNode('n1').taint('dedicated', 'gpu', 'NoSchedule'),
      pod: makePod(),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    {
      name: 'tolerated by Equal',
      node: makeNode('n1').taint('dedicated', 'gpu', 'NoSchedule'),
      pod: makePod().toleration({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }),
      want: '',
    },
    {
      name: 'Equal with another value does not tolerate',
      node: makeNode('n1').taint('dedicated', 'gpu', 'NoExecute'),
      pod: makePod().toleration({ key: 'dedicated', value: 'cpu' }),
      want: 'node(s) had untolerated taint {dedicated: gpu}',
    },
    {
      name: 'Exists without key tolerates everything',
      node: makeNode('n1').taint('a', 'b', 'NoExecute').taint('c', 'd', 'NoSchedule'),
      pod: makePod().toleration({ operator: 'Exists' }),
      want: '',
    },
    {
      name: 'PreferNoSchedule never filters',
      node: makeNode('n1').taint('a', 'b', 'PreferNoSchedule'),
      pod: makePod(),
      want: '',
    },
  ];
  it.each(cases)('$name', ({ node, pod, want }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], [node.obj()]);
    expect(r.filter(pod.obj()).statuses.n1).toBe(want);
  });
});

// taint_toleration_test.go TestTaintTolerationScore: fewer intolerable PreferNoSchedule taints → higher.
describe('TaintToleration score', () => {
  it('tolerated taints score higher than intolerable ones', () => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      [
        makeNode('nodeA').taint('foo', 'bar', 'PreferNoSchedule').obj(),
        makeNode('nodeB').taint('foo', 'blah', 'PreferNoSchedule').obj(),
      ],
    );
    const pod = makePod().toleration({
      key: 'foo',
      operator: 'Equal',
      value: 'bar',
      effect: 'PreferNoSchedule',
    });
    expect(r.score(pod.obj())).toEqual({ nodeA: 100, nodeB: 0 });
  });

  it('the more intolerable taints a node has, the lower its score', () => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      [
        makeNode('nodeA').obj(),
        makeNode('nodeB').taint('cpu-type', 'arm64', 'PreferNoSchedule').obj(),
        makeNode('nodeC')
          .taint('cpu-type', 'arm64', 'PreferNoSchedule')
          .taint('disk-type', 'ssd', 'PreferNoSchedule')
          .obj(),
      ],
    );
    const pod = makePod().toleration({
      key: 'foo',
      operator: 'Equal',
      value: 'bar',
      effect: 'PreferNoSchedule',
    });
    expect(r.score(pod.obj())).toEqual({ nodeA: 100, nodeB: 50, nodeC: 0 });
  });

  it('NoSchedule taints do not count towards the score', () => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      [makeNode('nodeA').obj(), makeNode('nodeB').taint('cpu-type', 'arm64', 'NoSchedule').obj()],
    );
    expect(r.score(makePod().obj())).toEqual({ nodeA: 100, nodeB: 100 });
  });
});
