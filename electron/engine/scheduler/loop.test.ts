/**
 * The loop's bookkeeping around one attempt, with the real framework, cache and queue and a
 * stand-in API client (only the status patch is called: binding goes through the test's bind
 * plugin). The scenario tests cover the same paths against the real API server.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it, vi } from 'vitest';
import type { EventRecorder } from '../../kube/events';
import { SILENT } from '../../kube/log';
import type { KubeClient } from '../../kube/types';
import { SchedulerCache } from './cache/cache';
import { Code, Status, type BindPlugin, type Registry } from './framework/types';
import { SchedulingLoop } from './loop';
import { inTreeRegistry } from './plugins/registry';
import { SchedulingQueue } from './queue/scheduling-queue';
import { SchedulerFramework } from './scheduler-framework';
import { makeNode, makePod } from './testing/fixtures';

function setup(bindResult: Status | null) {
  let t = 1_000_000;
  const now = () => t;
  const queue = new SchedulingQueue({ now });
  const cache = new SchedulerCache({ now });
  cache.addNode(makeNode('n1').capacity({ cpu: '2', memory: '4Gi', pods: '110' }).obj());
  let releaseBind: () => void = () => undefined;
  const bindGate = new Promise<void>((resolve) => (releaseBind = resolve));
  const registry: Registry = {
    ...inTreeRegistry,
    TestBinder: () =>
      ({
        name: 'TestBinder',
        async bind() {
          await bindGate;
          return bindResult;
        },
      }) satisfies BindPlugin,
  };
  const framework = new SchedulerFramework(
    { schedulerName: 'default-scheduler', plugins: [{ name: 'NodeResourcesFit' }, { name: 'TestBinder' }] },
    registry,
    queue.nominator,
  );
  const patch = vi.fn(async () => ({}));
  // Stand-in: the loop only patches pod status through the client in these cases.
  const client = { resource: () => ({ patch }) } as unknown as KubeClient;
  const recorder: EventRecorder = { event: vi.fn(), flush: async () => undefined };
  const pods = new Map<string, Pod>();
  const loop = new SchedulingLoop({
    framework,
    queue,
    cache,
    client,
    recorder,
    log: SILENT,
    currentPod: (key) => pods.get(key),
    maxBindsInFlight: 4,
    now,
  });
  const add = (p: Pod) => {
    pods.set(`${p.metadata?.namespace}/${p.metadata?.name}`, p);
    queue.add(p);
  };
  const attempt = async () => {
    const info = queue.tryPop();
    if (!info) throw new Error('queue empty');
    await loop.scheduleOne(info);
    return info;
  };
  const advance = (ms: number) => (t += ms);
  return { queue, cache, loop, recorder, patch, add, attempt, releaseBind, advance, pods };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('SchedulingLoop', () => {
  it('assumes the pod before binding, so the next decision already counts it', async () => {
    const s = setup(null);
    const a = makePod('a').req({ cpu: '1500m' }).obj();
    const b = makePod('b').req({ cpu: '1' }).obj();
    s.add(a);
    s.add(b);
    await s.attempt();
    expect(s.cache.isAssumed(a.metadata?.uid ?? '')).toBe(true);
    await s.attempt();
    // b does not fit next to the assumed a, although a's binding has not finished.
    expect(s.queue.locate('default/b')).toBe('unschedulable');
    expect(s.recorder.event).toHaveBeenCalledWith(
      expect.objectContaining({ metadata: expect.objectContaining({ name: 'b' }) }),
      'Warning',
      'FailedScheduling',
      '0/1 nodes are available: 1 Insufficient cpu.',
      'Scheduling',
    );
    expect(s.patch).toHaveBeenCalledWith(
      'default',
      'b',
      'strategic',
      expect.objectContaining({
        status: { conditions: [expect.objectContaining({ reason: 'Unschedulable', status: 'False' })] },
      }),
      { subresource: 'status' },
    );
    s.releaseBind();
    await settle();
    expect(s.recorder.event).toHaveBeenCalledWith(
      expect.anything(),
      'Normal',
      'Scheduled',
      'Successfully assigned default/a to n1',
      'Binding',
    );
    expect(s.queue.locate('default/a')).toBeNull();
    expect(s.loop.metrics).toMatchObject({ attempts: 2, scheduled: 1, unschedulable: 1, errors: 0 });
  });

  it('a failed binding forgets the assumed pod and retries it after back-off', async () => {
    const s = setup(new Status(Code.Error, ['node is gone']));
    const a = makePod('a').req({ cpu: '1' }).obj();
    s.add(a);
    await s.attempt();
    expect(s.cache.nodeInfo('n1')?.requested.milliCPU).toBe(1000);
    s.releaseBind();
    await settle();
    expect(s.cache.isAssumed(a.metadata?.uid ?? '')).toBe(false);
    expect(s.cache.nodeInfo('n1')?.requested.milliCPU).toBe(0);
    expect(s.queue.locate('default/a')).toBe('backoff');
    expect(s.recorder.event).toHaveBeenCalledWith(
      expect.anything(),
      'Warning',
      'FailedScheduling',
      'Binding rejected: node is gone',
      'Scheduling',
    );
    s.advance(1000);
    s.queue.flushBackoffCompleted();
    expect(s.queue.locate('default/a')).toBe('active');
  });

  it('a pod deleted during its attempt is not requeued', async () => {
    const s = setup(null);
    const big = makePod('big').req({ cpu: '8' }).obj();
    s.add(big);
    s.pods.delete('default/big');
    await s.attempt();
    expect(s.queue.stats()).toEqual({ active: 0, backoff: 0, unschedulable: 0, inFlight: 0 });
    expect(s.recorder.event).not.toHaveBeenCalled();
  });
});
