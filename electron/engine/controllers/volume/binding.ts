/**
 * The PV controller's write steps (pv_controller.go bind/unbind): each is idempotent and skips
 * the write when the object already says what it should, so a retried sync converges.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { ResourceClient } from '../../../kube/types';

export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';

export interface VolumeClients {
  pvs: ResourceClient<PersistentVolume>;
  pvcs: ResourceClient<PersistentVolumeClaim>;
  now(): Date;
}

const stamp = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');

export async function setVolumePhase(
  c: VolumeClients,
  pv: PersistentVolume,
  phase: string,
  message?: string,
) {
  if (pv.status?.phase === phase && (message === undefined || pv.status.message === message)) return pv;
  return c.pvs.updateStatus({
    ...pv,
    status: { ...pv.status, phase, message, lastPhaseTransitionTime: stamp(c.now()) },
  });
}

export async function setClaimPhase(
  c: VolumeClients,
  claim: PersistentVolumeClaim,
  phase: string,
  pv?: PersistentVolume,
) {
  const status = { ...claim.status, phase };
  if (pv) {
    status.accessModes = pv.spec?.accessModes;
    status.capacity = pv.spec?.capacity;
  } else if (phase !== 'Bound') {
    delete status.accessModes;
    delete status.capacity;
  }
  if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return claim;
  return c.pvcs.updateStatus({ ...claim, status });
}

/**
 * bind: claimRef on the volume (bound-by-controller if we chose it), volume Bound, volumeName
 * and bind-completed on the claim, claim Bound with the volume's modes and capacity.
 */
export async function bind(c: VolumeClients, pvIn: PersistentVolume, claimIn: PersistentVolumeClaim) {
  let pv = pvIn;
  const ref = pv.spec?.claimRef;
  const uid = claimIn.metadata?.uid;
  if (!ref || ref.uid !== uid || ref.resourceVersion === undefined) {
    const annotations = { ...pv.metadata?.annotations };
    if (!ref) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
    pv = await c.pvs.update({
      ...pv,
      metadata: { ...pv.metadata, annotations },
      spec: {
        ...pv.spec,
        claimRef: {
          kind: 'PersistentVolumeClaim',
          apiVersion: 'v1',
          namespace: claimIn.metadata?.namespace,
          name: claimIn.metadata?.name,
          uid,
          resourceVersion: claimIn.metadata?.resourceVersion,
        },
      },
    });
  }
  pv = await setVolumePhase(c, pv, 'Bound');
  let claim = claimIn;
  const ann = claim.metadata?.annotations ?? {};
  if (claim.spec?.volumeName !== pv.metadata?.name || ann[ANN_BIND_COMPLETED] !== 'yes') {
    const annotations: Record<string, string> = { ...ann, [ANN_BIND_COMPLETED]: 'yes' };
    if (!claim.spec?.volumeName) annotations[ANN_BOUND_BY_CONTROLLER] = 'yes';
    claim = await c.pvcs.update({
      ...claim,
      metadata: { ...claim.metadata, annotations },
      spec: { ...claim.spec, volumeName: pv.metadata?.name },
    });
  }
  await setClaimPhase(c, claim, 'Bound', pv);
}

/**
 * unbindVolume: a volume we bound loses its claimRef; one the user pre-bound keeps the claim's
 * name (the user's intent) but not its uid. Either way it is Available again.
 */
export async function unbindVolume(c: VolumeClients, pv: PersistentVolume) {
  const ours = pv.metadata?.annotations?.[ANN_BOUND_BY_CONTROLLER] === 'yes';
  const { [ANN_BOUND_BY_CONTROLLER]: _gone, ...annotations } = pv.metadata?.annotations ?? {};
  const ref = pv.spec?.claimRef;
  const updated = await c.pvs.update({
    ...pv,
    metadata: { ...pv.metadata, annotations },
    spec: {
      ...pv.spec,
      claimRef: ours || !ref ? undefined : { ...ref, uid: undefined, resourceVersion: undefined },
    },
  });
  await setVolumePhase(c, updated, 'Available');
}
