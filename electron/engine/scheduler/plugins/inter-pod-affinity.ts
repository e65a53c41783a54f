/**
 * InterPodAffinity (plugins/interpodaffinity): required pod affinity and anti-affinity (the
 * incoming pod's, and existing pods' anti-affinity against it) as a Filter, preferred terms as
 * a Score, over any topology key (hostname, zone, …). Namespaces: a term's `namespaces`, pods
 * of namespaces matching its `namespaceSelector`, or the pod's own namespace when neither is set.
 *
 * Args (InterPodAffinityArgs): hardPodAffinityWeight (default 1),
 * ignorePreferredTermsOfExistingPods (default false).
 */
import {
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types';
import { PRE_FILTER_KEY, filtering } from './inter-pod-affinity/filtering';
import { scoring, type InterPodAffinityArgs } from './inter-pod-affinity/scoring';

export const NAME = 'InterPodAffinity';
export {
  ERR_REASON_AFFINITY,
  ERR_REASON_ANTI_AFFINITY,
  ERR_REASON_EXISTING_ANTI_AFFINITY,
  fits,
  preFilterState,
} from './inter-pod-affinity/filtering';
export type { InterPodAffinityArgs } from './inter-pod-affinity/scoring';

export const factory: PluginFactory = (rawArgs, handle) => {
  const args = (rawArgs ?? {}) as InterPodAffinityArgs;
  if (
    args.hardPodAffinityWeight !== undefined &&
    !(args.hardPodAffinityWeight >= 0 && args.hardPodAffinityWeight <= 100)
  )
    throw new Error(
      `InterPodAffinity: hardPodAffinityWeight must be in 0..100, got ${args.hardPodAffinityWeight}`,
    );
  const f = filtering(handle);
  const s = scoring(args, handle);
  return {
    name: NAME,
    preFilter: f.preFilter,
    preFilterExtensions: {
      addPod(state, _pod, podToAdd, nodeInfo) {
        state.read(PRE_FILTER_KEY)?.updateWithPod(podToAdd, nodeInfo, 1);
        return null;
      },
      removePod(state, _pod, podToRemove, nodeInfo) {
        state.read(PRE_FILTER_KEY)?.updateWithPod(podToRemove, nodeInfo, -1);
        return null;
      },
    },
    filter: f.filter,
    preScore: s.preScore,
    score: s.score,
    scoreExtensions: { normalizeScore: s.normalizeScore },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
};
