/**
 * PodTopologySpread Score (podtopologyspread/scoring.go): for each ScheduleAnyway constraint
 * (the pod's own, or the system defaults for pods of services/ReplicaSets/StatefulSets), a node
 * scores `matching pods in its domain × log(domains + 2) + maxSkew − 1`; normalisation reverses
 * it, so the emptiest domain scores 100. Nodes lacking a topology key are ignored (score 0),
 * except with system defaults.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import {
  MAX_NODE_SCORE,
  skip,
  stateKey,
  type CycleState,
  type NodeInfo,
  type NodeScore,
  type PodInfo,
  type Snapshot,
} from '../../framework/types';
import { requiredNodeAffinity } from '../../../../kube/node-selector';
import {
  LABEL_HOSTNAME,
  compileConstraints,
  countMatchingCached,
  defaultSelector,
  everyNodeIsDomain,
  nodeHasAllKeys,
  nodeIncluded,
  selectorKey,
  type Constraint,
} from './common';
import { DomainCountsCache } from './domain-counts';

class PreScoreState {
  constructor(
    readonly constraints: Constraint[],
    readonly ignored: Set<string>,
    /** Per constraint: topology value → matching pods (not used for hostname: counted per node). */
    readonly counts: Map<string, number>[],
    readonly weights: number[],
    /** Per constraint: the count cache key (namespace + selector). */
    readonly keys: string[],
  ) {}
  clone() {
    return this;
  }
}
const PRE_SCORE_KEY = stateKey<PreScoreState>('PreScorePodTopologySpread');

export const topologyNormalizingWeight = (size: number): number => Math.log(size + 2);
export const scoreForCount = (cnt: number, maxSkew: number, w: number): number => cnt * w + (maxSkew - 1);

export interface ScoringConfig {
  defaultConstraints: readonly TopologySpreadConstraint[];
  /** True with the system defaults: nodes without a default constraint's key are not ignored. */
  systemDefaulted: boolean;
  workloadSelectors?: (pod: PodInfo) => LabelSelector[] | undefined;
}

function constraintsFor(pod: PodInfo, cfg: ScoringConfig): Constraint[] {
  const own = pod.pod.spec?.topologySpreadConstraints;
  if (own && own.length > 0) return compileConstraints(own, pod.labels, 'ScheduleAnyway');
  const cs = compileConstraints(cfg.defaultConstraints, pod.labels, 'ScheduleAnyway');
  if (cs.length === 0) return cs;
  const sel = defaultSelector(pod.pod, cfg.workloadSelectors?.(pod));
  if (sel === null || sel.length === 0) return [];
  return cs.map((c) => ({ ...c, selector: sel }));
}

export function scoring(cfg: ScoringConfig, snapshot: () => Snapshot) {
  const domains = new DomainCountsCache();
  return {
    preScore(state: CycleState, pod: PodInfo, filtered: readonly NodeInfo[]) {
      const all = snapshot().nodeInfos();
      if (filtered.length === 0 || all.length === 0) return skip();
      const constraints = constraintsFor(pod, cfg);
      if (constraints.length === 0) return skip();
      const requireAll = (pod.pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !cfg.systemDefaulted;
      const ignored = new Set<string>();
      const counts = constraints.map(() => new Map<string, number>());
      const sizes = constraints.map(() => 0);
      for (const ni of filtered) {
        const node = ni.node;
        if (!node) continue;
        if (requireAll && !nodeHasAllKeys(node, constraints)) {
          ignored.add(ni.name);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey === LABEL_HOSTNAME) return;
          const v = node.metadata?.labels?.[c.topologyKey] ?? '';
          const m = counts[i] as Map<string, number>;
          if (!m.has(v)) {
            m.set(v, 0);
            sizes[i] = (sizes[i] ?? 0) + 1;
          }
        });
      }
      const weights = constraints.map((c, i) =>
        topologyNormalizingWeight(
          c.topologyKey === LABEL_HOSTNAME ? filtered.length - ignored.size : (sizes[i] ?? 0),
        ),
      );
      const affinity = requiredNodeAffinity(pod.pod);
      const keys = constraints.map((c) => selectorKey(pod.namespace, c.selector));
      // Hostname domains are counted per node in Score; other keys need every node's pods:
      // from DomainCounts when every node with the key is a domain, else node by node.
      const slow: number[] = [];
      constraints.forEach((c, i) => {
        if (c.topologyKey === LABEL_HOSTNAME) return;
        if (everyNodeIsDomain(c, pod.pod) && (!requireAll || constraints.length === 1)) {
          const totals = domains
            .get(keys[i] as string, c.selector, pod.namespace, c.topologyKey)
            .refresh(all);
          const m = counts[i] as Map<string, number>;
          for (const v of m.keys()) m.set(v, totals.get(v) ?? 0);
        } else slow.push(i);
      });
      if (slow.length > 0)
        for (const ni of all) {
          const node = ni.node;
          if (!node) continue;
          if (requireAll && !nodeHasAllKeys(node, constraints)) continue;
          const labels = node.metadata?.labels;
          for (const i of slow) {
            const c = constraints[i] as Constraint;
            const v = labels?.[c.topologyKey] ?? '';
            const m = counts[i] as Map<string, number>;
            const cur = m.get(v);
            // Only domains of candidate nodes are counted.
            if (cur === undefined || !nodeIncluded(c, pod.pod, node, affinity)) continue;
            m.set(v, cur + countMatchingCached(ni, c.selector, pod.namespace, keys[i] as string));
          }
        }
      state.write(PRE_SCORE_KEY, new PreScoreState(constraints, ignored, counts, weights, keys));
      return null;
    },
    score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo) {
      const s = state.read(PRE_SCORE_KEY);
      if (!s || s.ignored.has(nodeInfo.name)) return 0;
      const labels = nodeInfo.node?.metadata?.labels;
      let score = 0;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i] as Constraint;
        const v = labels?.[c.topologyKey];
        if (v === undefined) continue;
        const cnt =
          c.topologyKey === LABEL_HOSTNAME
            ? countMatchingCached(nodeInfo, c.selector, pod.namespace, s.keys[i] as string)
            : ((s.counts[i] as Map<string, number>).get(v) ?? 0);
        score += scoreForCount(cnt, c.maxSkew, s.weights[i] ?? 0);
      }
      return Math.round(score);
    },
    normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]) {
      const s = state.read(PRE_SCORE_KEY);
      if (!s) return null;
      let min = Number.MAX_SAFE_INTEGER;
      let max = 0;
      for (const sc of scores) {
        if (s.ignored.has(sc.name)) continue;
        if (sc.score < min) min = sc.score;
        if (sc.score > max) max = sc.score;
      }
      for (const sc of scores) {
        if (s.ignored.has(sc.name)) sc.score = 0;
        else if (max === 0) sc.score = MAX_NODE_SCORE;
        else sc.score = Math.trunc((MAX_NODE_SCORE * (max + min - sc.score)) / max);
      }
      return null;
    },
  };
}
