/**
 * InterPodAffinity Filter (interpodaffinity/filtering.go). PreFilter counts, per topology pair
 * (key, value), the existing pods that match the incoming pod's required affinity terms (all of
 * them) and anti-affinity terms, and the existing pods whose required anti-affinity terms match
 * the incoming pod. Filter then only looks the node's labels up in those counts.
 */
import type { Node } from 'kubernetes-types/core/v1';
import {
  skip,
  stateKey,
  termMatches,
  unresolvable,
  unschedulable,
  type AffinityTerm,
  type CycleState,
  type Handle,
  type NodeInfo,
  type PodInfo,
} from '../../framework/types';

export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

/** (topologyKey, value) → count; entries at 0 are deleted. */
export type TopologyCounts = Map<string, number>;
const pairKey = (k: string, v: string) => `${k}\u0000${v}`;

function update(m: TopologyCounts, node: Node, key: string, delta: number): void {
  const v = node.metadata?.labels?.[key];
  if (v === undefined) return;
  const k = pairKey(key, v);
  const n = (m.get(k) ?? 0) + delta;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

/** Namespace labels looked up once per namespace per cycle. */
export function nsLabelCache(handle: Handle): (ns: string) => Record<string, string> | undefined {
  const cache = new Map<string, Record<string, string> | undefined>();
  return (ns) => {
    if (!cache.has(ns)) cache.set(ns, handle.namespaceLabels(ns));
    return cache.get(ns);
  };
}

/** podMatchesAllAffinityTerms: false for no terms. */
export function matchesAll(
  terms: readonly AffinityTerm[],
  pod: PodInfo,
  nsLabels: Record<string, string> | undefined,
) {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

export class PreFilterState {
  constructor(
    readonly pod: PodInfo,
    readonly nsLabels: (ns: string) => Record<string, string> | undefined,
    readonly existingAntiAffinity: TopologyCounts,
    readonly affinity: TopologyCounts,
    readonly antiAffinity: TopologyCounts,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.pod,
      this.nsLabels,
      new Map(this.existingAntiAffinity),
      new Map(this.affinity),
      new Map(this.antiAffinity),
    );
  }

  /** updateWithPod: account for `other` added to (+1) or removed from (−1) nodeInfo. */
  updateWithPod(other: PodInfo, nodeInfo: NodeInfo, delta: 1 | -1): void {
    const node = nodeInfo.node;
    if (!node) return;
    const incomingNs = this.nsLabels(this.pod.namespace);
    for (const t of other.requiredAntiAffinityTerms)
      if (termMatches(t, this.pod, incomingNs)) update(this.existingAntiAffinity, node, t.topologyKey, delta);
    const otherNs = this.nsLabels(other.namespace);
    if (matchesAll(this.pod.requiredAffinityTerms, other, otherNs))
      for (const t of this.pod.requiredAffinityTerms) update(this.affinity, node, t.topologyKey, delta);
    for (const t of this.pod.requiredAntiAffinityTerms)
      if (termMatches(t, other, otherNs)) update(this.antiAffinity, node, t.topologyKey, delta);
  }
}
export const PRE_FILTER_KEY = stateKey<PreFilterState>('PreFilterInterPodAffinity');

export function preFilterState(pod: PodInfo, handle: Handle): PreFilterState {
  const ns = nsLabelCache(handle);
  const snap = handle.snapshot();
  const s = new PreFilterState(pod, ns, new Map(), new Map(), new Map());
  const incomingNs = ns(pod.namespace);
  for (const ni of snap.havePodsWithRequiredAntiAffinity()) {
    const node = ni.node;
    if (!node) continue;
    for (const existing of ni.podsWithRequiredAntiAffinity)
      for (const t of existing.requiredAntiAffinityTerms)
        if (termMatches(t, pod, incomingNs)) update(s.existingAntiAffinity, node, t.topologyKey, 1);
  }
  if (pod.requiredAffinityTerms.length > 0 || pod.requiredAntiAffinityTerms.length > 0)
    for (const ni of snap.nodeInfos()) {
      const node = ni.node;
      if (!node) continue;
      for (const existing of ni.pods) {
        const existingNs = ns(existing.namespace);
        if (matchesAll(pod.requiredAffinityTerms, existing, existingNs))
          for (const t of pod.requiredAffinityTerms) update(s.affinity, node, t.topologyKey, 1);
        for (const t of pod.requiredAntiAffinityTerms)
          if (termMatches(t, existing, existingNs)) update(s.antiAffinity, node, t.topologyKey, 1);
      }
    }
  return s;
}

function satisfiesAffinity(s: PreFilterState, labels: Record<string, string> | undefined): boolean {
  let podsExist = true;
  for (const t of s.pod.requiredAffinityTerms) {
    const v = labels?.[t.topologyKey];
    if (v === undefined) return false; // every topology key must exist on the node
    if ((s.affinity.get(pairKey(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // The first pod of a group with affinity to itself: allowed when nothing matches yet and the
  // pod matches its own terms, or it would stay pending forever.
  return s.affinity.size === 0 && matchesAll(s.pod.requiredAffinityTerms, s.pod, s.nsLabels(s.pod.namespace));
}

function satisfiesAntiAffinity(s: PreFilterState, labels: Record<string, string> | undefined): boolean {
  if (s.antiAffinity.size === 0) return true;
  for (const t of s.pod.requiredAntiAffinityTerms) {
    const v = labels?.[t.topologyKey];
    if (v !== undefined && (s.antiAffinity.get(pairKey(t.topologyKey, v)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfiesExistingAntiAffinity(
  s: PreFilterState,
  labels: Record<string, string> | undefined,
): boolean {
  if (s.existingAntiAffinity.size === 0 || !labels) return true;
  for (const k in labels)
    if ((s.existingAntiAffinity.get(pairKey(k, labels[k] ?? '')) ?? 0) > 0) return false;
  return true;
}

/** The reason the node is rejected, or null when the pod's and existing pods' rules allow it. */
export function fits(s: PreFilterState, nodeInfo: NodeInfo): string | null {
  const labels = nodeInfo.node?.metadata?.labels;
  if (!satisfiesAffinity(s, labels)) return ERR_REASON_AFFINITY;
  if (!satisfiesAntiAffinity(s, labels)) return ERR_REASON_ANTI_AFFINITY;
  if (!satisfiesExistingAntiAffinity(s, labels)) return ERR_REASON_EXISTING_ANTI_AFFINITY;
  return null;
}

export function filtering(handle: Handle) {
  return {
    preFilter(state: CycleState, pod: PodInfo) {
      const s = preFilterState(pod, handle);
      if (
        s.existingAntiAffinity.size === 0 &&
        pod.requiredAffinityTerms.length === 0 &&
        pod.requiredAntiAffinityTerms.length === 0
      )
        return { status: skip() };
      state.write(PRE_FILTER_KEY, s);
      return { status: null };
    },
    filter(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo) {
      const s = state.read(PRE_FILTER_KEY);
      if (!s) return null;
      const reason = fits(s, nodeInfo);
      if (reason === null) return null;
      return reason === ERR_REASON_AFFINITY ? unresolvable(reason) : unschedulable(reason);
    },
  };
}
