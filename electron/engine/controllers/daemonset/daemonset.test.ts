/**
 * The DaemonSet controller against a real API server (startControllerTest), with Node objects
 * created directly and a fake kubelet binding and readying pods (no scheduler runs here).
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1';
import type { Event, Node, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { ResourceClient } from '../../../kube/types';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revisions';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createDaemonSetController } from './daemonset';
import { targetNodeName } from './eligibility';
import { type FakeKubelet, IMAGE, makeDaemonSet, makeNode, startFakeKubelet } from './testing';

const NS = 'default';
let t: ControllerTest;
let kubelet: FakeKubelet;
let pods: ResourceClient<Pod>;
let nodes: ResourceClient<Node>;
let sets: ResourceClient<DaemonSet>;
/** Pods with this image stay not ready until the test says so. */
const SLOW_IMAGE = 'busybox:slow';

beforeAll(async () => {
  t = await startControllerTest([createDaemonSetController]);
  pods = t.client.resource<Pod>(R.pods);
  nodes = t.client.resource<Node>(R.nodes);
  sets = t.client.resource<DaemonSet>(R.daemonsets);
  kubelet = await startFakeKubelet(t.client, {
    autoReady: (p) => p.spec?.containers[0]?.image !== SLOW_IMAGE,
  });
  for (const n of ['n1', 'n2', 'n3']) await nodes.create('', makeNode(n, { labels: { tier: 'app' } }));
}, 60_000);

afterAll(async () => {
  await kubelet.stop();
  await t.stop();
});

const live = async (app: string) =>
  (await pods.list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
const nodesOf = (list: Pod[]) => list.map((p) => targetNodeName(p) ?? '?').sort();
const images = (list: Pod[]) => list.map((p) => p.spec?.containers[0]?.image).sort();

async function setImage(name: string, image: string): Promise<void> {
  await sets.patch(NS, name, 'merge', {
    spec: { template: { spec: { containers: [{ name: 'main', image }] } } },
  });
}

async function rolledOut(name: string): Promise<DaemonSet> {
  return waitFor(`${name} rolled out`, async () => {
    const ds = await sets.get(NS, name);
    const s = ds.status;
    return s &&
      s.observedGeneration === ds.metadata?.generation &&
      s.updatedNumberScheduled === s.desiredNumberScheduled &&
      s.numberAvailable === s.desiredNumberScheduled &&
      s.currentNumberScheduled === s.desiredNumberScheduled
      ? ds
      : undefined;
  });
}

describe('DaemonSet controller', () => {
  it('runs one pod per eligible node, pinned by node affinity, with daemon tolerations, and reports status', async () => {
    await nodes.create(
      '',
      makeNode('tainted', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
    );
    await sets.create(NS, makeDaemonSet('agent'));
    const ds = await rolledOut('agent');
    expect(ds.status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
      numberMisscheduled: 0,
    });
    const list = await live('agent');
    expect(nodesOf(list)).toEqual(['n1', 'n2', 'n3']);
    const pod = list[0] as Pod;
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'DaemonSet',
      name: 'agent',
      controller: true,
    });
    expect(pod.metadata?.generateName).toBe('agent-');
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec?.nodeName] }] },
      ],
    });
    const keys = (pod.spec?.tolerations ?? []).map((x) => `${x.key}:${x.effect}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'node.kubernetes.io/not-ready:NoExecute',
        'node.kubernetes.io/unreachable:NoExecute',
        'node.kubernetes.io/disk-pressure:NoSchedule',
        'node.kubernetes.io/memory-pressure:NoSchedule',
        'node.kubernetes.io/pid-pressure:NoSchedule',
        'node.kubernetes.io/unschedulable:NoSchedule',
      ]),
    );
    const revs = (await t.client.resource<ControllerRevision>(R.controllerrevisions).list(NS)).items.filter(
      (r) => r.metadata?.ownerReferences?.[0]?.name === 'agent',
    );
    expect(revs).toHaveLength(1);
    expect(revs[0]?.revision).toBe(1);
    expect(pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(
      revs[0]?.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL],
    );
    const events = await waitFor('SuccessfulCreate events', async () => {
      const ev = (await t.client.resource<Event>(R.events).list(NS)).items.filter(
        (e) => e.involvedObject.name === 'agent' && e.reason === 'SuccessfulCreate',
      );
      return ev.length === 3 ? ev : undefined;
    });
    expect(events[0]?.message).toMatch(/^Created pod: agent-[a-z0-9]{5}$/);
    expect(
      (await t.cluster.kubectl(['rollout', 'status', 'daemonset/agent', '--timeout=20s'])).stdout,
    ).toContain('daemon set "agent" successfully rolled out');
    await nodes.delete('', 'tainted');
  });

  it('follows nodes: new eligible nodes get a pod, NoExecute taints and label changes remove it, NoSchedule keeps it as misscheduled', async () => {
    await sets.create(NS, makeDaemonSet('sel', { nodeSelector: { tier: 'app' } }));
    await waitFor('3 pods', async () => (await live('sel')).length === 3);
    await nodes.create('', makeNode('n4', { labels: { tier: 'app' } }));
    await waitFor('pod on n4', async () => nodesOf(await live('sel')).includes('n4'));
    // Label no longer matches: the pod goes.
    await nodes.patch('', 'n4', 'merge', { metadata: { labels: { tier: 'web' } } });
    await waitFor('pod off n4', async () => !nodesOf(await live('sel')).includes('n4'));
    // An untolerated NoSchedule taint keeps the running pod but counts it as misscheduled.
    await nodes.patch('', 'n3', 'merge', {
      spec: { taints: [{ key: 'x', value: 'y', effect: 'NoSchedule' }] },
    });
    const ds = await waitFor('misscheduled', async () => {
      const d = await sets.get(NS, 'sel');
      return d.status?.numberMisscheduled === 1 && d.status.desiredNumberScheduled === 2 ? d : undefined;
    });
    expect(ds.status?.currentNumberScheduled).toBe(2);
    expect(nodesOf(await live('sel'))).toEqual(['n1', 'n2', 'n3']);
    // NoExecute evicts it.
    await nodes.patch('', 'n3', 'merge', {
      spec: { taints: [{ key: 'x', value: 'y', effect: 'NoExecute' }] },
    });
    await waitFor('pod off n3', async () => !nodesOf(await live('sel')).includes('n3'));
    await nodes.patch('', 'n3', 'merge', { spec: { taints: null } });
    await nodes.delete('', 'n4');
    await waitFor('pod back on n3', async () => nodesOf(await live('sel')).includes('n3'));
  });

  it('RollingUpdate with maxUnavailable 1 replaces one pod at a time, then kubectl rollout status and undo work', async () => {
    await sets.create(NS, makeDaemonSet('roll'));
    await rolledOut('roll');
    await setImage('roll', SLOW_IMAGE);
    // The first new pod never becomes ready, so exactly one node is replaced.
    await waitFor('one new pod', async () => {
      const list = await live('roll');
      return list.length === 3 && images(list).join() === [IMAGE, IMAGE, SLOW_IMAGE].sort().join();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(images(await live('roll'))).toEqual([IMAGE, IMAGE, SLOW_IMAGE].sort());
    const stuck = await sets.get(NS, 'roll');
    expect(stuck.status?.updatedNumberScheduled).toBe(1);
    expect(stuck.status?.numberUnavailable).toBe(1);
    // Ready the new pods as they come: the rollout completes.
    const readyAll = async () => {
      for (const p of await live('roll')) {
        if (p.spec?.nodeName && p.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True')
          await kubelet.setReady(NS, p.metadata?.name ?? '', true);
      }
    };
    await waitFor(
      'all slow pods',
      async () => {
        await readyAll();
        const list = await live('roll');
        return list.length === 3 && list.every((p) => p.spec?.containers[0]?.image === SLOW_IMAGE);
      },
      20_000,
    );
    await readyAll();
    await rolledOut('roll');
    const status = await t.cluster.kubectl(['rollout', 'status', 'daemonset/roll', '--timeout=20s']);
    expect(status.stdout).toContain('daemon set "roll" successfully rolled out');
    const history = await t.cluster.kubectl(['rollout', 'history', 'daemonset/roll']);
    expect(history.stdout).toMatch(/REVISION[\s\S]*1[\s\S]*2/);
    // Undo goes back to revision 1's template, renumbered 3.
    const undo = await t.cluster.kubectl(['rollout', 'undo', 'daemonset/roll']);
    expect(undo.code, undo.stderr).toBe(0);
    await waitFor('back to first image', async () => {
      const list = await live('roll');
      return list.length === 3 && list.every((p) => p.spec?.containers[0]?.image === IMAGE);
    });
    const revs = (await t.client.resource<ControllerRevision>(R.controllerrevisions).list(NS)).items
      .filter((r) => r.metadata?.ownerReferences?.[0]?.name === 'roll')
      .map((r) => r.revision)
      .sort();
    expect(revs).toEqual([2, 3]);
  }, 60_000);

  it('RollingUpdate with maxSurge starts the new pod next to the old one and deletes the old one once it is available', async () => {
    await sets.create(
      NS,
      makeDaemonSet('surge', {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      }),
    );
    await rolledOut('surge');
    await setImage('surge', SLOW_IMAGE);
    const surged = await waitFor('a surge pod', async () => {
      const list = await live('surge');
      return list.length === 4 ? list : undefined;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(images(await live('surge'))).toEqual([IMAGE, IMAGE, IMAGE, SLOW_IMAGE].sort());
    const fresh = surged.find((p) => p.spec?.containers[0]?.image === SLOW_IMAGE) as Pod;
    const node = targetNodeName(fresh);
    await kubelet.setReady(NS, fresh.metadata?.name ?? '', true);
    await waitFor('old pod on that node gone', async () => {
      const onNode = (await live('surge')).filter((p) => targetNodeName(p) === node);
      return onNode.length === 1 && onNode[0]?.spec?.containers[0]?.image === SLOW_IMAGE;
    });
  }, 30_000);

  it('OnDelete replaces a pod only when it is deleted', async () => {
    await sets.create(NS, makeDaemonSet('ondel', { strategy: { type: 'OnDelete' } }));
    await rolledOut('ondel');
    await setImage('ondel', 'busybox:2');
    const ds = await waitFor('update observed', async () => {
      const d = await sets.get(NS, 'ondel');
      return d.status?.observedGeneration === d.metadata?.generation ? d : undefined;
    });
    expect(ds.status?.updatedNumberScheduled).toBe(0);
    const victim = (await live('ondel'))[0] as Pod;
    await pods.delete(NS, victim.metadata?.name ?? '');
    await waitFor('replacement with new template', async () => {
      const list = await live('ondel');
      return list.length === 3 && images(list).join() === [IMAGE, IMAGE, 'busybox:2'].sort().join();
    });
    const after = await waitFor('status', async () => {
      const d = await sets.get(NS, 'ondel');
      return d.status?.updatedNumberScheduled === 1 ? d : undefined;
    });
    expect(after.status?.desiredNumberScheduled).toBe(3);
  });

  it('adopts a matching orphan pod instead of creating another, and replaces failed pods', async () => {
    const orphan: Pod = {
      metadata: { name: 'adopt-me', labels: { app: 'adopt' } },
      spec: {
        containers: [{ name: 'main', image: IMAGE }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
              ],
            },
          },
        },
      },
    };
    await pods.create(NS, orphan);
    await waitFor('orphan bound', async () => Boolean((await pods.get(NS, 'adopt-me')).spec?.nodeName));
    // OnDelete: a RollingUpdate would (rightly) replace the adopted pod, which has no revision hash.
    await sets.create(NS, makeDaemonSet('adopt', { strategy: { type: 'OnDelete' } }));
    await waitFor('3 pods', async () => (await sets.get(NS, 'adopt')).status?.currentNumberScheduled === 3);
    const list = await live('adopt');
    expect(nodesOf(list)).toEqual(['n1', 'n2', 'n3']);
    const adopted = await pods.get(NS, 'adopt-me');
    expect(adopted.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'DaemonSet', name: 'adopt' });
    // A failed pod is deleted (with a warning) and replaced.
    await pods.updateStatus({ ...adopted, status: { ...adopted.status, phase: 'Failed' } });
    await waitFor('failed pod replaced', async () => {
      const now = await live('adopt');
      return now.length === 3 && !now.some((p) => p.metadata?.name === 'adopt-me') ? now : undefined;
    });
    const warned = await waitFor('FailedDaemonPod event', async () =>
      (await t.client.resource<Event>(R.events).list(NS)).items.find(
        (e) => e.involvedObject.name === 'adopt' && e.reason === 'FailedDaemonPod',
      ),
    );
    expect(warned.message).toBe('Found failed daemon pod default/adopt-me on node n1, will try to kill it');
  });
});
