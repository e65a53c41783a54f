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
import { requiredNodeAffinity } from '../helpers/node-selector';
import {
  LABEL_HOSTNAME,
  compileConstraints,
  countMatching,
  defaultSelector,
  nodeHasAllKeys,
  nodeIncluded,
  type Constraint,
} from './common';

class PreScoreState {
  constructor(
    readonly constraints: Constraint[],
    readonly ignored: Set<string>,
    /** Per constraint: topology value → matching pods (not used for hostname: counted per node). */
    readonly counts: Map<string, number>[],
    readonly weights: number[],
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
      for (const ni of all) {
        const node = ni.node;
        if (!node) continue;
        if (requireAll && !nodeHasAllKeys(node, constraints)) continue;
        constraints.forEach((c, i) => {
          if (!nodeIncluded(c, pod.pod, node, affinity)) return;
          const v = node.metadata?.labels?.[c.topologyKey] ?? '';
          const m = counts[i] as Map<string, number>;
          const cur = m.get(v);
          // Only domains of candidate nodes are counted; hostname is counted per node in Score.
          if (cur === undefined) return;
          m.set(v, cur + countMatching(ni, c.selector, pod.namespace));
        });
      }
      state.write(PRE_SCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
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
            ? countMatching(nodeInfo, c.selector, pod.namespace)
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
