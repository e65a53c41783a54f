// NodeUnschedulable, NodeName and NodePorts: small filters, one table each.
import { describe, expect, it } from 'vitest';
import { makeNode, makePod, runPlugins } from '../framework/testing';
import * as nodeName from './node-name';
import * as nodePorts from './node-ports';
import * as nodeUnschedulable from './node-unschedulable';
import { inTreeRegistry } from './registry';

describe('NodeUnschedulable', () => {
  it.each([
    { name: 'schedulable node', node: makeNode('n1'), pod: makePod(), want: '' },
    {
      name: 'cordoned node',
      node: makeNode('n1').unschedulable(),
      pod: makePod(),
      want: nodeUnschedulable.ERR_REASON_UNSCHEDULABLE,
    },
    {
      name: 'cordoned node, pod tolerates the unschedulable taint',
      node: makeNode('n1').unschedulable(),
      pod: makePod().toleration({
        key: 'node.kubernetes.io/unschedulable',
        operator: 'Exists',
        effect: 'NoSchedule',
      }),
      want: '',
    },
  ])('$name', ({ node, pod, want }) => {
    const r = runPlugins(inTreeRegistry, [{ name: nodeUnschedulable.NAME }], [node.obj()]);
    expect(r.filter(pod.obj()).statuses.n1).toBe(want);
  });
});

describe('NodeName', () => {
  it('fits only the node the pod names', () => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: nodeName.NAME }],
      [makeNode('n1').obj(), makeNode('n2').obj()],
    );
    expect(r.filter(makePod().node('n2').obj()).statuses).toEqual({ n1: nodeName.ERR_REASON, n2: '' });
    expect(r.filter(makePod().obj()).statuses).toEqual({ n1: '', n2: '' });
  });
});

describe('NodePorts', () => {
  it.each([
    { name: 'free port', existing: makePod().hostPort(8080), pod: makePod().hostPort(9090), fits: true },
    {
      name: 'same port and protocol',
      existing: makePod().hostPort(8080),
      pod: makePod().hostPort(8080),
      fits: false,
    },
    {
      name: 'same port, other protocol',
      existing: makePod().hostPort(53, 'UDP'),
      pod: makePod().hostPort(53, 'TCP'),
      fits: true,
    },
    {
      name: 'different IPs',
      existing: makePod().hostPort(80, 'TCP', '127.0.0.1'),
      pod: makePod().hostPort(80, 'TCP', '127.0.0.2'),
      fits: true,
    },
    {
      name: 'wildcard in use blocks a specific IP',
      existing: makePod().hostPort(80),
      pod: makePod().hostPort(80, 'TCP', '127.0.0.1'),
      fits: false,
    },
    {
      name: 'a specific IP blocks the wildcard',
      existing: makePod().hostPort(80, 'TCP', '10.0.0.1'),
      pod: makePod().hostPort(80, 'TCP', '0.0.0.0'),
      fits: false,
    },
  ])('$name', ({ existing, pod, fits }) => {
    const r = runPlugins(
      inTreeRegistry,
      [{ name: nodePorts.NAME }],
      [makeNode('n1').obj()],
      [existing.node('n1').obj()],
    );
    expect(r.filter(pod.obj()).statuses.n1).toBe(fits ? '' : nodePorts.ERR_REASON);
  });
});
