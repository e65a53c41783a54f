import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import type { KubeClient, KubeObject, ResourceRef } from '../../../kube/types';
import { settleLimit } from '../replicaset/batch';
import { createReplicaSetController } from '../replicaset/replicaset';
import { makeReplicaSet, runPod } from '../replicaset/testing';
import { createGarbageCollectorController } from '../garbagecollector/collector';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createNamespaceController } from './controller';

let t: ControllerTest;
let client: KubeClient;
const nsApi = () => client.resource<Namespace>(R.namespaces);

async function namespaceGone(name: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `namespace ${name} removed`,
    async () => {
      try {
        await nsApi().get('', name);
        return false;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    },
    timeoutMs,
  );
}

async function condition(ns: string, type: string) {
  const cur = await nsApi().get('', ns);
  return cur.status?.conditions?.find((c) => c.type === type);
}

/**
 * What kubelets do for pods being deleted in `ns`: finish the deletion. Runs until `stop()`,
 * polling every 100 ms (bounded by the test's own timeouts).
 */
function fakeKubelet(ns: string) {
  let running = true;
  const loop = (async () => {
    while (running) {
      const pods = (
        await client
          .resource<Pod>(R.pods)
          .list(ns)
          .catch(() => ({ items: [] as Pod[] }))
      ).items;
      for (const p of pods.filter((x) => x.metadata?.deletionTimestamp)) {
        await client
          .resource(R.pods)
          .delete(ns, p.metadata?.name ?? '', { gracePeriodSeconds: 0 })
          .catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    running = false;
    await loop;
  };
}

const objectsFor = (i: number): [ResourceRef, KubeObject][] => [
  ...Array.from({ length: 4 }, (_, j): [ResourceRef, KubeObject] => [
    R.configmaps,
    { metadata: { name: `cm-${i}-${j}` }, data: { i: String(i) } } as KubeObject,
  ]),
  ...Array.from({ length: 3 }, (_, j): [ResourceRef, KubeObject] => [
    R.secrets,
    { metadata: { name: `secret-${i}-${j}` }, stringData: { i: String(i) } } as KubeObject,
  ]),
  [R.services, { metadata: { name: `svc-${i}` }, spec: { ports: [{ port: 80 }] } } as KubeObject],
  [R.serviceaccounts, { metadata: { name: `sa-${i}` } }],
];

beforeAll(async () => {
  t = await startControllerTest([
    createNamespaceController,
    createReplicaSetController,
    createGarbageCollectorController,
  ]);
  client = t.client;
});

afterAll(async () => {
  await t.stop();
});

describe('namespace controller', () => {
  it('empties a namespace of 1,000 objects of mixed kinds, waits for terminating pods, then removes it', async () => {
    const ns = 'big';
    await nsApi().create('', { metadata: { name: ns } });
    // 100 × 9 configmaps, secrets, services and service accounts …
    const jobs = Array.from({ length: 100 }, (_, i) => objectsFor(i)).flat();
    // … 60 pods (10 of them bound, with a grace period), and 40 ReplicaSets of 1 pod.
    for (let i = 0; i < 60; i++) {
      jobs.push([
        R.pods,
        {
          metadata: { name: `pod-${i}`, labels: { kind: 'bare' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }], terminationGracePeriodSeconds: 30 },
        } as KubeObject,
      ]);
    }
    for (let i = 0; i < 40; i++) jobs.push([R.replicasets, makeReplicaSet(`rs-${i}`, 1, { namespace: ns })]);
    expect(jobs).toHaveLength(1000);
    const created = await settleLimit(jobs, 32, ([ref, obj]) => client.resource(ref).create(ns, obj));
    expect(created.filter((r) => r.status === 'rejected')).toEqual([]);
    await waitFor(
      'ReplicaSet pods',
      async () => (await client.resource(R.pods).list(ns)).items.length === 100,
    );
    const bare = (await client.resource<Pod>(R.pods).list(ns, { labelSelector: 'kind=bare' })).items;
    for (const p of bare.slice(0, 10)) await runPod(client, p);

    const del = await t.cluster.kubectl(['delete', 'namespace', ns, '--wait=false']);
    expect(del.stdout).toContain(`namespace "${ns}" deleted`);
    // Everything but the 10 running pods goes; they wait for their kubelet.
    const remaining = await waitFor(
      'only the terminating pods left',
      async () => {
        const c = await condition(ns, 'NamespaceContentRemaining');
        return c?.message === 'Some resources are remaining: pods. has 10 resource instances' ? c : undefined;
      },
      60_000,
    );
    expect(remaining).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain' });
    expect((await nsApi().get('', ns)).status?.phase).toBe('Terminating');
    for (const ref of [R.configmaps, R.secrets, R.services, R.replicasets]) {
      expect((await client.resource(ref).list(ns)).items, ref.plural).toEqual([]);
    }

    const stopKubelet = fakeKubelet(ns);
    try {
      await namespaceGone(ns, 30_000);
    } finally {
      await stopKubelet();
    }
    const kubectl = await t.cluster.kubectl(['get', 'namespace', ns]);
    expect(kubectl.stderr).toContain('NotFound');
  }, 180_000);

  it('waits for content held by a finalizer and says so in NamespaceFinalizersRemaining', async () => {
    const ns = 'held';
    await nsApi().create('', { metadata: { name: ns } });
    await client.resource(R.configmaps).create(ns, {
      metadata: { name: 'keep', finalizers: ['example.com/hold'] },
    });
    await nsApi().delete('', ns);
    const held = await waitFor('finalizer condition', async () => {
      const c = await condition(ns, 'NamespaceFinalizersRemaining');
      return c?.status === 'True' ? c : undefined;
    });
    expect(held).toMatchObject({
      reason: 'SomeFinalizersRemain',
      message:
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect(await condition(ns, 'NamespaceDeletionContentFailure')).toMatchObject({
      status: 'False',
      reason: 'ContentDeleted',
    });
    await client.resource(R.configmaps).patch(ns, 'keep', 'merge', { metadata: { finalizers: null } });
    await namespaceGone(ns, 30_000);
  });

  it('leaves active namespaces alone', async () => {
    await nsApi().create('', { metadata: { name: 'alive' } });
    await client.resource(R.configmaps).create('alive', { metadata: { name: 'stays' } });
    // Deleting another namespace makes the controller work; this one must keep its content.
    await nsApi().create('', { metadata: { name: 'doomed' } });
    await nsApi().delete('', 'doomed');
    await namespaceGone('doomed', 15_000);
    expect((await client.resource(R.configmaps).get('alive', 'stays')).metadata?.name).toBe('stays');
  });
});
