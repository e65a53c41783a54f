/**
 * Placement scenarios against the real API server: each test starts a control plane, registers
 * Node objects and creates pods, and checks where this scheduler binds them — the placements
 * kube-scheduler makes for the same inputs with its default profile.
 */
import type { Event, Pod } from 'kubernetes-types/core/v1';
import { afterEach, describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/fixtures';
import { startSchedulerTest, waitFor, type SchedulerTest } from '../testing/harness';

let t: SchedulerTest | null = null;
afterEach(async () => {
  await t?.stop();
  t = null;
});

const start = async () => (t = await startSchedulerTest());
const countBy = (m: Map<string, string>) => {
  const out: Record<string, number> = {};
  for (const node of m.values()) out[node] = (out[node] ?? 0) + 1;
  return out;
};

describe('scheduler placement (real API server)', () => {
  it('spreads 100 pods over 20 nodes within their resources, then reports the 101st as Insufficient cpu', async () => {
    const s = await start();
    // 2 cpu per node, 400m per pod: exactly 5 pods fit on each node.
    await s.createNodes(
      Array.from({ length: 20 }, (_, i) =>
        makeNode(`node-${i}`).noUid().capacity({ cpu: '2', memory: '8Gi', pods: '110' }).obj(),
      ),
    );
    const names = Array.from({ length: 100 }, (_, i) => `web-${i}`);
    await s.createPods(names.map((n) => makePod(n).noUid().req({ cpu: '400m', memory: '64Mi' }).obj()));
    const placed = await s.waitBound(names, 30_000);
    const perNode = countBy(placed);
    expect(Object.keys(perNode)).toHaveLength(20);
    expect(Object.values(perNode).every((n) => n === 5)).toBe(true);

    await s.createPods([makePod('one-too-many').noUid().req({ cpu: '400m' }).obj()]);
    const msg =
      '0/20 nodes are available: 20 Insufficient cpu. preemption: 0/20 nodes are available: ' +
      '20 No preemption victims found for incoming pod..';
    const pod = await waitForCondition(s, 'one-too-many');
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message: msg,
    });
    expect(await waitForEvent(s, 'one-too-many', 'FailedScheduling')).toMatchObject({
      type: 'Warning',
      message: msg,
    });
    expect(await waitForEvent(s, 'web-0', 'Scheduled')).toMatchObject({
      type: 'Normal',
      message: `Successfully assigned default/web-0 to ${placed.get('web-0') ?? ''}`,
      source: { component: 'default-scheduler' },
    });
  });

  it('honours taints and tolerations (NoSchedule, NoExecute, PreferNoSchedule, cordon)', async () => {
    const s = await start();
    await s.createNodes([
      makeNode('gpu').noUid().taint({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }).obj(),
      makeNode('draining').noUid().taint({ key: 'maintenance', effect: 'NoExecute' }).obj(),
      makeNode('spot').noUid().taint({ key: 'spot', value: 'true', effect: 'PreferNoSchedule' }).obj(),
      makeNode('cordoned').noUid().unschedulable().obj(),
    ]);
    await s.createPods([
      makePod('plain').noUid().obj(),
      makePod('gpu-job')
        .noUid()
        .toleration({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' })
        .obj(),
      makePod('maint')
        .noUid()
        .toleration({ key: 'maintenance', operator: 'Exists', effect: 'NoExecute' })
        .obj(),
    ]);
    const placed = await s.waitBound(['plain', 'gpu-job', 'maint']);
    // plain: only "spot" has no hard taint. gpu-job: gpu and spot fit; TaintToleration prefers
    // the node without an untolerated PreferNoSchedule taint. maint: draining beats spot likewise.
    expect(Object.fromEntries(placed)).toEqual({ plain: 'spot', 'gpu-job': 'gpu', maint: 'draining' });
  });

  it('honours nodeSelector and required/preferred node affinity', async () => {
    const s = await start();
    await s.createNodes([
      makeNode('ssd-a').noUid().labels({ disk: 'ssd' }).zone('z1').obj(),
      makeNode('ssd-b').noUid().labels({ disk: 'ssd' }).zone('z2').obj(),
      makeNode('hdd-a').noUid().labels({ disk: 'hdd' }).zone('z1').obj(),
    ]);
    await s.createPods([
      makePod('wants-hdd').noUid().nodeSelector({ disk: 'hdd' }).obj(),
      makePod('ssd-in-z2')
        .noUid()
        .affinity({
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }],
            },
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                preference: {
                  matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z2'] }],
                },
              },
            ],
          },
        })
        .obj(),
      makePod('not-hdd')
        .noUid()
        .affinity({
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                {
                  matchExpressions: [
                    { key: 'disk', operator: 'NotIn', values: ['hdd'] },
                    { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1'] },
                  ],
                },
              ],
            },
          },
        })
        .obj(),
    ]);
    const placed = await s.waitBound(['wants-hdd', 'ssd-in-z2', 'not-hdd']);
    expect(Object.fromEntries(placed)).toEqual({
      'wants-hdd': 'hdd-a',
      'ssd-in-z2': 'ssd-b',
      'not-hdd': 'ssd-a',
    });
  });

  it('keeps replicas with hostname anti-affinity on distinct nodes and leaves the extra one pending', async () => {
    const s = await start();
    await s.createNodes(['h1', 'h2', 'h3'].map((n) => makeNode(n).noUid().obj()));
    const replica = (name: string): Pod =>
      makePod(name)
        .noUid()
        .labels({ app: 'web' })
        .affinity({
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
            ],
          },
        })
        .obj();
    await s.createPods(['r0', 'r1', 'r2'].map(replica));
    const placed = await s.waitBound(['r0', 'r1', 'r2']);
    expect(new Set(placed.values())).toEqual(new Set(['h1', 'h2', 'h3']));

    await s.createPods([replica('r3')]);
    const pod = await waitForCondition(s, 'r3');
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are " +
        'available: 3 No preemption victims found for incoming pod..',
    );
  });

  it('spreads over zones with a DoNotSchedule topology spread constraint', async () => {
    const s = await start();
    // Four nodes in zone-a, one each in b and c: resource scoring alone would put most pods in
    // zone-a; only the constraint (maxSkew 1 per zone) makes it 3/3/3.
    await s.createNodes([
      ...[1, 2, 3, 4].map((i) => makeNode(`a${i}`).noUid().zone('zone-a').obj()),
      makeNode('b1').noUid().zone('zone-b').obj(),
      makeNode('c1').noUid().zone('zone-c').obj(),
    ]);
    const spread = (name: string): Pod => {
      const p = makePod(name).noUid().labels({ app: 'spread' }).req({ cpu: '100m' }).obj();
      return {
        ...p,
        spec: {
          containers: p.spec?.containers ?? [],
          ...p.spec,
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'spread' } },
            },
          ],
        },
      };
    };
    const names = Array.from({ length: 9 }, (_, i) => `s${i}`);
    // One at a time: each placement is decided with the previous ones bound.
    for (const n of names) {
      await s.createPods([spread(n)]);
      await s.waitBound([n]);
    }
    const placed = await s.waitBound(names);
    const perZone: Record<string, number> = {};
    for (const node of placed.values()) perZone[node[0] ?? ''] = (perZone[node[0] ?? ''] ?? 0) + 1;
    expect(perZone).toEqual({ a: 3, b: 3, c: 3 });
  });
});

function waitForEvent(s: SchedulerTest, name: string, reason: string): Promise<Event> {
  return waitFor(`${reason} event for ${name}`, async () =>
    (await s.eventsFor(name)).find((e) => e.reason === reason),
  );
}

function waitForCondition(s: SchedulerTest, name: string): Promise<Pod> {
  return waitFor(`PodScheduled condition on ${name}`, async () => {
    const p = await s.getPod(name);
    return p.status?.conditions?.some((c) => c.type === 'PodScheduled') ? p : undefined;
  });
}
