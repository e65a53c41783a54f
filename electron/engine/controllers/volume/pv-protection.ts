/**
 * The PV protection controller (kube-controller-manager --controllers pv-protection): every
 * PersistentVolume carries the `kubernetes.io/pv-protection` finalizer, and a deleted volume
 * keeps it while it is Bound to a claim — the binder releases it when the claim goes.
 */
import type { PersistentVolume } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { keyOf } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import { queueController } from '../util/queue';

export const NAME = 'pv-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

export const createPvProtectionController: ControllerFactory = (ctx) => {
  const pvs = ctx.informers.informer<PersistentVolume>(R.persistentvolumes);
  const client = ctx.client.resource<PersistentVolume>(R.persistentvolumes);
  const queue = new WorkQueue({ name: NAME, log: ctx.log });
  pvs.addHandlers({ onAdd: (pv) => queue.add(keyOf(pv)), onUpdate: (_o, pv) => queue.add(keyOf(pv)) });

  const sync = async (key: string) => {
    const pv = pvs.get(key);
    if (!pv) return;
    const finalizers = pv.metadata?.finalizers ?? [];
    const has = finalizers.includes(PV_PROTECTION_FINALIZER);
    let next: string[] | undefined;
    if (!pv.metadata?.deletionTimestamp) {
      if (!has) next = [...finalizers, PV_PROTECTION_FINALIZER];
    } else if (has && pv.status?.phase !== 'Bound') {
      next = finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER);
    }
    if (!next) return;
    try {
      await client.update({ ...pv, metadata: { ...pv.metadata, finalizers: next } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
};
