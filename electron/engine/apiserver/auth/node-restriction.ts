/**
 * NodeRestriction admission (plugin/pkg/admission/noderestriction): what a node identity may
 * write, after the node authorizer let the request through. A node may
 *  - create/delete only mirror pods bound to itself, and update status only of pods bound to it
 *    (not their labels), and evict only its own pods;
 *  - create/modify only its own Node, without node-restriction.kubernetes.io/ labels, other
 *    kubernetes.io / k8s.io labels than the kubelet's own, taint changes or a configSource;
 *  - touch only its own Lease in kube-node-lease and its own CSINode;
 *  - request tokens only bound to pods scheduled on it;
 *  - update only the status of PVCs (capacity and conditions).
 * Messages are Kubernetes' own, wrapped as admission.NewForbidden does: `<resource> "<name>" is
 * forbidden: <why>`.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { TokenRequest } from 'kubernetes-types/authentication/v1';
import type { KubeObject } from '../resources/types';
import type { RequestAttributes } from './authorizer';
import { podReferences } from './pod-references';
import { nodeName } from './user';
import { semanticEqual } from './semantic-equal';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export type NodeAdmissionAttributes = Pick<
  RequestAttributes,
  'user' | 'apiGroup' | 'resource' | 'subresource' | 'namespace' | 'name'
> & { operation: AdmissionOperation };

export interface NodeRestrictionLookup {
  pod(namespace: string, name: string): Pod | undefined;
  node(name: string): Node | undefined;
}

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';
/** Labels the kubelet sets on its own Node (k8s.io/kubelet pkg/apis well-known labels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

/**
 * Admit a write by a node: null when allowed (or the user is no node), else the message of the
 * 403 Forbidden Status. `obj` is the new object (for pods/eviction the Eviction, for
 * serviceaccounts/token the TokenRequest), `old` the stored one (for a pod delete or eviction:
 * the pod). `lookup` resolves the pods and Node that token requests and mirror pods refer to;
 * without it those checks are skipped.
 */
export function admitNodeRequest(
  attrs: NodeAdmissionAttributes,
  obj: KubeObject | undefined,
  old: KubeObject | undefined,
  lookup?: NodeRestrictionLookup,
): string | null {
  const node = nodeName(attrs.user);
  if (node === undefined) return null;
  const objectName = attrs.name || obj?.metadata?.name || obj?.metadata?.generateName || 'Unknown';
  const qualified = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  const forbid = (why: string) => `${qualified} ${JSON.stringify(objectName)} is forbidden: ${why}`;
  if (node === '') return forbid(`could not determine node from user ${JSON.stringify(attrs.user.name)}`);
  const why = check(node, attrs, obj, old, lookup);
  return why === null ? null : forbid(why);
}

function check(
  node: string,
  a: NodeAdmissionAttributes,
  obj: KubeObject | undefined,
  old: KubeObject | undefined,
  lookup: NodeRestrictionLookup | undefined,
): string | null {
  const q = (s: string) => JSON.stringify(s);
  switch (`${a.apiGroup}/${a.resource}`) {
    case '/pods':
      if (a.subresource === '')
        return admitPod(node, a.operation, obj as Pod, old as Pod | undefined, lookup);
      if (a.subresource === 'status') {
        if (a.operation !== 'UPDATE') return `unexpected operation ${q(a.operation)}`;
        const [before, after] = [old as Pod | undefined, obj as Pod | undefined];
        if (before?.spec?.nodeName !== node) {
          return `node ${q(node)} can only update pod status for pods with spec.nodeName set to itself`;
        }
        if (!semanticEqual(before.metadata?.labels, after?.metadata?.labels)) {
          return `node ${q(node)} cannot update labels through pod status`;
        }
        return null;
      }
      if (a.subresource === 'eviction') {
        if (a.operation !== 'CREATE') return `unexpected operation ${a.operation}`;
        if ((old as Pod | undefined)?.spec?.nodeName !== node) {
          return `node ${node} can only evict pods with spec.nodeName set to itself`;
        }
        return null;
      }
      return `unexpected pod subresource ${q(a.subresource)}, only 'status' and 'eviction' are allowed`;
    case '/nodes':
      return admitNode(node, a, obj as Node | undefined, old as Node | undefined);
    case '/persistentvolumeclaims':
      if (a.subresource !== 'status') return 'may only update PVC status';
      if (a.operation !== 'UPDATE') return `unexpected operation ${q(a.operation)}`;
      return semanticEqual(pvcWithoutStatus(old), pvcWithoutStatus(obj))
        ? null
        : `node ${q(node)} is not allowed to update fields other than status.capacity and status.conditions`;
    case '/serviceaccounts':
      if (a.operation !== 'CREATE' || a.subresource !== 'token') return null;
      return admitTokenRequest(node, a.namespace, obj as TokenRequest | undefined, lookup);
    case 'coordination.k8s.io/leases': {
      if (a.namespace !== NODE_LEASE_NAMESPACE) {
        return `can only access leases in the ${q(NODE_LEASE_NAMESPACE)} system namespace`;
      }
      const name = a.operation === 'CREATE' ? (obj as Lease | undefined)?.metadata?.name : a.name;
      return name === node ? null : 'can only access node lease with the same name as the requesting node';
    }
    case 'storage.k8s.io/csinodes': {
      const name = a.operation === 'CREATE' ? obj?.metadata?.name : a.name;
      return name === node ? null : 'can only access CSINode with the same name as the requesting node';
    }
  }
  return null;
}

function admitPod(
  node: string,
  op: AdmissionOperation,
  pod: Pod | undefined,
  old: Pod | undefined,
  lookup: NodeRestrictionLookup | undefined,
): string | null {
  const q = (s: string) => JSON.stringify(s);
  if (op === 'DELETE') {
    return old?.spec?.nodeName === node
      ? null
      : `node ${q(node)} can only delete pods with spec.nodeName set to itself`;
  }
  if (op !== 'CREATE')
    return `unexpected operation ${q(op)}, node ${q(node)} can only create and delete mirror pods`;
  if (pod?.metadata?.annotations?.[MIRROR_POD_ANNOTATION] === undefined) {
    return `pod does not have ${q(MIRROR_POD_ANNOTATION)} annotation, node ${q(node)} can only create mirror pods`;
  }
  if (pod.spec?.nodeName !== node)
    return `node ${q(node)} can only create pods with spec.nodeName set to itself`;
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1)
    return `node ${q(node)} can only create pods with a single owner reference set to itself`;
  const [owner] = owners;
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) {
    return `node ${q(node)} can only create pods with an owner reference set to itself`;
  }
  if (owner.controller !== true) {
    return `node ${q(node)} can only create pods with a controller owner reference set to itself`;
  }
  if (owner.blockOwnerDeletion === true) {
    return `node ${q(node)} must not set blockOwnerDeletion on an owner reference`;
  }
  const nodeObj = lookup?.node(node);
  if (lookup && nodeObj?.metadata?.uid !== owner.uid) {
    return `node ${node} UID mismatch: expected ${owner.uid} got ${String(nodeObj?.metadata?.uid ?? '')}`;
  }
  if (pod.spec.serviceAccountName)
    return `node ${q(node)} can not create pods that reference a service account`;
  const refs = podReferences(pod);
  if (refs.secrets.size > 0) return `node ${q(node)} can not create pods that reference secrets`;
  if (refs.configMaps.size > 0) return `node ${q(node)} can not create pods that reference configmaps`;
  if (refs.clusterTrustBundles)
    return `node ${q(node)} can not create pods that reference clustertrustbundles`;
  if ((pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim)) {
    return `node ${q(node)} can not create pods that reference persistentvolumeclaims`;
  }
  return null;
}

function admitNode(node: string, a: NodeAdmissionAttributes, obj: Node | undefined, old: Node | undefined) {
  const q = (s: string) => JSON.stringify(s);
  const requested = a.name || (a.operation === 'CREATE' ? (obj?.metadata?.name ?? '') : '');
  if (requested !== node) return `node ${q(node)} is not allowed to modify node ${q(requested)}`;
  if (a.operation === 'CREATE') {
    if (obj?.spec?.configSource)
      return `node ${q(node)} is not allowed to create pods with a non-nil configSource`;
    const bad = forbiddenLabels(obj?.metadata?.labels, undefined);
    if (bad.length > 0)
      return `node ${q(node)} is not allowed to set the following labels: ${bad.join(', ')}`;
  }
  if (a.operation === 'UPDATE') {
    if (obj?.spec?.configSource && !semanticEqual(obj.spec.configSource, old?.spec?.configSource)) {
      return `node ${q(node)} is not allowed to update configSource to a new non-nil configSource`;
    }
    if (!semanticEqual(obj?.spec?.taints, old?.spec?.taints))
      return `node ${q(node)} is not allowed to modify taints`;
    const bad = forbiddenLabels(obj?.metadata?.labels, old?.metadata?.labels);
    // Kubernetes' wording, without the node's name.
    if (bad.length > 0) return `is not allowed to modify labels: ${bad.join(', ')}`;
  }
  return null;
}

/** Changed (added, removed or modified) labels a kubelet may not set, sorted. */
function forbiddenLabels(next: Record<string, string> = {}, prev: Record<string, string> = {}): string[] {
  const changed = new Set<string>();
  for (const [k, v] of Object.entries(next)) if (prev[k] !== v) changed.add(k);
  for (const [k, v] of Object.entries(prev)) if (next[k] !== v) changed.add(k);
  const inNamespace = (ns: string, suffix: string) => ns === suffix || ns.endsWith(`.${suffix}`);
  return [...changed]
    .filter((label) => {
      const ns = label.includes('/') ? label.slice(0, label.indexOf('/')) : '';
      if (inNamespace(ns, NODE_RESTRICTION_LABEL_NAMESPACE)) return true;
      const kubernetes = inNamespace(ns, 'kubernetes.io') || inNamespace(ns, 'k8s.io');
      const kubelet = KUBELET_LABELS.has(label) || KUBELET_LABEL_NAMESPACES.some((k) => inNamespace(ns, k));
      return kubernetes && !kubelet;
    })
    .sort();
}

function admitTokenRequest(
  node: string,
  namespace: string,
  tr: TokenRequest | undefined,
  lookup: NodeRestrictionLookup | undefined,
): string | null {
  const ref = tr?.spec?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name)
    return 'node requested token not bound to a pod';
  if (!ref.uid) return 'node requested token with a pod binding without a uid';
  if (!lookup) return null;
  const pod = lookup.pod(namespace, ref.name);
  if (!pod) return `pods ${JSON.stringify(ref.name)} not found`;
  if (pod.metadata?.uid !== ref.uid) {
    return `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`;
  }
  if (pod.spec?.nodeName !== node) return 'node requested token bound to a pod scheduled on a different node';
  return null;
}

/** A PVC without what a node may change in it (status.capacity / conditions / allocated*). */
const PVC_STATUS_FIELDS_NODES_SET = new Set([
  'capacity',
  'conditions',
  'allocatedResources',
  'allocatedResourceStatuses',
]);
function pvcWithoutStatus(pvc: KubeObject | undefined): unknown {
  if (!pvc) return undefined;
  const metadata = Object.fromEntries(
    Object.entries(pvc.metadata ?? {}).filter(([k]) => k !== 'resourceVersion' && k !== 'managedFields'),
  );
  const status = Object.fromEntries(
    Object.entries((pvc.status as Record<string, unknown> | undefined) ?? {}).filter(
      ([k]) => !PVC_STATUS_FIELDS_NODES_SET.has(k),
    ),
  );
  return { ...pvc, metadata, status };
}
