/**
 * What a pod references by name — the edges of Kubernetes' node authorizer graph
 * (node ← pod ← secret / configmap / pvc / serviceaccount) and what NodeRestriction forbids in
 * mirror pods. Follows pkg/api/pod's VisitPodSecretNames / VisitPodConfigmapNames: volumes
 * (including projected sources and plugin secretRefs), env and envFrom of every container kind,
 * and imagePullSecrets.
 */
import type { Container, EphemeralContainer, Pod, Volume } from 'kubernetes-types/core/v1';

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  persistentVolumeClaims: Set<string>;
  /** The pod's service account ('default' when unset, as the ServiceAccount admission sets it). */
  serviceAccount: string;
  /** Projected clusterTrustBundle sources (mirror pods may not use them). */
  clusterTrustBundles: boolean;
}

export function podReferences(pod: Pod): PodReferences {
  const refs: PodReferences = {
    secrets: new Set(),
    configMaps: new Set(),
    persistentVolumeClaims: new Set(),
    serviceAccount: pod.spec?.serviceAccountName || 'default',
    clusterTrustBundles: false,
  };
  const add = (set: Set<string>, name: string | undefined) => {
    if (name) set.add(name);
  };
  for (const s of pod.spec?.imagePullSecrets ?? []) add(refs.secrets, s.name);
  for (const v of pod.spec?.volumes ?? []) volumeReferences(v, pod.metadata?.name ?? '', refs, add);
  const containers: (Container | EphemeralContainer)[] = [
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ];
  for (const c of containers) {
    for (const e of c.envFrom ?? []) {
      add(refs.secrets, e.secretRef?.name);
      add(refs.configMaps, e.configMapRef?.name);
    }
    for (const e of c.env ?? []) {
      add(refs.secrets, e.valueFrom?.secretKeyRef?.name);
      add(refs.configMaps, e.valueFrom?.configMapKeyRef?.name);
    }
  }
  return refs;
}

function volumeReferences(
  v: Volume,
  podName: string,
  refs: PodReferences,
  add: (set: Set<string>, name: string | undefined) => void,
) {
  add(refs.secrets, v.secret?.secretName);
  add(refs.secrets, v.azureFile?.secretName);
  for (const ref of [
    v.cephfs?.secretRef,
    v.cinder?.secretRef,
    v.flexVolume?.secretRef,
    v.iscsi?.secretRef,
    v.rbd?.secretRef,
    v.scaleIO?.secretRef,
    v.storageos?.secretRef,
    v.csi?.nodePublishSecretRef,
  ]) {
    add(refs.secrets, ref?.name);
  }
  add(refs.configMaps, v.configMap?.name);
  for (const source of v.projected?.sources ?? []) {
    add(refs.secrets, source.secret?.name);
    add(refs.configMaps, source.configMap?.name);
    if (source.clusterTrustBundle) refs.clusterTrustBundles = true;
  }
  add(refs.persistentVolumeClaims, v.persistentVolumeClaim?.claimName);
  // A generic ephemeral volume's claim is named <pod>-<volume> (Kubernetes' ephemeral.VolumeClaimName).
  if (v.ephemeral) add(refs.persistentVolumeClaims, `${podName}-${v.name}`);
}
