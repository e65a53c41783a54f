/**
 * PodTopologySpread Filter (podtopologyspread/filtering.go): for each DoNotSchedule constraint,
 * placing the pod in a domain must keep `matching pods in domain + self − global minimum ≤
 * maxSkew`; the global minimum counts as 0 while fewer than minDomains domains exist.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import {
  selectorMatches,
  skip,
  stateKey,
  unresolvable,
  unschedulable,
  type CycleState,
  type NodeInfo,
  type PodInfo,
} from '../../framework/types';
import { requiredNodeAffinity, type RequiredNodeAffinity } from '../../../../kube/node-selector';
import {
  compileConstraints,
  countMatchingCached,
  everyNodeIsDomain,
  nodeHasAllKeys,
  nodeIncluded,
  selectorKey,
  type Constraint,
} from './common';
import { DomainCountsCache } from './domain-counts';

export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

export class PreFilterState {
  constructor(
    readonly constraints: Constraint[],
    /** Per constraint: topology value → matching pods. */
    readonly counts: Map<string, number>[],
    /** Per constraint: the global minimum (recomputed when counts change). */
    readonly mins: number[],
    readonly affinity: RequiredNodeAffinity,
  ) {}

  clone(): PreFilterState {
    return new PreFilterState(
      this.constraints,
      this.counts.map((m) => new Map(m)),
      [...this.mins],
      this.affinity,
    );
  }

  recomputeMin(i: number): void {
    const c = this.constraints[i] as Constraint;
    const m = this.counts[i] as Map<string, number>;
    let min = Number.MAX_SAFE_INTEGER;
    for (const v of m.values()) if (v < min) min = v;
    this.mins[i] = m.size < c.minDomains ? 0 : min;
  }

  /** updateWithPod: a pod added to (+1) or removed from (−1) a node, as preemption simulates. */
  update(pod: Pod, incoming: PodInfo, other: PodInfo, nodeInfo: NodeInfo, delta: 1 | -1): void {
    const node = nodeInfo.node;
    if (!node || other.namespace !== incoming.namespace || !nodeHasAllKeys(node, this.constraints)) return;
    this.constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod, node, this.affinity) || !selectorMatches(c.selector, other.labels)) return;
      const v = node.metadata?.labels?.[c.topologyKey] ?? '';
      const m = this.counts[i] as Map<string, number>;
      m.set(v, (m.get(v) ?? 0) + delta);
      this.recomputeMin(i);
    });
  }
}
export const PRE_FILTER_KEY = stateKey<PreFilterState>('PreFilterPodTopologySpread');

/** calPreFilterState: count matching pods per domain over every eligible node. */
export function preFilterState(
  pod: PodInfo,
  nodes: readonly NodeInfo[],
  domains?: DomainCountsCache,
): PreFilterState | null {
  const constraints = compileConstraints(
    pod.pod.spec?.topologySpreadConstraints,
    pod.labels,
    'DoNotSchedule',
  );
  if (constraints.length === 0) return null;
  const affinity = requiredNodeAffinity(pod.pod);
  const keys = constraints.map((c) => selectorKey(pod.namespace, c.selector));
  const only = constraints[0] as Constraint;
  if (domains && constraints.length === 1 && everyNodeIsDomain(only, pod.pod)) {
    // One constraint: its domains are exactly the nodes with its key (see DomainCounts).
    const totals = domains
      .get(keys[0] as string, only.selector, pod.namespace, only.topologyKey)
      .refresh(nodes);
    const s = new PreFilterState(constraints, [new Map(totals)], [0], affinity);
    s.recomputeMin(0);
    return s;
  }
  const counts = constraints.map(() => new Map<string, number>());
  for (const ni of nodes) {
    const node = ni.node;
    if (!node || !nodeHasAllKeys(node, constraints)) continue;
    constraints.forEach((c, i) => {
      if (!nodeIncluded(c, pod.pod, node, affinity)) return;
      const v = node.metadata?.labels?.[c.topologyKey] ?? '';
      const m = counts[i] as Map<string, number>;
      m.set(v, (m.get(v) ?? 0) + countMatchingCached(ni, c.selector, pod.namespace, keys[i] as string));
    });
  }
  const s = new PreFilterState(
    constraints,
    counts,
    constraints.map(() => 0),
    affinity,
  );
  constraints.forEach((_c, i) => s.recomputeMin(i));
  return s;
}

/** Whether placing the pod on the node keeps every hard constraint's skew (null) or why not. */
export function fits(s: PreFilterState, pod: PodInfo, nodeInfo: NodeInfo): string | null {
  const labels = nodeInfo.node?.metadata?.labels;
  for (let i = 0; i < s.constraints.length; i++) {
    const c = s.constraints[i] as Constraint;
    const v = labels?.[c.topologyKey];
    if (v === undefined) return ERR_REASON_NODE_LABEL_NOT_MATCH;
    const self = selectorMatches(c.selector, pod.labels) ? 1 : 0;
    const skew = ((s.counts[i] as Map<string, number>).get(v) ?? 0) + self - (s.mins[i] ?? 0);
    if (skew > c.maxSkew) return ERR_REASON_CONSTRAINTS_NOT_MATCH;
  }
  return null;
}

/** The Filter half; `domains` persists across cycles (see DomainCounts). */
export function filtering() {
  const domains = new DomainCountsCache();
  return {
    preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
      const s = preFilterState(pod, nodes, domains);
      if (!s) return { status: skip() };
      state.write(PRE_FILTER_KEY, s);
      return { status: null };
    },
    filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) {
      const s = state.read(PRE_FILTER_KEY);
      if (!s) return null;
      const reason = fits(s, pod, nodeInfo);
      if (reason === null) return null;
      return reason === ERR_REASON_NODE_LABEL_NOT_MATCH ? unresolvable(reason) : unschedulable(reason);
    },
  };
}
