import type { Node, Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { Action, type ClusterEvent, eventMatters, nodeUpdateActions, podUpdateActions } from './events';
import { KeyedHeap } from './heap';
import { SchedulingQueue, type QueueLocation } from './scheduling-queue';

const pod = (name: string, opts: { priority?: number; gates?: string[]; nominated?: string } = {}): Pod => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '1' },
  spec: {
    containers: [{ name: 'c' }],
    priority: opts.priority,
    schedulingGates: opts.gates?.map((g) => ({ name: g })),
  },
  status: opts.nominated ? { nominatedNodeName: opts.nominated } : {},
});

/** A queue on a clock the test moves. */
function makeQueue() {
  let t = 1_000_000;
  const q = new SchedulingQueue({ now: () => t });
  return {
    q,
    advance(ms: number) {
      t += ms;
    },
  };
}

const NODE_ADD: ClusterEvent = { resource: 'Node', actions: Action.Add, label: 'NodeAdd' };
const POD_DELETE: ClusterEvent = { resource: 'Pod', actions: Action.Delete, label: 'AssignedPodDelete' };
const NODE_LABEL: ClusterEvent = { resource: 'Node', actions: Action.UpdateNodeLabel, label: 'NodeUpdate' };

/** Pops `p`, fails it with `plugins` rejecting, and puts it back. */
function fail(q: SchedulingQueue, plugins: string[], error = false) {
  const info = q.tryPop();
  if (!info) throw new Error('queue empty');
  const cycle = q.cycle;
  info.unschedulablePlugins = new Set(plugins);
  q.addUnschedulable(info, cycle, { error });
  return info;
}

describe('KeyedHeap', () => {
  it('pops in order and updates and deletes by key', () => {
    const h = new KeyedHeap<{ k: string; v: number }>(
      (x) => x.k,
      (a, b) => a.v < b.v,
    );
    for (const [k, v] of [
      ['a', 5],
      ['b', 3],
      ['c', 9],
      ['d', 1],
      ['e', 7],
    ] as const)
      h.push({ k, v });
    h.push({ k: 'c', v: 0 });
    expect(h.delete('b')?.v).toBe(3);
    const out: string[] = [];
    for (let x = h.pop(); x; x = h.pop()) out.push(x.k);
    expect(out).toEqual(['c', 'd', 'a', 'e']);
  });
});

describe('SchedulingQueue ordering', () => {
  it.each([
    {
      name: 'higher priority first',
      pods: [pod('low', { priority: 1 }), pod('high', { priority: 100 })],
      want: ['high', 'low'],
    },
    {
      name: 'equal priority: queue order',
      pods: [pod('first'), pod('second'), pod('third')],
      want: ['first', 'second', 'third'],
    },
    {
      name: 'negative priority after default',
      pods: [pod('neg', { priority: -5 }), pod('zero'), pod('pos', { priority: 5 })],
      want: ['pos', 'zero', 'neg'],
    },
  ])('$name', ({ pods, want }) => {
    const { q, advance } = makeQueue();
    for (const p of pods) {
      q.add(p);
      advance(1);
    }
    const got: string[] = [];
    for (let i = q.tryPop(); i; i = q.tryPop()) got.push(i.pod.metadata?.name ?? '');
    expect(got).toEqual(want);
  });

  it('pop waits for a pod and close wakes waiters with null', async () => {
    const { q } = makeQueue();
    const waiting = q.pop();
    q.add(pod('late'));
    expect((await waiting)?.key).toBe('ns/late');
    const closed = q.pop();
    q.close();
    expect(await closed).toBeNull();
  });
});

describe('SchedulingQueue back-off', () => {
  it.each([
    { attempts: 1, ms: 1000 },
    { attempts: 2, ms: 2000 },
    { attempts: 3, ms: 4000 },
    { attempts: 4, ms: 8000 },
    { attempts: 5, ms: 10_000 },
    { attempts: 30, ms: 10_000 },
  ])('after $attempts attempts the back-off is $ms ms', ({ attempts, ms }) => {
    expect(makeQueue().q.backoffDuration(attempts)).toBe(ms);
  });

  it('an error goes to backoffQ and returns once its back-off ended', () => {
    const { q, advance } = makeQueue();
    q.add(pod('p'));
    fail(q, [], true);
    expect(q.locate('ns/p')).toBe('backoff');
    advance(999);
    expect(q.flushBackoffCompleted()).toBe(0);
    advance(1);
    expect(q.flushBackoffCompleted()).toBe(1);
    expect(q.locate('ns/p')).toBe('active');
  });

  it('a move request during the attempt sends the failed pod to backoffQ, not unschedulable', () => {
    const { q } = makeQueue();
    q.add(pod('p'));
    const info = q.tryPop();
    if (!info) throw new Error('empty');
    const cycle = q.cycle;
    q.moveAllToActiveOrBackoff(NODE_ADD);
    info.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulable(info, cycle);
    expect(q.locate('ns/p')).toBe('backoff');
  });
});

describe('SchedulingQueue unschedulable pods', () => {
  const cases: {
    name: string;
    plugins: string[];
    event: ClusterEvent;
    waitMs: number;
    want: QueueLocation;
  }[] = [
    {
      name: 'resources: node added, back-off over',
      plugins: ['NodeResourcesFit'],
      event: NODE_ADD,
      waitMs: 1000,
      want: 'active',
    },
    {
      name: 'resources: node added, still backing off',
      plugins: ['NodeResourcesFit'],
      event: NODE_ADD,
      waitMs: 10,
      want: 'backoff',
    },
    {
      name: 'resources: assigned pod deleted',
      plugins: ['NodeResourcesFit'],
      event: POD_DELETE,
      waitMs: 5000,
      want: 'active',
    },
    {
      name: 'resources: node label change does not help',
      plugins: ['NodeResourcesFit'],
      event: NODE_LABEL,
      waitMs: 5000,
      want: 'unschedulable',
    },
    {
      name: 'affinity: node label change helps',
      plugins: ['NodeAffinity'],
      event: NODE_LABEL,
      waitMs: 5000,
      want: 'active',
    },
    {
      name: 'taints: pod delete does not help',
      plugins: ['TaintToleration'],
      event: POD_DELETE,
      waitMs: 5000,
      want: 'unschedulable',
    },
    {
      name: 'no plugin named (no nodes at all): any event',
      plugins: [],
      event: NODE_LABEL,
      waitMs: 5000,
      want: 'active',
    },
    {
      name: 'unknown plugin: any event',
      plugins: ['SomeOutOfTreePlugin'],
      event: POD_DELETE,
      waitMs: 5000,
      want: 'active',
    },
  ];
  it.each(cases)('$name → $want', ({ plugins, event, waitMs, want }) => {
    const { q, advance } = makeQueue();
    q.add(pod('p'));
    fail(q, plugins);
    expect(q.locate('ns/p')).toBe('unschedulable');
    advance(waitMs);
    q.moveAllToActiveOrBackoff(event);
    expect(q.locate('ns/p')).toBe(want);
  });

  it('pods left unschedulable for more than 5 minutes are flushed', () => {
    const { q, advance } = makeQueue();
    q.add(pod('p'));
    fail(q, ['NodeResourcesFit']);
    advance(5 * 60_000);
    expect(q.flushUnschedulableLeftover()).toBe(0);
    advance(1);
    expect(q.flushUnschedulableLeftover()).toBe(1);
    expect(q.locate('ns/p')).toBe('active');
  });

  it('an update of the pod itself moves it out; a status-only update does not', () => {
    const { q, advance } = makeQueue();
    const p = pod('p');
    q.add(p);
    fail(q, ['NodeAffinity']);
    advance(2000);
    const statusOnly: Pod = { ...p, status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } };
    q.update(p, statusOnly);
    expect(q.locate('ns/p')).toBe('unschedulable');
    const relabelled: Pod = { ...statusOnly, metadata: { ...p.metadata, labels: { a: 'b' } } };
    q.update(statusOnly, relabelled);
    expect(q.locate('ns/p')).toBe('active');
  });

  it('a pod deleted while in flight is not put back', () => {
    const { q } = makeQueue();
    const p = pod('p');
    q.add(p);
    const info = q.tryPop();
    if (!info) throw new Error('empty');
    q.delete(p);
    info.unschedulablePlugins = new Set(['NodeResourcesFit']);
    q.addUnschedulable(info, q.cycle);
    expect(q.locate('ns/p')).toBeNull();
    expect(q.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
  });
});

describe('SchedulingQueue gates and nominations', () => {
  it('a gated pod waits until its gates are removed', () => {
    const { q } = makeQueue();
    const gated = pod('g', { gates: ['example.com/wait'] });
    q.add(gated);
    expect(q.tryPop()).toBeNull();
    q.moveAllToActiveOrBackoff(NODE_ADD);
    expect(q.locate('ns/g')).toBe('unschedulable');
    q.update(gated, pod('g'));
    expect(q.tryPop()?.key).toBe('ns/g');
  });

  it('tracks nominated pods per node from status and from the scheduler', () => {
    const { q } = makeQueue();
    const a = pod('a', { nominated: 'n1' });
    const b = pod('b');
    q.add(a);
    q.add(b);
    q.nominator.add(b, 'n1');
    expect(q.nominator.podsFor('n1').map((p) => p.metadata?.name)).toEqual(['a', 'b']);
    // An update that does not mention the nomination keeps the scheduler's own.
    q.update(b, { ...b, metadata: { ...b.metadata, resourceVersion: '2' } });
    expect(q.nominator.nodeFor(b)).toBe('n1');
    // Removing it from the status removes it.
    q.update(a, pod('a'));
    expect(q.nominator.podsFor('n1').map((p) => p.metadata?.name)).toEqual(['b']);
    q.delete(b);
    expect(q.nominator.podsFor('n1')).toEqual([]);
  });
});

describe('cluster events', () => {
  const node = (over: Partial<Node> = {}): Node => ({
    metadata: { name: 'n1', labels: { a: '1' } },
    spec: {},
    status: {
      allocatable: { cpu: '4' },
      conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:00Z' }],
    },
    ...over,
  });
  it.each([
    {
      name: 'heartbeat only',
      n: node({
        status: {
          ...node().status,
          conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:10Z' }],
        },
      }),
      want: 0,
    },
    {
      name: 'allocatable',
      n: node({ status: { ...node().status, allocatable: { cpu: '8' } } }),
      want: Action.UpdateNodeAllocatable,
    },
    {
      name: 'labels',
      n: node({ metadata: { name: 'n1', labels: { a: '2' } } }),
      want: Action.UpdateNodeLabel,
    },
    { name: 'cordon', n: node({ spec: { unschedulable: true } }), want: Action.UpdateNodeTaint },
    {
      name: 'taint',
      n: node({ spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }),
      want: Action.UpdateNodeTaint,
    },
    {
      name: 'not ready',
      n: node({ status: { ...node().status, conditions: [{ type: 'Ready', status: 'False' }] } }),
      want: Action.UpdateNodeCondition,
    },
  ])('node update: $name', ({ n, want }) => {
    expect(nodeUpdateActions(node(), n)).toBe(want);
  });

  it('pod update: scale down and labels', () => {
    const req = (p: Pod) => ({ cpu: Number(p.metadata?.annotations?.cpu ?? 0) });
    const p = pod('p');
    const withCpu = (cpu: number, labels?: Record<string, string>): Pod => ({
      ...p,
      metadata: { ...p.metadata, annotations: { cpu: String(cpu) }, labels },
    });
    expect(podUpdateActions(withCpu(2), withCpu(1), req)).toBe(Action.UpdatePodScaleDown);
    expect(podUpdateActions(withCpu(1), withCpu(1, { x: 'y' }), req)).toBe(Action.UpdatePodLabel);
    expect(podUpdateActions(withCpu(1), withCpu(2), req)).toBe(Action.UpdateOther);
  });

  it('wildcard and empty plugin sets match everything', () => {
    expect(eventMatters(new Set(), NODE_LABEL)).toBe(true);
    expect(eventMatters(new Set(['NodeName']), NODE_LABEL)).toBe(false);
    expect(eventMatters(new Set(['NodeName']), { resource: '*', actions: 1, label: 'x' })).toBe(true);
  });
});
