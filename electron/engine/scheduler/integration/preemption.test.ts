/**
 * Preemption against the real API server: a higher-priority pod that fits nowhere evicts the
 * fewest, least important pods of one node, is nominated to it, and lands there once the
 * victims are gone. The test plays the kubelet's part: a deleted pod bound to a node stays
 * Terminating until its kubelet confirms, so the test removes victims with grace period 0.
 */
import type { Event, Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import { makeNode, makePod } from '../testing/fixtures';
import { startSchedulerTest, waitFor, type SchedulerTest } from '../testing/harness';

let t: SchedulerTest | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

async function priorityClass(s: SchedulerTest, name: string, value: number, preemptionPolicy?: string) {
  await s.client.resource(R.priorityclasses).create('', {
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    preemptionPolicy,
  } as never);
}

const withClass = (p: Pod, className: string): Pod => ({
  ...p,
  spec: { containers: p.spec?.containers ?? [], ...p.spec, priorityClassName: className },
});

function waitForEvent(s: SchedulerTest, name: string, reason: string): Promise<Event> {
  return waitFor(`${reason} event for ${name}`, async () =>
    (await s.eventsFor(name)).find((e) => e.reason === reason),
  );
}

describe('preemption (real API server)', () => {
  it('a higher-priority pod preempts the least important pod and takes its place', async () => {
    const s = (t = await startSchedulerTest());
    await priorityClass(s, 'low', 10);
    await priorityClass(s, 'mid', 100);
    await priorityClass(s, 'high', 1000);
    await s.createNodes([
      makeNode('n1').noUid().capacity({ cpu: '2', memory: '8Gi', pods: '110' }).obj(),
      makeNode('n2').noUid().capacity({ cpu: '2', memory: '8Gi', pods: '110' }).obj(),
    ]);
    // n1: two low pods; n2: a big mid pod and a small low one. Either node frees room by
    // evicting one pod (on n2 it must be the mid one: the low one alone frees too little), and
    // kube-scheduler prefers the node whose most important victim is least important: n1.
    await s.createPods([
      withClass(makePod('low-a').noUid().node('n1').req({ cpu: '1' }).obj(), 'low'),
      withClass(makePod('low-b').noUid().node('n1').req({ cpu: '1' }).obj(), 'low'),
      withClass(makePod('mid').noUid().node('n2').req({ cpu: '1500m' }).obj(), 'mid'),
      withClass(makePod('low-c').noUid().node('n2').req({ cpu: '500m' }).obj(), 'low'),
    ]);
    await waitFor('the cache to hold the bound pods', () => s.scheduler.cache.podCount === 4);

    await s.createPods([withClass(makePod('urgent').noUid().req({ cpu: '1' }).obj(), 'high')]);
    const nominated = await waitFor('urgent nominated', async () => {
      const p = await s.getPod('urgent');
      return p.status?.nominatedNodeName ? p : undefined;
    });
    expect(nominated.status?.nominatedNodeName).toBe('n1');
    expect(nominated.spec?.nodeName).toBeUndefined();
    expect(nominated.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: '0/2 nodes are available: 2 Insufficient cpu.',
    });

    // Exactly one of n1's pods is the victim: Terminating, marked, with a Preempted event.
    const pods = s.client.resource<Pod>(R.pods);
    const victims = await waitFor('a victim', async () => {
      const list = (await pods.list('default')).items.filter((p) => p.metadata?.deletionTimestamp);
      return list.length > 0 ? list : undefined;
    });
    expect(victims).toHaveLength(1);
    const victim = victims[0] as Pod;
    expect(['low-a', 'low-b']).toContain(victim.metadata?.name);
    expect(victim.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'PreemptionByScheduler',
      message: 'default-scheduler: preempting to accommodate a higher priority pod',
    });
    expect(await waitForEvent(s, victim.metadata?.name ?? '', 'Preempted')).toMatchObject({
      type: 'Normal',
      message: `Preempted by pod ${nominated.metadata?.uid ?? ''} on node n1`,
    });

    // The kubelet's part: the victim's containers stopped; the pod goes away.
    await pods.delete('default', victim.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    expect((await s.waitBound(['urgent'])).get('urgent')).toBe('n1');
    const remaining = (await pods.list('default')).items.map((p) => p.metadata?.name).sort();
    expect(remaining).toEqual(
      ['low-a', 'low-b', 'low-c', 'mid', 'urgent'].filter((n) => n !== victim.metadata?.name),
    );
  });

  it('a pod whose class says preemptionPolicy Never waits instead', async () => {
    const s = (t = await startSchedulerTest());
    await priorityClass(s, 'low', 10);
    await priorityClass(s, 'polite', 1000, 'Never');
    await s.createNodes([makeNode('n1').noUid().capacity({ cpu: '1', memory: '8Gi', pods: '110' }).obj()]);
    await s.createPods([withClass(makePod('low').noUid().node('n1').req({ cpu: '1' }).obj(), 'low')]);
    await waitFor('the cache to hold the bound pod', () => s.scheduler.cache.podCount === 1);
    await s.createPods([withClass(makePod('polite').noUid().req({ cpu: '1' }).obj(), 'polite')]);
    const event = await waitForEvent(s, 'polite', 'FailedScheduling');
    expect(event.message).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..',
    );
    const low = await s.getPod('low');
    expect(low.metadata?.deletionTimestamp).toBeUndefined();
  });
});
