import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import { inTreeRegistry } from './registry';
import { NAME } from './balanced-allocation';

// Expected scores from kube-scheduler's balanced_allocation_test.go.
const node = (name: string, cpu: number, memory: number, gpu?: number) =>
  makeNode(name)
    .capacity({ cpu: `${cpu}m`, memory: String(memory), ...(gpu ? { 'nvidia.com/gpu': String(gpu) } : {}) })
    .obj();
const cpuAndMemory = (n?: string) => {
  const p = makePod().req({ cpu: '1000m', memory: '2000' }).req({ cpu: '2000m', memory: '3000' });
  return n ? p.node(n) : p;
};
const cpuOnly = (n: string) =>
  makePod().node(n).req({ cpu: '1000m', memory: '0' }).req({ cpu: '2000m', memory: '0' });
const cpuMemGpu = (n: string) =>
  makePod()
    .node(n)
    .req({ cpu: '1000m', memory: '2000' })
    .req({ cpu: '2000m', memory: '3000', 'nvidia.com/gpu': '3' });
const withGpu = {
  resources: [
    { name: 'cpu', weight: 1 },
    { name: 'memory', weight: 1 },
    { name: 'nvidia.com/gpu', weight: 1 },
  ],
};

describe('NodeResourcesBalancedAllocation', () => {
  const cases: {
    name: string;
    pod: Pod;
    nodes: ReturnType<typeof node>[];
    existing: Pod[];
    args?: object;
    want: object;
  }[] = [
    {
      name: 'nothing scheduled, resources requested, differently sized nodes',
      pod: cpuAndMemory().obj(),
      nodes: [node('node1', 4000, 10000), node('node2', 6000, 10000)],
      existing: [],
      want: { node1: 87, node2: 100 },
    },
    {
      name: 'resources requested, pods scheduled with resources',
      pod: cpuAndMemory().obj(),
      nodes: [node('node1', 10000, 20000), node('node2', 10000, 20000)],
      existing: [cpuOnly('node1').obj(), cpuAndMemory('node2').obj()],
      want: { node1: 82, node2: 95 },
    },
    {
      name: 'differently sized nodes',
      pod: cpuAndMemory().obj(),
      nodes: [node('node1', 10000, 20000), node('node2', 10000, 50000)],
      existing: [cpuOnly('node1').obj(), cpuAndMemory('node2').obj()],
      want: { node1: 82, node2: 80 },
    },
    {
      name: 'requested resources at node capacity',
      pod: makePod().req({ cpu: '1000m', memory: '0' }).req({ cpu: '2000m', memory: '0' }).obj(),
      nodes: [node('node1', 6000, 10000), node('node2', 6000, 10000)],
      existing: [cpuOnly('node1').obj(), cpuAndMemory('node2').obj()],
      want: { node1: 50, node2: 75 },
    },
    {
      name: 'include scalar resource',
      pod: makePod().req({ memory: '0', 'nvidia.com/gpu': '1' }).obj(),
      nodes: [node('node1', 3500, 40000, 8), node('node2', 3500, 40000, 8)],
      existing: [cpuAndMemory('node2').obj(), cpuMemGpu('node1').obj()],
      args: withGpu,
      want: { node1: 70, node2: 65 },
    },
    {
      name: 'scalar resource the pod does not request is skipped',
      pod: cpuAndMemory().obj(),
      nodes: [node('node1', 3500, 40000, 8), node('node2', 3500, 40000)],
      existing: [],
      args: withGpu,
      want: { node1: 63, node2: 63 },
    },
    {
      name: 'best-effort pod: skipped, every node 0',
      pod: makePod().obj(),
      nodes: [node('node1', 4000, 10000), node('node2', 4000, 10000)],
      existing: [cpuOnly('node1').obj()],
      want: { node1: 0, node2: 0 },
    },
  ];
  it.each(cases)('$name', ({ pod, nodes, existing, args, want }) => {
    const r = runPlugins(inTreeRegistry, [{ name: NAME }], nodes, existing, {
      pluginArgs: { [NAME]: args ?? {} },
    });
    expect(r.score(pod)).toEqual(want);
  });
});
