import { describe, expect, it } from 'vitest';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import { inTreeRegistry } from './registry';
import { NAME } from './node-resources-fit';

const node = (name: string, cpu: string, memory: string, extra: Record<string, string> = {}) =>
  makeNode(name)
    .capacity({ cpu, memory, ...extra })
    .obj();

describe('NodeResourcesFit filter', () => {
  const cases: {
    name: string;
    pod: ReturnType<typeof makePod>;
    existing?: ReturnType<typeof makePod>[];
    want: string;
    pods?: string;
  }[] = [
    { name: 'fits', pod: makePod().req({ cpu: '1', memory: '1Gi' }), want: '' },
    {
      name: 'insufficient cpu',
      pod: makePod().req({ cpu: '3' }),
      existing: [makePod().req({ cpu: '2' })],
      want: 'Insufficient cpu',
    },
    {
      name: 'insufficient cpu and memory, all reasons kept',
      pod: makePod().req({ cpu: '5', memory: '5Gi' }),
      want: 'Insufficient cpu, Insufficient memory',
    },
    // init containers run one at a time: max(init, sum of app containers), not the sum
    {
      name: 'init container larger than app containers',
      pod: makePod().req({ cpu: '1' }).initReq({ cpu: '5' }),
      want: 'Insufficient cpu',
    },
    {
      name: 'init container smaller: max, not sum',
      pod: makePod().req({ cpu: '3' }).initReq({ cpu: '3' }),
      want: '',
    },
    // sidecars (restartPolicy Always) run alongside the app containers: they add up
    {
      name: 'sidecar adds to app containers',
      pod: makePod().req({ cpu: '3' }).initReq({ cpu: '2' }, true),
      want: 'Insufficient cpu',
    },
    {
      name: 'pod overhead counts',
      pod: makePod().req({ cpu: '3500m' }).overhead({ cpu: '600m' }),
      want: 'Insufficient cpu',
    },
    {
      name: 'extended resource missing on node',
      pod: makePod().req({ 'example.com/gpu': '1' }),
      want: 'Insufficient example.com/gpu',
    },
    {
      name: 'ephemeral storage',
      pod: makePod().req({ 'ephemeral-storage': '20Gi' }),
      want: 'Insufficient ephemeral-storage',
    },
    {
      name: 'too many pods',
      pod: makePod(),
      existing: [makePod(), makePod()],
      want: 'Too many pods',
      pods: '2',
    },
  ];
  it.each(cases)('$name', ({ pod, existing = [], want, pods }) => {
    const n = makeNode('n1')
      .capacity({ cpu: '4', memory: '4Gi', 'ephemeral-storage': '10Gi', pods: pods ?? '110' })
      .obj();
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      [n],
      existing.map((p) => p.node('n1').obj()),
    );
    expect(r.filter(pod.obj()).statuses.n1).toBe(want);
  });
});

// Expected scores are kube-scheduler's (noderesources least_allocated_test.go, most_allocated_test.go,
// requested_to_capacity_ratio_test.go); its fixtures use whole-core cpu numbers like "4000".
describe('NodeResourcesFit score', () => {
  const two = makePod().req({ cpu: '1000', memory: '2000' }).req({ cpu: '2000', memory: '3000' });
  const cases = [
    {
      name: 'least: nothing scheduled, differently sized nodes',
      pod: two,
      nodes: [node('node1', '4000', '10000'), node('node2', '6000', '10000')],
      existing: [],
      args: {},
      want: { node1: 37, node2: 50 },
    },
    {
      name: 'least: no requests, pods scheduled with resources',
      pod: makePod(),
      nodes: [node('node1', '10000', '20000'), node('node2', '10000', '20000')],
      existing: [
        makePod().node('node1').req({ cpu: '3000', memory: '0' }),
        makePod().node('node1').req({ cpu: '3000', memory: '0' }),
        makePod().node('node2').req({ cpu: '3000', memory: '0' }),
        makePod().node('node2').req({ cpu: '3000', memory: '5000' }),
      ],
      args: {},
      want: { node1: 70, node2: 57 },
    },
    {
      name: 'least: resources requested, pods scheduled, differently sized nodes',
      pod: two,
      nodes: [node('node1', '10000', '20000'), node('node2', '10000', '50000')],
      existing: [
        makePod().node('node1').req({ cpu: '3000', memory: '0' }),
        makePod().node('node2').req({ cpu: '3000', memory: '5000' }),
      ],
      args: {},
      want: { node1: 57, node2: 60 },
    },
    {
      name: 'least: requested resources exceed node capacity',
      pod: makePod().req({ cpu: '3000', memory: '0' }),
      nodes: [node('node1', '4000', '10000'), node('node2', '4000', '10000')],
      existing: [
        makePod().node('node1').req({ cpu: '3000', memory: '0' }),
        makePod().node('node2').req({ cpu: '3000', memory: '5000' }),
      ],
      args: {},
      want: { node1: 50, node2: 25 },
    },
    {
      name: 'least: memory weight 2',
      pod: two,
      nodes: [node('node1', '4000', '10000'), node('node2', '6000', '10000')],
      existing: [],
      args: {
        scoringStrategy: {
          type: 'LeastAllocated',
          resources: [
            { name: 'memory', weight: 2 },
            { name: 'cpu', weight: 1 },
          ],
        },
      },
      want: { node1: 41, node2: 50 },
    },
    {
      name: 'most: nothing scheduled, differently sized nodes',
      pod: two,
      nodes: [node('node1', '4000', '10000'), node('node2', '6000', '10000')],
      existing: [],
      args: { scoringStrategy: { type: 'MostAllocated' } },
      want: { node1: 62, node2: 50 },
    },
    {
      name: 'requested to capacity ratio: shape 0→10, 100→0',
      pod: two,
      nodes: [node('node1', '4000', '10000'), node('node2', '6000', '10000')],
      existing: [],
      args: {
        scoringStrategy: {
          type: 'RequestedToCapacityRatio',
          requestedToCapacityRatio: {
            shape: [
              { utilization: 0, score: 10 },
              { utilization: 100, score: 0 },
            ],
          },
        },
      },
      want: { node1: 38, node2: 50 },
    },
  ];
  it.each(cases)('$name', ({ pod, nodes, existing, args, want }) => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: NAME }],
      nodes,
      existing.map((p) => p.obj()),
      {
        pluginArgs: { [NAME]: args },
      },
    );
    expect(r.score(pod.obj())).toEqual(want);
  });

  it('refuses a weight outside 1..100', () => {
    expect(() =>
      runPlugins(inTreeRegistry, [{ name: NAME }], [], [], {
        pluginArgs: { [NAME]: { scoringStrategy: { resources: [{ name: 'cpu', weight: 101 }] } } },
      }),
    ).toThrow(/weight/);
  });
});
