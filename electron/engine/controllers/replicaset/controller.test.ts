import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Event, Pod, ReplicationController } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import { InformerFactory } from '../../../kube/informer';
import type { KubeClient, KubeObject, ResourceClient, ResourceRef, WatchEvent } from '../../../kube/types';
import type { ControllerFactory } from '../types';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createReplicaSetController } from './replicaset';
import { createReplicationControllerController } from './replicationcontroller';
import { makeReplicaSet, makeReplicationController, runPod } from './testing';

let t: ControllerTest;
let client: KubeClient;
const rsApi = () => client.resource<ReplicaSet>(R.replicasets);
const podApi = () => client.resource<Pod>(R.pods);

async function podsOf(app: string): Promise<Pod[]> {
  return (await podApi().list('default', { labelSelector: `app=${app}` })).items;
}

async function activePodsOf(app: string): Promise<Pod[]> {
  return (await podsOf(app)).filter((p) => !p.metadata?.deletionTimestamp);
}

async function eventsFor(name: string, reason: string): Promise<Event[]> {
  const all = (await client.resource<Event>(R.events).list('default')).items;
  return all.filter((e) => e.involvedObject.name === name && e.reason === reason);
}

/** Waits until the ReplicaSet reports `replicas` and has observed its latest generation. */
async function settled(name: string, replicas: number, timeoutMs = 20_000): Promise<ReplicaSet> {
  return waitFor(
    `${name} at ${replicas} replicas`,
    async () => {
      const rs = await rsApi().get('default', name);
      const ok =
        rs.status?.replicas === replicas &&
        rs.status.observedGeneration === rs.metadata?.generation &&
        (await activePodsOf(name)).length === replicas;
      return ok ? rs : undefined;
    },
    timeoutMs,
  );
}

/**
 * A KubeClient whose watch events arrive `ms` late (in order): an informer cache that lags the
 * API server, as under load — the situation the controller's expectations exist for.
 */
function laggingWatches(c: KubeClient, ms: number): KubeClient {
  return {
    ...c,
    resource<T extends KubeObject>(ref: ResourceRef): ResourceClient<T> {
      const r = c.resource<T>(ref);
      return {
        ...r,
        watch: (ns, opts, onEvent) =>
          r.watch(ns, opts, (e: WatchEvent<T>) => setTimeout(() => onEvent(e), ms)),
      };
    },
  };
}

/** The ReplicaSet controller on its own informers, fed by lagging watches. */
const laggingReplicaSetController: ControllerFactory = (ctx) => {
  const informers = new InformerFactory(laggingWatches(ctx.client, 300), ctx.log);
  const controller = createReplicaSetController({ ...ctx, informers });
  let ready: Promise<void> = Promise.resolve();
  return {
    name: controller.name,
    start() {
      informers.start();
      ready = informers.waitForSync().then(() => controller.start());
    },
    async stop() {
      await ready;
      await controller.stop();
      await informers.stop();
    },
  };
};

beforeAll(async () => {
  t = await startControllerTest([laggingReplicaSetController, createReplicationControllerController]);
  client = t.client;
});

afterAll(async () => {
  await t.stop();
});

describe('ReplicaSet controller', () => {
  it('creates exactly spec.replicas pods from the template, each with a controller reference', async () => {
    const created = await rsApi().create('default', makeReplicaSet('web', 3));
    await settled('web', 3);
    const pods = await podsOf('web');
    expect(pods).toHaveLength(3);
    for (const pod of pods) {
      expect(pod.metadata?.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(pod.metadata?.labels).toEqual({ app: 'web' });
      expect(pod.metadata?.annotations).toEqual({ 'example.com/from': 'template' });
      expect(pod.metadata?.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: created.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    const events = await waitFor('3 SuccessfulCreate events', async () => {
      const ev = await eventsFor('web', 'SuccessfulCreate');
      return ev.length === 3 ? ev : undefined;
    });
    expect(events.map((e) => e.message).sort()).toEqual(
      pods.map((p) => `Created pod: ${p.metadata?.name ?? ''}`).sort(),
    );
    expect(events[0]?.source?.component).toBe('replicaset-controller');
  });

  it('replaces a deleted pod', async () => {
    await rsApi().create('default', makeReplicaSet('heal', 2));
    await settled('heal', 2);
    const [victim] = await podsOf('heal');
    await podApi().delete('default', victim?.metadata?.name ?? '');
    await waitFor('a replacement pod', async () => {
      const pods = await activePodsOf('heal');
      return pods.length === 2 && pods.every((p) => p.metadata?.uid !== victim?.metadata?.uid);
    });
  });

  it('scales with kubectl scale, deleting unscheduled pods before running ones', async () => {
    await rsApi().create('default', makeReplicaSet('scale', 2));
    await settled('scale', 2);
    const up = await t.cluster.kubectl(['scale', 'rs/scale', '--replicas=5']);
    expect(up.stdout).toContain('replicaset.apps/scale scaled');
    await settled('scale', 5);
    const running = (await podsOf('scale')).slice(0, 3);
    for (const pod of running) await runPod(client, pod);
    await waitFor(
      '3 ready replicas',
      async () => (await rsApi().get('default', 'scale')).status?.readyReplicas === 3,
    );

    const down = await t.cluster.kubectl(['scale', 'rs/scale', '--replicas=3']);
    expect(down.code).toBe(0);
    await settled('scale', 3);
    const left = (await activePodsOf('scale')).map((p) => p.metadata?.name).sort();
    expect(left).toEqual(running.map((p) => p.metadata?.name).sort());
    const deleted = await waitFor('2 SuccessfulDelete events', async () => {
      const ev = await eventsFor('scale', 'SuccessfulDelete');
      return ev.length === 2 ? ev : undefined;
    });
    expect(deleted.every((e) => e.message?.startsWith('Deleted pod: scale-'))).toBe(true);
  });

  it('reports ready and available replicas, honouring minReadySeconds', async () => {
    await rsApi().create('default', makeReplicaSet('avail', 3, { minReadySeconds: 3600 }));
    await settled('avail', 3);
    const [a, b] = await podsOf('avail');
    if (!a || !b) throw new Error('pods missing');
    await runPod(client, a, 'node-1', new Date(Date.now() - 2 * 3600_000));
    await runPod(client, b, 'node-1', new Date());
    const rs = await waitFor('status with 2 ready', async () => {
      const cur = await rsApi().get('default', 'avail');
      return cur.status?.readyReplicas === 2 ? cur : undefined;
    });
    expect(rs.status).toMatchObject({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 1,
    });
  });

  it('adopts a matching orphan instead of creating, and releases a pod whose labels stop matching', async () => {
    const orphan = await podApi().create('default', {
      metadata: { name: 'stray', labels: { app: 'adopt' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const rs = await rsApi().create('default', makeReplicaSet('adopt', 2));
    await settled('adopt', 2);
    const adopted = await podApi().get('default', 'stray');
    expect(adopted.metadata?.uid).toBe(orphan.metadata?.uid);
    expect(adopted.metadata?.ownerReferences?.[0]?.uid).toBe(rs.metadata?.uid);
    expect((await podsOf('adopt')).map((p) => p.metadata?.name)).toContain('stray');

    await podApi().patch('default', 'stray', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    const released = await waitFor('stray released', async () => {
      const p = await podApi().get('default', 'stray');
      return (p.metadata?.ownerReferences ?? []).length === 0 ? p : undefined;
    });
    expect(released.metadata?.labels).toEqual({ app: 'elsewhere' });
    await settled('adopt', 2);
    expect((await activePodsOf('adopt')).map((p) => p.metadata?.name)).not.toContain('stray');
  });

  it('leaves pods controlled by another object alone', async () => {
    const other = await rsApi().create(
      'default',
      makeReplicaSet('owner-a', 1, { labels: { app: 'shared' } }),
    );
    await waitFor('owner-a has its pod', async () => (await podsOf('shared')).length === 1);
    const [pod] = await podsOf('shared');
    expect(pod?.metadata?.ownerReferences?.[0]?.uid).toBe(other.metadata?.uid);
    // A second ReplicaSet with an overlapping selector must create its own pod, not take this one.
    const rs2 = makeReplicaSet('owner-b', 1, { labels: { app: 'shared' } });
    const b = await rsApi().create('default', rs2);
    await waitFor('both own one pod', async () => {
      const pods = await activePodsOf('shared');
      const owners = pods.map((p) => p.metadata?.ownerReferences?.[0]?.uid).sort();
      return pods.length === 2 && owners.join() === [other.metadata?.uid, b.metadata?.uid].sort().join();
    });
  });

  it('sets ReplicaFailure and FailedCreate when pods cannot be created, and clears it once they can', async () => {
    const rs = makeReplicaSet('failing', 4);
    const spec = rs.spec?.template?.spec;
    if (spec) spec.priorityClassName = 'no-such-class';
    await rsApi().create('default', rs);
    const failed = await waitFor('ReplicaFailure', async () => {
      const cur = await rsApi().get('default', 'failing');
      return cur.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    });
    expect(failed).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(failed.message).toContain('no PriorityClass with name no-such-class was found');
    const events = await waitFor('FailedCreate event', async () => {
      const ev = await eventsFor('failing', 'FailedCreate');
      return ev.length > 0 ? ev : undefined;
    });
    expect(events[0]?.type).toBe('Warning');
    expect(events[0]?.message).toMatch(/^Error creating: .*no PriorityClass/);

    await rsApi().patch('default', 'failing', 'json', [
      { op: 'remove', path: '/spec/template/spec/priorityClassName' },
    ]);
    const ok = await settled('failing', 4);
    expect(ok.status?.conditions ?? []).toEqual([]);
  });

  it('creates a burst of 750 replicas (two syncs of at most 500) without over-creating, even on a lagging cache', async () => {
    // Every pod ever created and deleted, seen through a watch: a sync acting on a cache that
    // has not yet seen its own creates would create extra pods (and delete them again).
    const seen = { added: 0, deleted: 0 };
    const watch = podApi().watch('default', { labelSelector: 'app=burst', resourceVersion: '' }, (e) => {
      if (e.type === 'ADDED') seen.added++;
      if (e.type === 'DELETED') seen.deleted++;
    });
    try {
      await rsApi().create('default', makeReplicaSet('burst', 750));
      await settled('burst', 750, 120_000);
      expect(await podsOf('burst')).toHaveLength(750);
      await waitFor('the watch to catch up', () => seen.added >= 750);
      expect(seen).toEqual({ added: 750, deleted: 0 });
      await rsApi().patch('default', 'burst', 'merge', { spec: { replicas: 0 } });
      await settled('burst', 0, 120_000);
      expect(await podsOf('burst')).toHaveLength(0);
    } finally {
      watch.close();
    }
  }, 240_000);
});

describe('ReplicationController controller', () => {
  it('keeps replicas of an RC with its own controller reference and event source', async () => {
    const rcApi = client.resource<ReplicationController>(R.replicationcontrollers);
    const rc = await rcApi.create('default', makeReplicationController('legacy', 2));
    const status = await waitFor('RC at 2 replicas', async () => {
      const cur = await rcApi.get('default', 'legacy');
      return cur.status?.replicas === 2 && cur.status.observedGeneration === 1 ? cur.status : undefined;
    });
    expect(status.replicas).toBe(2);
    const pods = await podsOf('legacy');
    expect(pods).toHaveLength(2);
    expect(pods[0]?.metadata?.ownerReferences?.[0]).toMatchObject({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      uid: rc.metadata?.uid,
      controller: true,
    });
    const ev = await waitFor('RC events', async () => {
      const e = await eventsFor('legacy', 'SuccessfulCreate');
      return e.length === 2 ? e : undefined;
    });
    expect(ev[0]?.source?.component).toBe('replication-controller');

    const scaled = await t.cluster.kubectl(['scale', 'rc/legacy', '--replicas=1']);
    expect(scaled.code).toBe(0);
    await waitFor('RC at 1 pod', async () => (await activePodsOf('legacy')).length === 1);
  });
});
