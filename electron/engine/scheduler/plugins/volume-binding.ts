/**
 * VolumeBinding (plugins/volumebinding), the checks a scheduler can make from caches:
 * - every PVC the pod uses (and the PVCs of its generic ephemeral volumes, `<pod>-<volume>`)
 *   must exist and not be terminating (else UnschedulableAndUnresolvable);
 * - an unbound PVC whose class binds Immediately must be bound first by the PV controller:
 *   "pod has unbound immediate PersistentVolumeClaims";
 * - a bound PVC's PV must exist and its nodeAffinity must match the node;
 * - an unbound WaitForFirstConsumer PVC needs, on the node, a matching available PV
 *   (class, size, access modes, node affinity) or a class that can provision.
 * Known limitation: the plugin does not bind PVs at PreBind (kube-scheduler's binder writes the
 * selected-node annotation there); the PV controller binds WaitForFirstConsumer claims.
 */
import type { Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import {
  skip,
  stateKey,
  unresolvable,
  value,
  type FilterPlugin,
  type NodeInfo,
  type PluginFactory,
  type PreFilterPlugin,
  type VolumeLister,
} from '../framework/types';
import { compileTerm, termMatches } from '../../../kube/node-selector';

export const NAME = 'VolumeBinding';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST =
  'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const errReasonPVCNotFound = (name: string): string => `persistentvolumeclaim "${name}" not found`;
export const errReasonPVCDeleting = (name: string): string =>
  `persistentvolumeclaim "${name}" is being deleted`;

/** The PVC names a pod uses (persistentVolumeClaim volumes and generic ephemeral volumes). */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata?.name ?? ''}-${v.name}`);
  }
  return out;
}

/** volumeutil.CheckNodeAffinity: a PV without required node affinity fits every node. */
export function pvFitsNode(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  for (const t of terms) {
    const c = compileTerm(t);
    if (c && termMatches(c, node)) return true;
  }
  return false;
}

/** Whether an available PV can satisfy the claim on this node (pv_controller findMatchingVolume, simplified). */
export function pvMatchesClaim(pv: PersistentVolume, pvc: PersistentVolumeClaim, node: Node): boolean {
  if (pv.spec?.claimRef && pv.spec.claimRef.uid !== pvc.metadata?.uid) return false;
  if (pv.status?.phase && pv.status.phase !== 'Available') return false;
  if ((pv.spec?.storageClassName ?? '') !== (pvc.spec?.storageClassName ?? '')) return false;
  const want = value(pvc.spec?.resources?.requests?.storage);
  if (value(pv.spec?.capacity?.storage) < want) return false;
  const modes = pv.spec?.accessModes ?? [];
  for (const m of pvc.spec?.accessModes ?? []) if (!modes.includes(m)) return false;
  return pvFitsNode(pv, node);
}

interface ClaimsState {
  bound: PersistentVolumeClaim[];
  delayed: PersistentVolumeClaim[];
  clone(): ClaimsState;
}
const KEY = stateKey<ClaimsState>(`PreFilter${NAME}`);

/** Reasons the node cannot host the pod's volumes (empty: it can). */
export function fits(s: Pick<ClaimsState, 'bound' | 'delayed'>, node: Node, volumes: VolumeLister): string[] {
  const reasons: string[] = [];
  for (const pvc of s.bound) {
    const pv = volumes.getPV(pvc.spec?.volumeName ?? '');
    if (!pv) {
      if (!reasons.includes(ERR_REASON_PV_NOT_EXIST)) reasons.push(ERR_REASON_PV_NOT_EXIST);
    } else if (!pvFitsNode(pv, node) && !reasons.includes(ERR_REASON_NODE_CONFLICT))
      reasons.push(ERR_REASON_NODE_CONFLICT);
  }
  for (const pvc of s.delayed) {
    const cls = volumes.getStorageClass?.(pvc.spec?.storageClassName ?? '');
    const provisions = cls?.provisioner && cls.provisioner !== 'kubernetes.io/no-provisioner';
    if (provisions) continue;
    if ((volumes.listPVs?.() ?? []).some((pv) => pvMatchesClaim(pv, pvc, node))) continue;
    if (!reasons.includes(ERR_REASON_BIND_CONFLICT)) reasons.push(ERR_REASON_BIND_CONFLICT);
  }
  return reasons;
}

export const factory: PluginFactory = (_args, handle) =>
  ({
    name: NAME,
    preFilter(state, pod) {
      const names = podClaimNames(pod.pod);
      if (names.length === 0) return { status: skip() };
      const bound: PersistentVolumeClaim[] = [];
      const delayed: PersistentVolumeClaim[] = [];
      for (const name of names) {
        const pvc = handle.volumes.getPVC(pod.namespace, name);
        if (!pvc) return { status: unresolvable(errReasonPVCNotFound(name)) };
        if (pvc.metadata?.deletionTimestamp) return { status: unresolvable(errReasonPVCDeleting(name)) };
        if (pvc.spec?.volumeName) {
          bound.push(pvc);
          continue;
        }
        const cls = handle.volumes.getStorageClass?.(pvc.spec?.storageClassName ?? '');
        if (cls?.volumeBindingMode === 'WaitForFirstConsumer') delayed.push(pvc);
        else return { status: unresolvable(ERR_REASON_UNBOUND_IMMEDIATE) };
      }
      const s: ClaimsState = {
        bound,
        delayed,
        clone() {
          return this;
        },
      };
      state.write(KEY, s);
      return { status: null };
    },
    filter(state, _pod, nodeInfo: NodeInfo) {
      const s = state.read(KEY);
      const node = nodeInfo.node;
      if (!s || !node) return null;
      const reasons = fits(s, node, handle.volumes);
      return reasons.length === 0 ? null : unresolvable(...reasons);
    },
  }) satisfies PreFilterPlugin & FilterPlugin;
