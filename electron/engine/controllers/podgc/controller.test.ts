/** Pod GC against the real API server, with short periods and no nodes running anything. */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import { createPod, getPod, makePod, setPodStatus } from '../../../sim/testing';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { gcOrder, podGcControllerWith, terminatedToDelete } from './controller';

const pod = (name: string, created: string, status: Pod['status'] = {}): Pod => ({
  metadata: { name, creationTimestamp: created },
  status,
});

describe('terminatedToDelete', () => {
  const t0 = '2025-01-01T00:00:00Z';
  const t1 = '2025-01-01T00:00:01Z';
  it.each<[string, Pod[], number, string[]]>([
    ['under the threshold', [pod('a', t0, { phase: 'Succeeded' })], 1, []],
    ['threshold 0 disables it', [pod('a', t0, { phase: 'Succeeded' })], 0, []],
    [
      'oldest first, running pods not counted',
      [
        pod('new', t1, { phase: 'Failed' }),
        pod('old', t0, { phase: 'Succeeded' }),
        pod('run', t0, { phase: 'Running' }),
      ],
      1,
      ['old'],
    ],
    [
      'evicted first',
      [pod('old', t0, { phase: 'Succeeded' }), pod('ev', t1, { phase: 'Failed', reason: 'Evicted' })],
      1,
      ['ev'],
    ],
    [
      'same time: by name',
      [
        pod('b', t0, { phase: 'Failed' }),
        pod('a', t0, { phase: 'Failed' }),
        pod('c', t0, { phase: 'Failed' }),
      ],
      1,
      ['a', 'b'],
    ],
  ])('%s', (_what, pods, threshold, want) => {
    expect(terminatedToDelete(pods, threshold).map((p) => p.metadata?.name)).toEqual(want);
  });

  it('orders like byEvictionAndCreationTimestamp', () => {
    expect(gcOrder(pod('a', t0), pod('a', t0))).toBe(0);
    expect(gcOrder(pod('a', t1), pod('b', t0))).toBe(1);
  });
});

describe('pod GC', () => {
  let t: ControllerTest;
  const nodes = () => t.client.resource<Node>(R.nodes);
  beforeAll(async () => {
    t = await startControllerTest([podGcControllerWith({ gcPeriodMs: 200, quarantineMs: 500 })], {
      options: { terminatedPodGcThreshold: 2 },
    });
    await nodes().create('', { metadata: { name: 'n' } });
  });
  afterAll(() => t.stop());

  it('deletes terminated pods beyond the threshold, evicted and oldest first', async () => {
    const c = t.client;
    for (const name of ['t-0', 't-1', 't-2', 't-3', 'running'])
      await createPod(c, makePod(name).node('n').obj());
    // In whatever order the controller sees them finish, t-3 (evicted) and t-0 (oldest) go.
    const statuses: Record<string, Pod['status']> = {
      't-0': { phase: 'Succeeded' },
      't-1': { phase: 'Failed' },
      't-2': { phase: 'Succeeded' },
      't-3': { phase: 'Failed', reason: 'Evicted' },
      running: { phase: 'Running' },
    };
    await Promise.all(
      Object.entries(statuses).map(async ([name, status]) => {
        const p = await getPod(c, 'default', name);
        if (p) await setPodStatus(c, p, status ?? {});
      }),
    );
    await waitFor('two collected', async () => {
      const left = await Promise.all(Object.keys(statuses).map((n) => getPod(c, 'default', n)));
      return left.filter((p) => p).length === 3 ? left : undefined;
    });
    const remaining = (await Promise.all(Object.keys(statuses).map((n) => getPod(c, 'default', n))))
      .filter((p) => p)
      .map((p) => p?.metadata?.name);
    expect(remaining).toEqual(['t-1', 't-2', 'running']);
  });

  it('deletes pods bound to a node that no longer exists, after the quarantine', async () => {
    const c = t.client;
    await createPod(c, makePod('orphan').node('vanished').obj());
    await createPod(c, makePod('kept').node('n').obj());
    await waitFor('orphan gone', async () => (await getPod(c, 'default', 'orphan')) === undefined);
    expect(await getPod(c, 'default', 'kept')).toBeDefined();
  });

  it('force-deletes terminating pods on out-of-service nodes and unscheduled terminating pods', async () => {
    const c = t.client;
    await nodes().create('', {
      metadata: { name: 'oos' },
      spec: {
        taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }],
      },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
    });
    await createPod(c, makePod('stuck').node('oos').tolerate({ operator: 'Exists' }).obj());
    const marked = (await c.resource(R.pods).delete('default', 'stuck')) as Pod;
    expect(marked.metadata?.deletionTimestamp).toBeTruthy(); // graceful: only the GC removes it
    await waitFor('stuck gone', async () => (await getPod(c, 'default', 'stuck')) === undefined);

    // A finalizer keeps an unscheduled pod Terminating; GC fails it and shortens the grace to 0.
    const held = makePod('held').obj();
    held.metadata = { ...held.metadata, finalizers: ['example.com/hold'] };
    await createPod(c, held);
    await c.resource(R.pods).delete('default', 'held', { gracePeriodSeconds: 30 });
    await waitFor('held failed with grace 0', async () => {
      const p = await getPod(c, 'default', 'held');
      return p?.status?.phase === 'Failed' && p.metadata?.deletionGracePeriodSeconds === 0;
    });
    await c.resource<Pod>(R.pods).patch('default', 'held', 'merge', { metadata: { finalizers: null } });
    await waitFor('held gone', async () => (await getPod(c, 'default', 'held')) === undefined);
  });
});
