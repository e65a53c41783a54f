/**
 * NodeResourcesBalancedAllocation (noderesources/balanced_allocation.go): prefer nodes whose cpu
 * and memory (or configured resources) would be used in equal fractions, score = 100 × (1 − std).
 * Counts actual requests (no 100m/200Mi defaults). Best-effort pods (no requests) skip it, as
 * kube-scheduler does since kubernetes/kubernetes#129138, so they do not pile onto one node.
 */
import {
  skip,
  stateKey,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types';
import {
  DEFAULT_RESOURCES,
  balancedScorer,
  fillNode,
  podRequestList,
  type ResourceSpec,
} from './helpers/resource-allocation';

export const NAME = 'NodeResourcesBalancedAllocation';

export interface BalancedAllocationArgs {
  resources?: ResourceSpec[];
}

class PreScoreState {
  constructor(readonly podRequests: Float64Array) {}
  clone() {
    return this;
  }
}
const PRE_SCORE_KEY = stateKey<PreScoreState>(`PreScore${NAME}`);

export const factory: PluginFactory = (rawArgs) => {
  const args = (rawArgs ?? {}) as BalancedAllocationArgs;
  const resources = args.resources && args.resources.length > 0 ? args.resources : DEFAULT_RESOURCES;
  const requested = new Float64Array(resources.length);
  const allocatable = new Float64Array(resources.length);
  return {
    name: NAME,
    preScore(state, pod) {
      const podRequests = podRequestList(pod, resources, true);
      if (podRequests.every((v) => v === 0)) return skip();
      state.write(PRE_SCORE_KEY, new PreScoreState(podRequests));
      return null;
    },
    score(state, pod, nodeInfo) {
      const podRequests = state.read(PRE_SCORE_KEY)?.podRequests ?? podRequestList(pod, resources, true);
      if (podRequests.every((v) => v === 0)) return 0;
      fillNode(nodeInfo, resources, podRequests, true, requested, allocatable);
      return balancedScorer(requested, allocatable);
    },
  } satisfies PreScorePlugin & ScorePlugin;
};
