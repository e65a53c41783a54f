/**
 * InterPodAffinity Score (interpodaffinity/scoring.go): per topology pair, sum the weights of
 * the incoming pod's preferred (anti-)affinity terms matched by existing pods, of existing pods'
 * preferred terms matched by the incoming pod, and hardPodAffinityWeight for existing pods'
 * required affinity terms it matches; anti-affinity subtracts. A node scores the sum over its
 * labels; normalisation maps [min, max] onto [0, 100].
 */
import type { Node } from 'kubernetes-types/core/v1';
import {
  MAX_NODE_SCORE,
  skip,
  stateKey,
  termMatches,
  type AffinityTerm,
  type CycleState,
  type Handle,
  type NodeInfo,
  type NodeScore,
  type PodInfo,
  type WeightedAffinityTerm,
} from '../../framework/types';
import { nsLabelCache } from './filtering';

/** topologyKey → value → score. */
type TopologyScore = Map<string, Map<string, number>>;

class PreScoreState {
  constructor(readonly scores: TopologyScore) {}
  clone() {
    return this;
  }
}
const PRE_SCORE_KEY = stateKey<PreScoreState>('PreScoreInterPodAffinity');

export interface InterPodAffinityArgs {
  /** Weight of existing pods' required affinity terms the incoming pod matches (default 1). */
  hardPodAffinityWeight?: number;
  /** Skip existing pods' preferred terms when the incoming pod has none (default false). */
  ignorePreferredTermsOfExistingPods?: boolean;
}

function add(m: TopologyScore, term: AffinityTerm, weight: number, node: Node): void {
  const v = node.metadata?.labels?.[term.topologyKey];
  if (v === undefined) return;
  let byValue = m.get(term.topologyKey);
  if (!byValue) m.set(term.topologyKey, (byValue = new Map()));
  byValue.set(v, (byValue.get(v) ?? 0) + weight);
}

export function scoring(args: InterPodAffinityArgs, handle: Handle) {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  return {
    preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]) {
      if (nodes.length === 0) return null;
      const hasConstraints =
        pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
      if (args.ignorePreferredTermsOfExistingPods && !hasConstraints) return skip();
      const snap = handle.snapshot();
      const ns = nsLabelCache(handle);
      const incomingNs = ns(pod.namespace);
      const scores: TopologyScore = new Map();
      const terms = (
        ts: readonly WeightedAffinityTerm[],
        target: PodInfo,
        nsl: Record<string, string> | undefined,
        node: Node,
        sign: number,
      ) => {
        for (const t of ts) if (termMatches(t, target, nsl)) add(scores, t, t.weight * sign, node);
      };
      for (const ni of hasConstraints ? snap.nodeInfos() : snap.havePodsWithAffinity()) {
        const node = ni.node;
        if (!node || Object.keys(node.metadata?.labels ?? {}).length === 0) continue;
        for (const existing of hasConstraints ? ni.pods : ni.podsWithAffinity) {
          const existingNs = ns(existing.namespace);
          terms(pod.preferredAffinityTerms, existing, existingNs, node, 1);
          terms(pod.preferredAntiAffinityTerms, existing, existingNs, node, -1);
          if (hardWeight > 0)
            for (const t of existing.requiredAffinityTerms)
              if (termMatches(t, pod, incomingNs)) add(scores, t, hardWeight, node);
          terms(existing.preferredAffinityTerms, pod, incomingNs, node, 1);
          terms(existing.preferredAntiAffinityTerms, pod, incomingNs, node, -1);
        }
      }
      if (scores.size === 0) return skip();
      state.write(PRE_SCORE_KEY, new PreScoreState(scores));
      return null;
    },
    score(state: CycleState, _pod: PodInfo, nodeInfo: NodeInfo) {
      const s = state.read(PRE_SCORE_KEY);
      const labels = nodeInfo.node?.metadata?.labels;
      if (!s || !labels) return 0;
      let score = 0;
      for (const [key, byValue] of s.scores) {
        const v = labels[key];
        if (v !== undefined) score += byValue.get(v) ?? 0;
      }
      return score;
    },
    normalizeScore(state: CycleState, _pod: PodInfo, scores: NodeScore[]) {
      const s = state.read(PRE_SCORE_KEY);
      if (!s || s.scores.size === 0) return null;
      let min = Number.MAX_SAFE_INTEGER;
      let max = Number.MIN_SAFE_INTEGER;
      for (const sc of scores) {
        if (sc.score > max) max = sc.score;
        if (sc.score < min) min = sc.score;
      }
      const diff = max - min;
      for (const sc of scores)
        sc.score = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((sc.score - min) / diff)) : 0;
      return null;
    },
  };
}
