/**
 * Node lifecycle and taint eviction against the real API server, with simulated nodes and short
 * periods: a node that stops heartbeating goes Unknown after the grace period, gets the
 * unreachable taint, its pods are marked not ready and evicted at their toleration deadline, and
 * it loses the taint when it comes back.
 */
import type { Event, Node, Pod, Taint } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { type SimNodes, startSimNodes } from '../../../sim/nodes';
import { createPod, getPod, makePod } from '../../../sim/testing';
import { createNodeIpamController } from '../nodeipam/controller';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createNodeLifecycleController } from './controller';
import { createTaintEvictionController } from './taint-eviction';

const OPTIONS = { nodeMonitorPeriodMs: 200, nodeMonitorGracePeriodMs: 1_500, nodeEvictionRate: 10 };
const CONTROLLERS = [createNodeIpamController, createNodeLifecycleController, createTaintEvictionController];
const HEARTBEAT_MS = 200;

const getNode = (c: KubeClient, name: string) => c.resource<Node>(R.nodes).get('', name);
const condition = (n: Node, type: string) => n.status?.conditions?.find((c) => c.type === type);
const taint = (n: Node, key: string, effect: string): Taint | undefined =>
  n.spec?.taints?.find((t) => t.key === `node.kubernetes.io/${key}` && t.effect === effect);
const podReady = (p: Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

async function events(c: KubeClient, reason: string): Promise<Event[]> {
  return (await c.resource<Event>(R.events).list('default')).items.filter((e) => e.reason === reason);
}

async function running(c: KubeClient, names: string[]): Promise<void> {
  await waitFor(`${names.join(', ')} running`, async () => {
    const pods = await Promise.all(names.map((n) => getPod(c, 'default', n)));
    return pods.every((p) => p?.status?.phase === 'Running' && podReady(p) === 'True');
  });
}

describe('a node that stops heartbeating', () => {
  let t: ControllerTest;
  let sim: SimNodes;
  beforeAll(async () => {
    t = await startControllerTest(CONTROLLERS, { options: OPTIONS });
    sim = await startSimNodes({ client: t.client, count: 3, namePrefix: 'lc-', heartbeatMs: HEARTBEAT_MS });
  });
  afterAll(async () => {
    await sim.stop();
    await t.stop();
  });

  it('goes Unknown, is tainted, has its pods marked not ready and evicted by their tolerations', async () => {
    const c = t.client;
    await createPod(c, makePod('intolerant').node('lc-0').tolerateNodeProblemsFor(0).obj());
    await createPod(c, makePod('tolerant').node('lc-0').tolerateNodeProblemsFor(2).obj());
    await createPod(
      c,
      makePod('forever')
        .node('lc-0')
        .tolerate({ key: 'node.kubernetes.io/unreachable', operator: 'Exists' })
        .obj(),
    );
    await createPod(c, makePod('elsewhere').node('lc-1').tolerateNodeProblemsFor(1).obj());
    await running(c, ['intolerant', 'tolerant', 'forever', 'elsewhere']);

    sim.stopHeartbeat('lc-0');
    const unknown = await waitFor('lc-0 Unknown', async () => {
      const n = await getNode(c, 'lc-0');
      return condition(n, 'Ready')?.status === 'Unknown' ? n : undefined;
    });
    expect(condition(unknown, 'Ready')).toMatchObject({
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    for (const type of ['MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      expect(condition(unknown, type)?.status).toBe('Unknown');
    }
    // The grace period is counted from the last heartbeat the controller saw.
    const heartbeat = Date.parse(condition(unknown, 'Ready')?.lastHeartbeatTime ?? '');
    const transition = Date.parse(condition(unknown, 'Ready')?.lastTransitionTime ?? '');
    expect(transition - heartbeat).toBeGreaterThanOrEqual(OPTIONS.nodeMonitorGracePeriodMs - 1_000);

    const tainted = await waitFor('unreachable NoExecute taint', async () => {
      const n = await getNode(c, 'lc-0');
      return taint(n, 'unreachable', 'NoExecute') && taint(n, 'unreachable', 'NoSchedule') ? n : undefined;
    });
    const taintedAt = Date.parse(taint(tainted, 'unreachable', 'NoExecute')?.timeAdded ?? '');
    expect(Number.isNaN(taintedAt)).toBe(false);

    await waitFor(
      'pods on lc-0 not ready',
      async () => podReady(await getPod(c, 'default', 'forever')) === 'False',
    );
    expect(podReady(await getPod(c, 'default', 'elsewhere'))).toBe('True');

    // tolerationSeconds 0: deleted at once. The dead kubelet never finishes, so it stays Terminating.
    const intolerant = await waitFor('intolerant evicted', async () => {
      const p = await getPod(c, 'default', 'intolerant');
      return p?.metadata?.deletionTimestamp ? p : undefined;
    });
    expect(intolerant.status?.conditions?.find((x) => x.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'DeletionByTaintManager',
    });

    // tolerationSeconds 2: deleted once they ran out, not before.
    const tolerant = await waitFor(
      'tolerant evicted',
      async () => {
        const p = await getPod(c, 'default', 'tolerant');
        return p?.metadata?.deletionTimestamp ? p : undefined;
      },
      15_000,
    );
    const evictedAt = Date.parse(
      tolerant.status?.conditions?.find((x) => x.type === 'DisruptionTarget')?.lastTransitionTime ?? '',
    );
    expect(evictedAt - taintedAt).toBeGreaterThanOrEqual(1_000); // 2 s, less one for whole-second stamps

    const marked = await events(c, 'TaintManagerEviction');
    expect(marked.map((e) => e.message)).toEqual(
      expect.arrayContaining([
        'Marking for deletion Pod default/intolerant',
        'Marking for deletion Pod default/tolerant',
      ]),
    );
    const notReady = await events(c, 'NodeNotReady');
    expect(notReady.map((e) => e.message)).toContain('Node lc-0 status is now: NodeNotReady');
    expect(notReady.some((e) => e.involvedObject.kind === 'Pod' && e.message === 'Node is not ready')).toBe(
      true,
    );

    // A toleration without tolerationSeconds keeps the pod for good.
    expect((await getPod(c, 'default', 'forever'))?.metadata?.deletionTimestamp).toBeUndefined();
    expect((await getPod(c, 'default', 'elsewhere'))?.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('loses its taints when it comes back, and its pods are ready again', async () => {
    const c = t.client;
    await sim.resume('lc-0');
    await waitFor('lc-0 untainted', async () => {
      const n = await getNode(c, 'lc-0');
      return condition(n, 'Ready')?.status === 'True' && (n.spec?.taints ?? []).length === 0;
    });
    await waitFor('forever ready', async () => podReady(await getPod(c, 'default', 'forever')) === 'True');
    // The live kubelet now finishes the evicted pods' deletion.
    await waitFor('evicted pods gone', async () => {
      const pods = await Promise.all(['intolerant', 'tolerant'].map((n) => getPod(c, 'default', n)));
      return pods.every((p) => p === undefined);
    });
  });

  it('gets the not-ready taint when its kubelet reports NotReady, and loses it when Ready', async () => {
    const c = t.client;
    sim.setNotReady('lc-1');
    await waitFor('not-ready NoExecute taint', async () => {
      const n = await getNode(c, 'lc-1');
      return taint(n, 'not-ready', 'NoExecute') && taint(n, 'not-ready', 'NoSchedule');
    });
    // Its pod is evicted after its second, and the (still running) kubelet finishes the deletion.
    await waitFor('elsewhere gone', async () => (await getPod(c, 'default', 'elsewhere')) === undefined);
    await sim.resume('lc-1');
    await waitFor('lc-1 untainted', async () => ((await getNode(c, 'lc-1')).spec?.taints ?? []).length === 0);
  });

  it('evicts pods that do not tolerate a NoExecute taint someone else adds', async () => {
    const c = t.client;
    await createPod(c, makePod('plain').node('lc-2').obj());
    await createPod(
      c,
      makePod('dedicated').node('lc-2').tolerate({ key: 'dedicated', operator: 'Exists' }).obj(),
    );
    await running(c, ['plain', 'dedicated']);
    expect((await t.cluster.kubectl(['taint', 'nodes', 'lc-2', 'dedicated=db:NoExecute'])).code).toBe(0);
    await waitFor('plain gone', async () => (await getPod(c, 'default', 'plain')) === undefined);
    expect((await getPod(c, 'default', 'dedicated'))?.metadata?.deletionTimestamp).toBeUndefined();
    expect((await t.cluster.kubectl(['taint', 'nodes', 'lc-2', 'dedicated-'])).code).toBe(0);
  });

  it('mirrors cordoning as the unschedulable NoSchedule taint', async () => {
    const r = await t.cluster.kubectl(['cordon', 'lc-2']);
    expect(r.code).toBe(0);
    await waitFor('unschedulable taint', async () =>
      taint(await getNode(t.client, 'lc-2'), 'unschedulable', 'NoSchedule'),
    );
    await t.cluster.kubectl(['uncordon', 'lc-2']);
    await waitFor(
      'no taint',
      async () => ((await getNode(t.client, 'lc-2')).spec?.taints ?? []).length === 0,
    );
  });
});

describe('when no node is ready', () => {
  it('stops evictions (master disruption mode) instead of tainting every node', async () => {
    const t = await startControllerTest(CONTROLLERS, { options: OPTIONS });
    const sim = await startSimNodes({
      client: t.client,
      count: 2,
      namePrefix: 'fd-',
      heartbeatMs: HEARTBEAT_MS,
    });
    try {
      // The nodes fall silent together, but one may be seen Unknown a pass before the other and
      // be tainted for a moment: a 2 s toleration rides that out, as the default 300 s does.
      await createPod(t.client, makePod('p').node('fd-0').tolerateNodeProblemsFor(2).obj());
      await running(t.client, ['p']);
      for (const n of sim.names) sim.stopHeartbeat(n);
      const untainted = async () => {
        const nodes = await Promise.all(sim.names.map((n) => getNode(t.client, n)));
        return nodes.every(
          (n) =>
            condition(n, 'Ready')?.status === 'Unknown' &&
            taint(n, 'unreachable', 'NoSchedule') &&
            !taint(n, 'unreachable', 'NoExecute'),
        );
      };
      await waitFor('both Unknown, NoSchedule taints only', untainted);
      // Past the toleration, still no NoExecute taint and the pod stays.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await untainted()).toBe(true);
      expect((await getPod(t.client, 'default', 'p'))?.metadata?.deletionTimestamp).toBeUndefined();
    } finally {
      await sim.stop();
      await t.stop();
    }
  });
});
