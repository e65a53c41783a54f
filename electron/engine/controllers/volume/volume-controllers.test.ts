import type { Event, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER } from './binding';
import { PV_PROTECTION_FINALIZER, createPvProtectionController } from './pv-protection';
import { createPersistentVolumeBinderController } from './pv-binder';
import { PVC_PROTECTION_FINALIZER, createPvcProtectionController } from './pvc-protection';

const NS = 'default';
let t: ControllerTest;
const pvs = () => t.client.resource<PersistentVolume>(R.persistentvolumes);
const pvcs = () => t.client.resource<PersistentVolumeClaim>(R.persistentvolumeclaims);
const pods = () => t.client.resource<Pod>(R.pods);

beforeAll(async () => {
  t = await startControllerTest([
    createPersistentVolumeBinderController,
    createPvcProtectionController,
    createPvProtectionController,
  ]);
});
afterAll(async () => {
  await t.stop();
});

/** Creates a PV and waits until the binder has made it Available (so claims can match it). */
async function makePV(name: string, size: string, klass: string, policy: 'Retain' | 'Delete' = 'Retain') {
  await pvs().create('', {
    metadata: { name },
    spec: {
      capacity: { storage: size },
      accessModes: ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: policy,
      storageClassName: klass,
      hostPath: { path: `/data/${name}` },
    },
  });
  return pvPhase(name, 'Available');
}
function makeClaim(name: string, size: string, opts: { klass?: string; volumeName?: string } = {}) {
  return pvcs().create(NS, {
    metadata: { name },
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: size } },
      storageClassName: opts.klass,
      volumeName: opts.volumeName,
    },
  });
}
async function waitForPhase<T extends PersistentVolume | PersistentVolumeClaim>(
  get: () => Promise<T>,
  phase: string,
): Promise<T> {
  return waitFor(`phase ${phase}`, async () => {
    const o = await get();
    return o.status?.phase === phase ? o : undefined;
  });
}
function pvPhase(name: string, phase: string) {
  return waitForPhase(() => pvs().get('', name), phase);
}
function claimPhase(name: string, phase: string) {
  return waitForPhase(() => pvcs().get(NS, name), phase);
}
const gone = (get: () => Promise<unknown>) =>
  waitFor('deleted', async () => {
    try {
      await get();
      return false;
    } catch (err) {
      return isNotFound(err);
    }
  });

describe('persistent volume binder and protection', () => {
  it('binds a claim to the smallest Available volume that fits, both ways, with the annotations', async () => {
    await Promise.all([
      makePV('pv-1g', '1Gi', 'sizes'),
      makePV('pv-5g', '5Gi', 'sizes'),
      makePV('pv-20g', '20Gi', 'sizes'),
    ]);
    await makeClaim('data', '3Gi', { klass: 'sizes' });
    const claim = await claimPhase('data', 'Bound');
    expect(claim.spec?.volumeName).toBe('pv-5g');
    expect(claim.metadata?.annotations).toMatchObject({
      [ANN_BIND_COMPLETED]: 'yes',
      [ANN_BOUND_BY_CONTROLLER]: 'yes',
    });
    expect(claim.status?.capacity).toEqual({ storage: '5Gi' });
    expect(claim.status?.accessModes).toEqual(['ReadWriteOnce']);
    const pv = await pvPhase('pv-5g', 'Bound');
    expect(pv.spec?.claimRef).toMatchObject({
      kind: 'PersistentVolumeClaim',
      namespace: NS,
      name: 'data',
      uid: claim.metadata?.uid,
    });
    expect(pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBe('yes');
    // Protection finalizers on both.
    await waitFor('finalizers', async () =>
      Boolean(
        (await pvcs().get(NS, 'data')).metadata?.finalizers?.includes(PVC_PROTECTION_FINALIZER) &&
        (await pvs().get('', 'pv-5g')).metadata?.finalizers?.includes(PV_PROTECTION_FINALIZER),
      ),
    );
    expect((await pvs().get('', 'pv-1g')).status?.phase).toBe('Available');
  });

  it('keeps a claim in use by a scheduled pod, then releases its Retain volume when it goes', async () => {
    await makePV('pv-keep', '2Gi', 'keep');
    await makeClaim('used', '2Gi', { klass: 'keep' });
    await claimPhase('used', 'Bound');
    expect((await pvcs().get(NS, 'used')).spec?.volumeName).toBe('pv-keep');
    await waitFor('pvc finalizer', async () =>
      Boolean((await pvcs().get(NS, 'used')).metadata?.finalizers?.includes(PVC_PROTECTION_FINALIZER)),
    );
    await pods().create(NS, {
      metadata: { name: 'user' },
      spec: {
        nodeName: 'n1',
        containers: [{ name: 'c', image: 'busybox' }],
        volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'used' } }],
      },
    });
    await pvcs().delete(NS, 'used');
    // The pod holds it: still there, being deleted.
    await new Promise((r) => setTimeout(r, 300));
    const held = await pvcs().get(NS, 'used');
    expect(held.metadata?.deletionTimestamp).toBeTruthy();
    expect(held.metadata?.finalizers).toContain(PVC_PROTECTION_FINALIZER);
    // A bound volume is protected too.
    await pvs().delete('', 'pv-keep');
    await new Promise((r) => setTimeout(r, 300));
    const protectedPV = await pvs().get('', 'pv-keep');
    expect(protectedPV.metadata?.deletionTimestamp).toBeTruthy();
    expect(protectedPV.status?.phase).toBe('Bound');
    await pods().delete(NS, 'user', { gracePeriodSeconds: 0 });
    await gone(() => pvcs().get(NS, 'used'));
    // Released (claimRef kept, Retain), then no longer Bound: its protection lets it go.
    await gone(() => pvs().get('', 'pv-keep'));
  });

  it('a Released Retain volume keeps its claimRef and is not bound again', async () => {
    await makePV('pv-retain', '1Gi', 'retain');
    await makeClaim('first', '1Gi', { klass: 'retain' });
    await claimPhase('first', 'Bound');
    await pvcs().delete(NS, 'first');
    const released = await pvPhase('pv-retain', 'Released');
    expect(released.spec?.claimRef?.name).toBe('first');
    await makeClaim('second', '1Gi', { klass: 'retain' });
    await makeClaim('third', '1Gi', { klass: 'retain', volumeName: 'pv-retain' });
    const events = await waitFor('events', async () => {
      const list = (await t.client.resource<Event>(R.events).list(NS)).items;
      const second = list.find(
        (e) => e.involvedObject.name === 'second' && e.reason === 'ProvisioningFailed',
      );
      const third = list.find((e) => e.involvedObject.name === 'third' && e.reason === 'FailedBinding');
      return second && third ? { second, third } : undefined;
    });
    expect(events.second.message).toBe('storageclass.storage.k8s.io "retain" not found');
    expect(events.third.message).toBe('volume "pv-retain" already bound to a different claim.');
    expect((await pvcs().get(NS, 'second')).status?.phase).toBe('Pending');
    expect((await pvcs().get(NS, 'third')).status?.phase).toBe('Pending');
  });

  it('deletes a volume with the Delete reclaim policy once its claim is gone', async () => {
    await makePV('pv-delete', '1Gi', 'scratch', 'Delete');
    await makeClaim('tmp', '1Gi', { klass: 'scratch' });
    await claimPhase('tmp', 'Bound');
    expect((await pvcs().get(NS, 'tmp')).spec?.volumeName).toBe('pv-delete');
    await pvcs().delete(NS, 'tmp');
    await gone(() => pvs().get('', 'pv-delete'));
  });

  it('leaves an unmatched claim Pending with an event, and binds it when a volume appears', async () => {
    await makeClaim('waiting', '7Gi');
    await waitFor('FailedBinding', async () => {
      const events = (await t.client.resource<Event>(R.events).list(NS)).items;
      return events.some(
        (e) =>
          e.involvedObject.name === 'waiting' &&
          e.message === 'no persistent volumes available for this claim and no storage class is set',
      );
    });
    expect((await pvcs().get(NS, 'waiting')).status?.phase).toBe('Pending');
    // Not makePV: the waiting claim takes it as soon as it is Available.
    await pvs().create('', {
      metadata: { name: 'pv-late' },
      spec: {
        capacity: { storage: '8Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: '/data/late' },
      },
    });
    const bound = await claimPhase('waiting', 'Bound');
    expect(bound.spec?.volumeName).toBe('pv-late');
  });

  it('binds a claim to the volume the user names, and a volume pre-bound to a claim', async () => {
    await makePV('pv-named', '3Gi', 'named');
    await makeClaim('named', '1Gi', { klass: 'named', volumeName: 'pv-named' });
    const named = await claimPhase('named', 'Bound');
    expect(named.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBeUndefined();
    await pvs().create('', {
      metadata: { name: 'pv-prebound' },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'named',
        claimRef: { namespace: NS, name: 'reserved' },
        hostPath: { path: '/data/pre' },
      },
    });
    await pvPhase('pv-prebound', 'Available');
    await makeClaim('reserved', '1Gi', { klass: 'named' });
    const reserved = await claimPhase('reserved', 'Bound');
    expect(reserved.spec?.volumeName).toBe('pv-prebound');
    const pv = await pvs().get('', 'pv-prebound');
    expect(pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER]).toBeUndefined();
  });
});
