/**
 * A StatefulSet pod's stable identity, as pkg/controller/statefulset stateful_set_utils.go
 * defines it: name `<set>-<ordinal>`, labels `statefulset.kubernetes.io/pod-name`,
 * `apps.kubernetes.io/pod-index` and `controller-revision-hash` (the revision's name),
 * hostname = pod name and subdomain = spec.serviceName, and one PVC per volumeClaimTemplate
 * named `<claim>-<set>-<ordinal>` mounted as the template's volume. Ordinals run from
 * spec.ordinals.start (default 0).
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1';
import type { PersistentVolumeClaim, Pod, Volume } from 'kubernetes-types/core/v1';
import { CONTROLLER_REVISION_HASH_LABEL, revisionTemplate } from '../history/revisions';
import { newControllerRef } from '../util/owners';
import { isPodAvailable, isPodReady } from '../util/pods';

/** apps.StatefulSetPodNameLabel. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** apps.PodIndexLabel (Kubernetes 1.28+). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const ORDINAL_RE = /^(.*)-(\d+)$/;

/** getParentNameAndOrdinal: [parent, ordinal], ordinal -1 when the name has none. */
export function parentAndOrdinal(pod: Pod): [string, number] {
  const m = ORDINAL_RE.exec(pod.metadata?.name ?? '');
  if (!m) return ['', -1];
  const ord = Number(m[2]);
  return Number.isSafeInteger(ord) ? [m[1] ?? '', ord] : ['', -1];
}

export const ordinalOf = (pod: Pod): number => parentAndOrdinal(pod)[1];

/** isMemberOf: the pod's name says it belongs to `set`. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentAndOrdinal(pod)[0] === set.metadata?.name;
}

export const startOrdinal = (set: StatefulSet): number => set.spec?.ordinals?.start ?? 0;
/** One past the last ordinal the set wants. */
export const endOrdinal = (set: StatefulSet): number => startOrdinal(set) + (set.spec?.replicas ?? 1);

export const podName = (set: StatefulSet, ordinal: number): string =>
  `${set.metadata?.name ?? ''}-${ordinal}`;

export function claimName(set: StatefulSet, claim: string, ordinal: number): string {
  return `${claim}-${set.metadata?.name ?? ''}-${ordinal}`;
}

export const podRevision = (pod: Pod): string => pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

/** isCreated: the pod exists on the server (it has a phase). */
export const isCreated = (pod: Pod): boolean => Boolean(pod.status?.phase);
export const isTerminating = (pod: Pod): boolean => Boolean(pod.metadata?.deletionTimestamp);
export const isFailed = (pod: Pod): boolean => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: Pod): boolean => pod.status?.phase === 'Succeeded';
export const isRunningAndReady = (pod: Pod): boolean => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: Pod, minReadySeconds: number, now: Date): boolean =>
  pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
export const isHealthy = (pod: Pod): boolean => isRunningAndReady(pod) && !isTerminating(pod);

/** getPersistentVolumeClaims: the claims of `ordinal`, labelled with the set's matchLabels. */
export function claimsFor(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const out = new Map<string, PersistentVolumeClaim>();
  for (const tmpl of set.spec?.volumeClaimTemplates ?? []) {
    const template = tmpl.metadata?.name ?? '';
    const claim = structuredClone(tmpl) as PersistentVolumeClaim & { status?: unknown };
    delete claim.status;
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = {
      ...claim.metadata,
      name: claimName(set, template, ordinal),
      namespace: set.metadata?.namespace,
      labels: { ...claim.metadata?.labels, ...set.spec?.selector.matchLabels },
    };
    out.set(template, claim);
  }
  return out;
}

/** identityMatches: name, namespace and identity labels are what the ordinal implies. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const [parent, ord] = parentAndOrdinal(pod);
  const labels = pod.metadata?.labels ?? {};
  return (
    ord >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.name === podName(set, ord) &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    labels[POD_NAME_LABEL] === pod.metadata?.name &&
    labels[POD_INDEX_LABEL] === String(ord)
  );
}

/** storageMatches: each claim template's volume points at this ordinal's PVC. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ord = ordinalOf(pod);
  if (ord < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((c) => {
    const name = c.metadata?.name ?? '';
    return volumes.get(name)?.persistentVolumeClaim?.claimName === claimName(set, name, ord);
  });
}

/** updateIdentity: name, namespace and identity labels from the ordinal. */
export function updateIdentity(set: StatefulSet, pod: Pod): void {
  const ord = ordinalOf(pod);
  const meta = (pod.metadata ??= {});
  meta.name = podName(set, ord);
  meta.namespace = set.metadata?.namespace;
  meta.labels = { ...meta.labels, [POD_NAME_LABEL]: meta.name, [POD_INDEX_LABEL]: String(ord) };
}

/** updateStorage: claim volumes first, then the pod's other volumes. */
export function updateStorage(set: StatefulSet, pod: Pod): void {
  const claims = claimsFor(set, ordinalOf(pod));
  if (claims.size === 0) return;
  const spec = (pod.spec ??= { containers: [] });
  const volumes: Volume[] = [...claims].map(([template, claim]) => ({
    name: template,
    persistentVolumeClaim: { claimName: claim.metadata?.name ?? '', readOnly: false },
  }));
  for (const v of spec.volumes ?? []) if (!claims.has(v.name)) volumes.push(v);
  spec.volumes = volumes;
}

/** newStatefulSetPod: the pod for `ordinal` from `set`'s template (initIdentity + storage). */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const template = structuredClone(set.spec?.template ?? {});
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: podName(set, ordinal),
      namespace: set.metadata?.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations,
      finalizers: template.metadata?.finalizers,
      ownerReferences: [newControllerRef(set)],
    },
    spec: template.spec ?? { containers: [] },
  };
  updateIdentity(set, pod);
  const spec = pod.spec as NonNullable<Pod['spec']>;
  spec.hostname = pod.metadata?.name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  updateStorage(set, pod);
  return pod;
}

/** ApplyRevision: the set with `revision`'s template. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const clone = structuredClone(set);
  if (clone.spec) clone.spec.template = revisionTemplate(revision);
  return clone;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition (or, without one, below the
 * current replica count) keep the current revision during a rolling update; others get the
 * update revision.
 */
export function newVersionedPod(
  currentSet: StatefulSet,
  updateSet: StatefulSet,
  currentRevision: string,
  updateRevision: string,
  ordinal: number,
): Pod {
  const strategy = currentSet.spec?.updateStrategy;
  const start = startOrdinal(currentSet);
  const keepCurrent =
    strategy?.type === 'RollingUpdate' &&
    (strategy.rollingUpdate?.partition === undefined
      ? ordinal < start + (currentSet.status?.currentReplicas ?? 0)
      : ordinal < start + strategy.rollingUpdate.partition);
  const pod = newStatefulSetPod(keepCurrent ? currentSet : updateSet, ordinal);
  (pod.metadata ??= {}).labels = {
    ...pod.metadata.labels,
    [CONTROLLER_REVISION_HASH_LABEL]: keepCurrent ? currentRevision : updateRevision,
  };
  return pod;
}
