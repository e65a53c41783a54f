/**
 * The PVC protection controller (kube-controller-manager --controllers pvc-protection): every
 * claim carries the `kubernetes.io/pvc-protection` finalizer (Kubernetes' admission adds it
 * at creation; this controller adds it to any claim without it), and a deleted claim keeps it
 * until no scheduled pod uses the claim — so storage in use is never pulled from under a pod.
 *
 * As Kubernetes: only pods with spec.nodeName count (the kubelet refuses to start a pod whose
 * claim is being deleted), in any phase, until the pod object is gone; generic ephemeral
 * volumes (`<pod>-<volume>` claims) stop counting once the pod has shut down. The cache's
 * "not in use" is confirmed with a live list before the finalizer goes.
 */
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import { queueController } from '../util/queue';

export const NAME = 'pvc-protection';
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
const PODS_BY_CLAIM = 'pvc-protection:claim';

/** podIsShutDown: the kubelet is done with it (or it was force-deleted). */
function podIsShutDown(pod: Pod): boolean {
  if (pod.metadata?.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0) return true;
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The `namespace/claim` keys of the claims a pod uses (see podUsesPVC). */
export function claimsUsedBy(pod: Pod): string[] {
  if (!pod.spec?.nodeName) return [];
  const ns = pod.metadata?.namespace ?? '';
  const out: string[] = [];
  for (const v of pod.spec.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push(`${ns}/${v.persistentVolumeClaim.claimName}`);
    else if (v.ephemeral && !podIsShutDown(pod)) out.push(`${ns}/${pod.metadata?.name ?? ''}-${v.name}`);
  }
  return out;
}

export const createPvcProtectionController: ControllerFactory = (ctx) => {
  const pvcs = ctx.informers.informer<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const pods = ctx.informers.informer<Pod>(R.pods);
  pods.addIndex(PODS_BY_CLAIM, claimsUsedBy);
  const client = ctx.client.resource<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const podClient = ctx.client.resource<Pod>(R.pods);
  const queue = new WorkQueue({ name: NAME, log: ctx.log });

  pvcs.addHandlers({ onAdd: (c) => queue.add(keyOf(c)), onUpdate: (_o, c) => queue.add(keyOf(c)) });
  const onPod = (pod: Pod) => {
    for (const key of claimsUsedBy(pod)) queue.add(key);
  };
  pods.addHandlers({
    onAdd: onPod,
    onUpdate(old, pod) {
      onPod(old);
      onPod(pod);
    },
    // A pod deleted from the store no longer holds its claims.
    onDelete: (pod) => {
      const ns = pod.metadata?.namespace ?? '';
      for (const v of pod.spec?.volumes ?? []) {
        if (v.persistentVolumeClaim) queue.add(`${ns}/${v.persistentVolumeClaim.claimName}`);
        if (v.ephemeral) queue.add(`${ns}/${pod.metadata?.name ?? ''}-${v.name}`);
      }
    },
  });

  const setFinalizers = async (pvc: PersistentVolumeClaim, finalizers: string[]) => {
    try {
      await client.update({ ...pvc, metadata: { ...pvc.metadata, finalizers } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  };

  const sync = async (key: string) => {
    const pvc = pvcs.get(key);
    if (!pvc) return;
    const finalizers = pvc.metadata?.finalizers ?? [];
    const has = finalizers.includes(PVC_PROTECTION_FINALIZER);
    if (!pvc.metadata?.deletionTimestamp) {
      if (!has) await setFinalizers(pvc, [...finalizers, PVC_PROTECTION_FINALIZER]);
      return;
    }
    if (!has) return;
    if (pods.byIndex(PODS_BY_CLAIM, key).length > 0) return;
    const [ns] = splitKey(key);
    const live = await podClient.list(ns);
    if (live.items.some((p) => claimsUsedBy(p).includes(key))) return;
    await setFinalizers(
      pvc,
      finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER),
    );
  };

  return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
};
