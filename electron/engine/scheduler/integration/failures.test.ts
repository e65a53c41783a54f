/**
 * Failure reporting, other schedulers' pods and the configuration file, against the real API
 * server: the FailedScheduling event and PodScheduled=False condition carry kube-scheduler's
 * summary; a pod for another scheduler is never touched; a MostAllocated profile bin-packs.
 */
import type { Event, Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSchedulerConfigText } from '../index';
import { makeNode, makePod } from '../testing/fixtures';
import { startSchedulerTest, waitFor, type SchedulerTest } from '../testing/harness';

let t: SchedulerTest | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

const scheduledCondition = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'PodScheduled');

function waitForEvent(s: SchedulerTest, name: string, reason: string): Promise<Event> {
  return waitFor(`${reason} event for ${name}`, async () =>
    (await s.eventsFor(name)).find((e) => e.reason === reason),
  );
}

describe('scheduler failures and configuration (real API server)', () => {
  it('summarises why no node fits, as kube-scheduler words it', async () => {
    const s = (t = await startSchedulerTest());
    await s.createNodes([
      ...['small-1', 'small-2', 'small-3'].map((n) =>
        makeNode(n).noUid().capacity({ cpu: '1', memory: '4Gi', pods: '110' }).obj(),
      ),
      ...['gpu-1', 'gpu-2'].map((n) =>
        makeNode(n)
          .noUid()
          .capacity({ cpu: '16', memory: '64Gi', pods: '110' })
          .taint({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' })
          .obj(),
      ),
    ]);
    await s.createPods([makePod('big').noUid().req({ cpu: '2' }).obj()]);
    const msg =
      '0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient cpu. ' +
      'preemption: 0/5 nodes are available: 2 Preemption is not helpful for scheduling, ' +
      '3 No preemption victims found for incoming pod..';
    const event = await waitForEvent(s, 'big', 'FailedScheduling');
    expect(event).toMatchObject({
      type: 'Warning',
      message: msg,
      source: { component: 'default-scheduler' },
    });
    const pod = await waitFor('condition', async () => {
      const p = await s.getPod('big');
      return scheduledCondition(p) ? p : undefined;
    });
    expect(scheduledCondition(pod)).toMatchObject({ status: 'False', reason: 'Unschedulable', message: msg });
    expect(pod.spec?.nodeName).toBeUndefined();

    // A node that fits arrives: the waiting pod is retried and bound there.
    await s.createNodes([makeNode('roomy').noUid().capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj()]);
    expect((await s.waitBound(['big'])).get('big')).toBe('roomy');
  });

  it('leaves pods of another scheduler alone', async () => {
    const s = (t = await startSchedulerTest());
    await s.createNodes([makeNode('n1').noUid().obj()]);
    await s.createPods([makePod('custom').noUid().schedulerName('my-scheduler').obj()]);
    // A pod created afterwards is bound: the loop has seen both.
    await s.createPods([makePod('ours').noUid().obj()]);
    await s.waitBound(['ours']);
    await waitForEvent(s, 'ours', 'Scheduled');
    const custom = await s.getPod('custom');
    expect(custom.spec?.nodeName).toBeUndefined();
    expect(scheduledCondition(custom)).toBeUndefined();
    expect(await s.eventsFor('custom')).toEqual([]);
    expect(s.scheduler.queue.locate('default/custom')).toBeNull();
  });

  it('bin-packs with a MostAllocated profile from a configuration file', async () => {
    const config = parseSchedulerConfigText(`
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
  plugins:
    score:
      disabled: [{ name: NodeResourcesBalancedAllocation }]
  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: MostAllocated
`);
    const s = (t = await startSchedulerTest({ config }));
    await s.createNodes(
      ['p1', 'p2', 'p3'].map((n) =>
        makeNode(n).noUid().capacity({ cpu: '4', memory: '8Gi', pods: '110' }).obj(),
      ),
    );
    // Seed one node so that it is the most allocated; every later pod must follow it.
    await s.createPods([makePod('seed').noUid().req({ cpu: '1', memory: '1Gi' }).obj()]);
    const seedNode = (await s.waitBound(['seed'])).get('seed');
    const names = ['b0', 'b1', 'b2'];
    for (const n of names) {
      await s.createPods([makePod(n).noUid().req({ cpu: '500m', memory: '512Mi' }).obj()]);
      await s.waitBound([n]);
    }
    const placed = await s.waitBound(names);
    expect([...placed.values()]).toEqual([seedNode, seedNode, seedNode]);
  });
});
