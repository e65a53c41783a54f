/**
 * Shared parts of PodTopologySpread (plugins/podtopologyspread/common.go): constraints compiled
 * once per pod, node inclusion policies, and counting matching pods on a node.
 */
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import {
  compileSelector,
  selectorMatches,
  type CompiledSelector,
  type NodeInfo,
} from '../../framework/types';
import { requiredMatches, type RequiredNodeAffinity } from '../../../../kube/node-selector';
import { doNotSchedule, findUntoleratedTaint } from '../../../../kube/tolerations';

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: CompiledSelector;
  minDomains: number;
  /** Honor (default): only nodes matching the pod's nodeSelector/required affinity count. */
  nodeAffinityHonor: boolean;
  /** Honor: only nodes whose NoSchedule/NoExecute taints the pod tolerates count; Ignore (default). */
  nodeTaintsHonor: boolean;
}

/** System default constraints (podtopologyspread systemDefaultConstraints), for owned pods. */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraint[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
];

/**
 * filterTopologySpreadConstraints: the constraints with the given action, compiled;
 * matchLabelKeys add `key in (pod's value)` to the selector.
 */
export function compileConstraints(
  cs: readonly TopologySpreadConstraint[] | undefined,
  podLabels: Record<string, string> | undefined,
  action: 'DoNotSchedule' | 'ScheduleAnyway',
  selectorOverride?: CompiledSelector,
): Constraint[] {
  const out: Constraint[] = [];
  for (const c of cs ?? []) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = selectorOverride !== undefined ? selectorOverride : compileSelector(c.labelSelector);
    if (selector && c.matchLabelKeys && c.matchLabelKeys.length > 0) {
      selector = [...selector];
      for (const k of c.matchLabelKeys) {
        const v = podLabels?.[k];
        if (v !== undefined) selector.push({ key: k, op: 'in', values: [v] });
      }
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: c.minDomains ?? 1,
      nodeAffinityHonor: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
      nodeTaintsHonor: (c.nodeTaintsPolicy ?? 'Ignore') === 'Honor',
    });
  }
  return out;
}

/** nodeLabelsMatchSpreadConstraints: the node has every constraint's topology key. */
export function nodeHasAllKeys(node: Node, cs: readonly Constraint[]): boolean {
  const labels = node.metadata?.labels;
  if (!labels) return cs.length === 0;
  for (const c of cs) if (!(c.topologyKey in labels)) return false;
  return true;
}

/** matchNodeInclusionPolicies: whether the node's domain counts for this constraint. */
export function nodeIncluded(c: Constraint, pod: Pod, node: Node, affinity: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityHonor && !requiredMatches(affinity, node)) return false;
  if (c.nodeTaintsHonor && findUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, doNotSchedule))
    return false;
  return true;
}

/**
 * countMatching, memoised per node and selector until the node changes (NodeInfo.generation).
 * Spreading counts every node's pods for every pod scheduled; replicas of one workload share a
 * selector, so after the first replica only the nodes changed since are counted again. `key`
 * identifies namespace + selector (see selectorKey). Bounded: a node keeps at most 256 entries.
 */
export function countMatchingCached(
  nodeInfo: NodeInfo,
  selector: CompiledSelector,
  namespace: string,
  key: string,
): number {
  const m = nodeInfo.memo;
  const hit = m.get(key);
  if (hit && hit.gen === nodeInfo.generation) return hit.count;
  const count = countMatching(nodeInfo, selector, namespace);
  if (!hit && m.size >= 256) m.clear();
  if (hit) {
    hit.gen = nodeInfo.generation;
    hit.count = count;
  } else m.set(key, { gen: nodeInfo.generation, count });
  return count;
}

/**
 * Whether every node carrying the constraint's key is one of its domains for this pod: no
 * nodeTaintsPolicy Honor, and nodeAffinityPolicy Honor only matters with a node selector or
 * required node affinity. Then DomainCounts may count for it.
 */
export function everyNodeIsDomain(c: Constraint, pod: Pod): boolean {
  if (c.nodeTaintsHonor) return false;
  return (
    !c.nodeAffinityHonor ||
    (!pod.spec?.nodeSelector &&
      !pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
  );
}

/** A cache key for namespace + selector. */
export const selectorKey = (namespace: string, selector: CompiledSelector): string =>
  `${namespace}|${JSON.stringify(selector)}`;

/** countPodsMatchSelector: pods of the namespace on the node matching, terminating ones excluded. */
export function countMatching(nodeInfo: NodeInfo, selector: CompiledSelector, namespace: string): number {
  if (selector === null) return 0;
  let n = 0;
  for (const p of nodeInfo.pods) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (selectorMatches(selector, p.labels)) n++;
  }
  return n;
}

/**
 * The selector system default constraints use (helper.DefaultSelector): the selectors of the
 * services, ReplicationControllers, ReplicaSets and StatefulSets that select the pod, ANDed. When
 * the loop does not provide them, a pod owned by one of those kinds is matched with its own
 * labels, minus the per-pod and per-revision ones; other pods get no default spreading.
 */
export function defaultSelector(
  pod: Pod,
  workloadSelectors: readonly LabelSelector[] | undefined,
): CompiledSelector {
  if (workloadSelectors) {
    const reqs = workloadSelectors.flatMap((s) => compileSelector(s) ?? []);
    return reqs.length === 0 ? null : reqs;
  }
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (!owner || !['ReplicaSet', 'ReplicationController', 'StatefulSet'].includes(owner.kind)) return null;
  const labels = Object.entries(pod.metadata?.labels ?? {}).filter(([k]) => !PER_POD_LABELS.has(k));
  if (labels.length === 0) return null;
  return labels.map(([key, v]) => ({ key, op: '=' as const, values: [v] }));
}
const PER_POD_LABELS = new Set([
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-revision-hash',
]);
