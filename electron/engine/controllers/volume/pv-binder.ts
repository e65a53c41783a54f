/**
 * The PersistentVolume binder (kube-controller-manager --controllers persistentvolume-binder):
 * binds claims to matching volumes (matching.ts), keeps both phases right, releases a volume
 * whose claim is gone and applies its reclaim policy. Two queues, claims and volumes, as
 * Kubernetes' pv_controller; unbound claims are also retried every 15 s
 * (--pvclaimbinder-sync-period) and whenever a volume becomes Available.
 *
 * Known limitations: no StorageClass API here, so no dynamic provisioning and no
 * WaitForFirstConsumer; a Delete reclaim policy deletes the PV object (there is no volume
 * plugin to delete storage with); Recycle is not supported (the volume goes Failed).
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { keyOf } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import {
  ANN_BIND_COMPLETED,
  type VolumeClients,
  bind,
  setClaimPhase,
  setVolumePhase,
  unbindVolume,
} from './binding';
import { findBestMatch, isVolumeBoundToClaim, mismatch, storageClassOf } from './matching';

export const NAME = 'persistentvolume-binder';
export const COMPONENT = 'persistentvolume-controller';
/** --pvclaimbinder-sync-period. */
const RESYNC_MS = 15_000;

export const createPersistentVolumeBinderController: ControllerFactory = (ctx) => {
  const pvInformer = ctx.informers.informer<PersistentVolume>(R.persistentvolumes);
  const pvcInformer = ctx.informers.informer<PersistentVolumeClaim>(R.persistentvolumeclaims);
  const c: VolumeClients = {
    pvs: ctx.client.resource<PersistentVolume>(R.persistentvolumes),
    pvcs: ctx.client.resource<PersistentVolumeClaim>(R.persistentvolumeclaims),
    now: ctx.now,
  };
  const recorder = ctx.recorder(COMPONENT);
  const claims = new WorkQueue({ name: `${NAME}-claims`, log: ctx.log });
  const volumes = new WorkQueue({ name: `${NAME}-volumes`, log: ctx.log });
  let resync: NodeJS.Timeout | undefined;

  const enqueueUnboundClaims = () => {
    for (const claim of pvcInformer.list()) if (!claim.spec?.volumeName) claims.add(keyOf(claim));
  };
  pvcInformer.addHandlers({
    onAdd: (pvc) => claims.add(keyOf(pvc)),
    onUpdate: (_o, pvc) => claims.add(keyOf(pvc)),
    onDelete(pvc) {
      if (pvc.spec?.volumeName) volumes.add(pvc.spec.volumeName);
    },
  });
  const onVolume = (pv: PersistentVolume) => {
    volumes.add(keyOf(pv));
    const ref = pv.spec?.claimRef;
    if (ref?.name) claims.add(`${ref.namespace ?? ''}/${ref.name}`);
  };
  pvInformer.addHandlers({
    onAdd: onVolume,
    onUpdate(old, pv) {
      onVolume(pv);
      if (pv.status?.phase === 'Available' && old.status?.phase !== 'Available') enqueueUnboundClaims();
    },
    onDelete: onVolume,
  });

  /** Fresh from the API server: the cache may lag behind a claim that was just deleted or created. */
  const liveClaim = async (ns: string, name: string): Promise<PersistentVolumeClaim | undefined> => {
    try {
      return await c.pvcs.get(ns, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };

  const syncUnboundClaim = async (claim: PersistentVolumeClaim) => {
    const wanted = claim.spec?.volumeName;
    if (!wanted) {
      const pv = findBestMatch(claim, pvInformer.list());
      if (pv) return bind(c, pv, claim);
      await setClaimPhase(c, claim, 'Pending');
      const klass = storageClassOf(claim);
      if (klass === '') {
        const msg = 'no persistent volumes available for this claim and no storage class is set';
        recorder.event(claim, 'Normal', 'FailedBinding', msg);
      } else {
        recorder.event(
          claim,
          'Warning',
          'ProvisioningFailed',
          `storageclass.storage.k8s.io "${klass}" not found`,
        );
      }
      return;
    }
    // The user asked for a specific volume.
    const pv = pvInformer.get(wanted);
    if (!pv) {
      await setClaimPhase(c, claim, 'Pending');
      recorder.event(claim, 'Normal', 'FailedBinding', `volume "${wanted}" not found`);
      return;
    }
    if (!pv.spec?.claimRef) {
      const why = mismatch(pv, claim);
      if (why) {
        await setClaimPhase(c, claim, 'Pending');
        recorder.event(
          claim,
          'Warning',
          'VolumeMismatch',
          `Cannot bind to requested volume "${wanted}": ${why}`,
        );
        return;
      }
      return bind(c, pv, claim);
    }
    if (isVolumeBoundToClaim(pv, claim)) return bind(c, pv, claim);
    await setClaimPhase(c, claim, 'Pending');
    recorder.event(
      claim,
      'Normal',
      'FailedBinding',
      `volume "${wanted}" already bound to a different claim.`,
    );
  };

  const syncBoundClaim = async (claim: PersistentVolumeClaim) => {
    const name = claim.spec?.volumeName;
    if (!name) {
      await setClaimPhase(c, claim, 'Lost');
      recorder.event(
        claim,
        'Warning',
        'ClaimLost',
        'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!',
      );
      return;
    }
    const pv = pvInformer.get(name);
    if (!pv) {
      await setClaimPhase(c, claim, 'Lost');
      recorder.event(
        claim,
        'Warning',
        'ClaimLost',
        'Bound claim has lost its PersistentVolume. Data on the volume is lost!',
      );
      return;
    }
    const ref = pv.spec?.claimRef;
    if (!ref || ref.uid === claim.metadata?.uid) return bind(c, pv, claim);
    await setClaimPhase(c, claim, 'Lost');
    recorder.event(
      claim,
      'Warning',
      'ClaimMisbound',
      'Two claims are bound to the same volume, this one is bound incorrectly',
    );
  };

  const syncClaim = async (key: string) => {
    const claim = pvcInformer.get(key);
    if (!claim) return;
    if (claim.metadata?.annotations?.[ANN_BIND_COMPLETED]) await syncBoundClaim(claim);
    else await syncUnboundClaim(claim);
  };

  const syncVolume = async (key: string) => {
    const pv = pvInformer.get(key);
    if (!pv) return;
    const ref = pv.spec?.claimRef;
    // Unclaimed, or pre-bound by the user to a claim not bound yet: Available.
    if (!ref || !ref.uid) {
      await setVolumePhase(c, pv, 'Available');
      return;
    }
    const ns = ref.namespace ?? '';
    let claim = pvcInformer.getByName(ns, ref.name ?? '');
    if (!claim || claim.metadata?.uid !== ref.uid) claim = await liveClaim(ns, ref.name ?? '');
    if (!claim || claim.metadata?.uid !== ref.uid) return release(pv);
    if (!claim.spec?.volumeName) {
      // Our bind is half done (claim not updated yet): finishing it is syncClaim's job.
      claims.add(keyOf(claim));
      return;
    }
    if (claim.spec.volumeName === pv.metadata?.name) {
      await setVolumePhase(c, pv, 'Bound');
      return;
    }
    // The claim is bound to another volume.
    await unbindVolume(c, pv);
  };

  /** The claim is gone: Released, then the reclaim policy. */
  const release = async (pvIn: PersistentVolume) => {
    let pv = pvIn;
    if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed')
      pv = await setVolumePhase(c, pv, 'Released');
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    if (policy === 'Delete') {
      if (pv.metadata?.deletionTimestamp) return;
      try {
        await c.pvs.delete('', pv.metadata?.name ?? '');
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    } else if (policy === 'Recycle' && pv.status?.phase !== 'Failed') {
      await setVolumePhase(c, pv, 'Failed', 'No recycler plugin found for the volume!');
      recorder.event(pv, 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
    }
  };

  return {
    name: NAME,
    start() {
      claims.run(ctx.options.concurrentSyncs, syncClaim);
      volumes.run(ctx.options.concurrentSyncs, syncVolume);
      resync = setInterval(enqueueUnboundClaims, RESYNC_MS);
      resync.unref();
    },
    async stop() {
      clearInterval(resync);
      await Promise.all([claims.shutDown(), volumes.shutDown()]);
    },
  };
};
