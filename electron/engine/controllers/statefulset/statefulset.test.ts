/**
 * The StatefulSet controller against a real API server (startControllerTest). A fake kubelet
 * binds pods to one node and readies them — except pods running SLOW_IMAGE, which the tests
 * ready by hand to hold the ordered algorithm at a step and look at it.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import type { Event, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { ResourceClient } from '../../../kube/types';
import { CONTROLLER_REVISION_HASH_LABEL } from '../history/revisions';
import { type FakeKubelet, IMAGE, makeStatefulSet, startFakeKubelet } from '../daemonset/testing';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createStatefulSetController } from './statefulset';

const NS = 'default';
const SLOW_IMAGE = 'busybox:slow';
let t: ControllerTest;
let kubelet: FakeKubelet;
let pods: ResourceClient<Pod>;
let sets: ResourceClient<StatefulSet>;

beforeAll(async () => {
  t = await startControllerTest([createStatefulSetController]);
  pods = t.client.resource<Pod>(R.pods);
  sets = t.client.resource<StatefulSet>(R.statefulsets);
  kubelet = await startFakeKubelet(t.client, {
    defaultNode: 'node-1',
    autoReady: (p) => p.spec?.containers[0]?.image !== SLOW_IMAGE,
  });
}, 60_000);

afterAll(async () => {
  await kubelet.stop();
  await t.stop();
});

const podsOf = async (app: string) =>
  (await pods.list(NS, { labelSelector: `app=${app}` })).items.sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
const names = (list: Pod[]) => list.map((p) => p.metadata?.name);
/** Lets the controller run a few rounds, to check that it did NOT do something. */
const settle = () => new Promise((r) => setTimeout(r, 400));
const imageOf = (p: Pod | undefined) => p?.spec?.containers[0]?.image;

async function ready(name: string): Promise<void> {
  await waitFor(`${name} bound`, async () => Boolean((await pods.get(NS, name)).spec?.nodeName));
  await kubelet.setReady(NS, name, true);
}

async function setImage(name: string, image: string): Promise<void> {
  await sets.patch(NS, name, 'merge', {
    spec: { template: { spec: { containers: [{ name: 'main', image }] } } },
  });
}

async function settled(name: string, replicas: number): Promise<StatefulSet> {
  return waitFor(`${name} settled`, async () => {
    const s = await sets.get(NS, name);
    const st = s.status;
    return st?.observedGeneration === s.metadata?.generation &&
      st?.readyReplicas === replicas &&
      st.replicas === replicas &&
      st.updatedReplicas === replicas &&
      st.currentRevision === st.updateRevision
      ? s
      : undefined;
  });
}

describe('StatefulSet controller', () => {
  it('OrderedReady creates web-0, web-1, web-2 one at a time, each after its predecessor is ready', async () => {
    await sets.create(NS, makeStatefulSet('web', { replicas: 3, image: SLOW_IMAGE, serviceName: 'web-svc' }));
    await waitFor('web-0', async () => (await podsOf('web')).length === 1);
    await settle();
    expect(names(await podsOf('web'))).toEqual(['web-0']);
    await ready('web-0');
    await waitFor('web-1', async () => (await podsOf('web')).length === 2);
    await settle();
    expect(names(await podsOf('web'))).toEqual(['web-0', 'web-1']);
    await ready('web-1');
    await waitFor('web-2', async () => (await podsOf('web')).length === 3);
    await ready('web-2');
    const set = await settled('web', 3);
    expect(set.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
    });
    expect(set.status?.currentRevision).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    const pod = (await podsOf('web'))[1] as Pod;
    expect(pod.metadata?.labels).toMatchObject({
      'statefulset.kubernetes.io/pod-name': 'web-1',
      'apps.kubernetes.io/pod-index': '1',
      [CONTROLLER_REVISION_HASH_LABEL]: set.status?.currentRevision,
    });
    expect(pod.spec).toMatchObject({ hostname: 'web-1', subdomain: 'web-svc' });
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'StatefulSet',
      name: 'web',
      controller: true,
    });
    const events = (await t.client.resource<Event>(R.events).list(NS)).items.filter(
      (e) => e.involvedObject.name === 'web' && e.reason === 'SuccessfulCreate',
    );
    expect(events.map((e) => e.message)).toContain('create Pod web-0 in StatefulSet web successful');
    const rollout = await t.cluster.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=20s']);
    expect(rollout.stdout).toContain('partitioned roll out complete: 3 new pods have been updated');
  });

  it('OrderedReady scales down from the highest ordinal, waiting for each pod to be gone', async () => {
    // Finalizers hold the deleted pods in Terminating so the order can be observed.
    for (const n of ['web-1', 'web-2']) {
      await pods.patch(NS, n, 'merge', { metadata: { finalizers: ['test.pilothouse.dev/hold'] } });
    }
    await sets.patch(NS, 'web', 'merge', { spec: { replicas: 1 } });
    await waitFor('web-2 terminating', async () =>
      Boolean((await pods.get(NS, 'web-2')).metadata?.deletionTimestamp),
    );
    await settle();
    expect((await pods.get(NS, 'web-1')).metadata?.deletionTimestamp).toBeUndefined();
    await pods.patch(NS, 'web-2', 'merge', { metadata: { finalizers: null } });
    await waitFor('web-1 terminating', async () =>
      Boolean((await pods.get(NS, 'web-1')).metadata?.deletionTimestamp),
    );
    await pods.patch(NS, 'web-1', 'merge', { metadata: { finalizers: null } });
    await waitFor('only web-0', async () => names(await podsOf('web')).join() === 'web-0');
    await settled('web', 1);
  });

  it('Parallel creates every pod at once without waiting for readiness', async () => {
    await sets.create(
      NS,
      makeStatefulSet('par', { replicas: 3, image: SLOW_IMAGE, podManagementPolicy: 'Parallel' }),
    );
    await waitFor('3 pods', async () => (await podsOf('par')).length === 3);
    expect(names(await podsOf('par'))).toEqual(['par-0', 'par-1', 'par-2']);
    const set = await waitFor('status', async () => {
      const s = await sets.get(NS, 'par');
      return s.status?.replicas === 3 ? s : undefined;
    });
    expect(set.status?.readyReplicas ?? 0).toBe(0);
  });

  it('creates PVCs from volumeClaimTemplates before pods and keeps them on scale-down (Retain)', async () => {
    await sets.create(NS, makeStatefulSet('db', { replicas: 2, claims: ['data'] }));
    await settled('db', 2);
    const pvcs = t.client.resource<PersistentVolumeClaim>(R.persistentvolumeclaims);
    const claim = await pvcs.get(NS, 'data-db-1');
    expect(claim.metadata?.labels).toMatchObject({ app: 'db' });
    expect(claim.spec?.resources?.requests).toEqual({ storage: '1Gi' });
    expect(claim.metadata?.ownerReferences ?? []).toEqual([]);
    const pod = await pods.get(NS, 'db-1');
    expect(pod.spec?.volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim?.claimName).toBe(
      'data-db-1',
    );
    const ev = await waitFor('claim event', async () =>
      (await t.client.resource<Event>(R.events).list(NS)).items.find(
        (e) => e.message === 'create Claim data-db-0 Pod db-0 in StatefulSet db success',
      ),
    );
    expect(ev.reason).toBe('SuccessfulCreate');
    await sets.patch(NS, 'db', 'merge', { spec: { replicas: 1 } });
    await settled('db', 1);
    expect((await pvcs.get(NS, 'data-db-1')).metadata?.deletionTimestamp).toBeUndefined();
  });

  it('with whenDeleted=Delete gives each PVC an ownerReference to the set, for the garbage collector', async () => {
    const s = makeStatefulSet('keep', { replicas: 1, claims: ['data'] });
    (s.spec ?? { selector: {}, template: {}, serviceName: '' }).persistentVolumeClaimRetentionPolicy = {
      whenDeleted: 'Delete',
      whenScaled: 'Retain',
    };
    const created = await sets.create(NS, s);
    await settled('keep', 1);
    const claim = await t.client
      .resource<PersistentVolumeClaim>(R.persistentvolumeclaims)
      .get(NS, 'data-keep-0');
    expect(claim.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'keep',
        uid: created.metadata?.uid,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('RollingUpdate with a partition updates from the highest ordinal down, one ready pod at a time', async () => {
    await sets.create(NS, makeStatefulSet('ru', { replicas: 3, partition: 1 }));
    const before = await settled('ru', 3);
    await setImage('ru', SLOW_IMAGE);
    await waitFor(
      'ru-2 replaced',
      async () => imageOf(await pods.get(NS, 'ru-2').catch(() => undefined)) === SLOW_IMAGE,
    );
    await settle();
    // ru-2 is not ready yet, so ru-1 keeps the old template.
    expect(imageOf(await pods.get(NS, 'ru-1'))).toBe(IMAGE);
    await ready('ru-2');
    await waitFor(
      'ru-1 replaced',
      async () => imageOf(await pods.get(NS, 'ru-1').catch(() => undefined)) === SLOW_IMAGE,
    );
    await ready('ru-1');
    const partial = await waitFor('partition reached', async () => {
      const s = await sets.get(NS, 'ru');
      return s.status?.updatedReplicas === 2 && s.status.readyReplicas === 3 ? s : undefined;
    });
    expect(imageOf(await pods.get(NS, 'ru-0'))).toBe(IMAGE);
    expect(partial.status?.currentRevision).toBe(before.status?.currentRevision);
    expect(partial.status?.updateRevision).not.toBe(before.status?.currentRevision);
    const rollout = await t.cluster.kubectl(['rollout', 'status', 'statefulset/ru', '--timeout=20s']);
    expect(rollout.stdout).toContain('partitioned roll out complete: 2 new pods have been updated');
    // Partition 0: ru-0 follows, and the update revision becomes current.
    await sets.patch(NS, 'ru', 'merge', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    await waitFor(
      'ru-0 replaced',
      async () => imageOf(await pods.get(NS, 'ru-0').catch(() => undefined)) === SLOW_IMAGE,
    );
    await ready('ru-0');
    const done = await settled('ru', 3);
    expect(done.status?.currentRevision).toBe(partial.status?.updateRevision);
  }, 30_000);

  it('OnDelete leaves pods alone until they are deleted, then recreates them at the update revision', async () => {
    await sets.create(NS, makeStatefulSet('od', { replicas: 2, onDelete: true }));
    await settled('od', 2);
    await setImage('od', 'busybox:2');
    const set = await waitFor('update seen', async () => {
      const s = await sets.get(NS, 'od');
      return s.status?.observedGeneration === s.metadata?.generation ? s : undefined;
    });
    await settle();
    expect((await podsOf('od')).map(imageOf)).toEqual([IMAGE, IMAGE]);
    expect(set.status?.updatedReplicas ?? 0).toBe(0);
    const old = await pods.get(NS, 'od-1');
    await pods.delete(NS, 'od-1');
    const fresh = await waitFor('od-1 recreated', async () => {
      const p = await pods.get(NS, 'od-1').catch(() => undefined);
      return p && p.metadata?.uid !== old.metadata?.uid ? p : undefined;
    });
    expect(imageOf(fresh)).toBe('busybox:2');
    expect(fresh.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL]).toBe(set.status?.updateRevision);
  });
});
