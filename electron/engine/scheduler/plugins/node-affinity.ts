/**
 * NodeAffinity (plugins/nodeaffinity): Filter on spec.nodeSelector and required node affinity;
 * PreFilter narrows the nodes when every term names nodes with `matchFields metadata.name In`;
 * Score sums the weights of matching preferred terms, normalised to 0–100.
 *
 * Args (NodeAffinityArgs): `addedAffinity` — node affinity the scheduler enforces for every pod
 * of the profile, on top of the pod's own.
 */
import type { Node, NodeAffinity, Pod } from 'kubernetes-types/core/v1';
import {
  skip,
  stateKey,
  unresolvable,
  type FilterPlugin,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types';
import { defaultNormalizeScore } from './helpers/normalize';
import {
  preferredScore,
  preferredTerms,
  requiredMatches,
  requiredNodeAffinity,
  termMatches,
  compileTerm,
  type RequiredNodeAffinity,
  type WeightedTerm,
  type CompiledTerm,
} from '../../../kube/node-selector';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

export interface NodeAffinityArgs {
  addedAffinity?: NodeAffinity;
}

/** Whether the node satisfies the pod's nodeSelector and required node affinity. */
export const fits = (pod: Pod, node: Node): boolean => requiredMatches(requiredNodeAffinity(pod), node);

class PreFilterState {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone() {
    return this;
  }
}
class PreScoreState {
  constructor(readonly preferred: readonly WeightedTerm[]) {}
  clone() {
    return this;
  }
}
const PRE_FILTER_KEY = stateKey<PreFilterState>(`PreFilter${NAME}`);
const PRE_SCORE_KEY = stateKey<PreScoreState>(`PreScore${NAME}`);

/** Node names the required terms pin the pod to, or null when any node may do (ORed terms). */
export function nodeNamesFromTerms(pod: Pod): Set<string> | null {
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return null;
  let names: Set<string> | null = null;
  for (const t of terms) {
    let termNames: Set<string> | null = null;
    for (const r of t.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      // Requirements of one term are ANDed: intersect.
      if (termNames === null) termNames = s;
      else for (const n of termNames) if (!s.has(n)) termNames.delete(n);
    }
    if (termNames === null) return null;
    // Terms are ORed: union.
    names ??= new Set();
    for (const n of termNames) names.add(n);
  }
  return names;
}

export const factory: PluginFactory = (rawArgs) => {
  const args = (rawArgs ?? {}) as NodeAffinityArgs;
  const addedRequired: CompiledTerm[] | null = args.addedAffinity
    ?.requiredDuringSchedulingIgnoredDuringExecution
    ? args.addedAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
        .map(compileTerm)
        .filter((t): t is CompiledTerm => t !== null)
    : null;
  const addedPreferred = args.addedAffinity?.preferredDuringSchedulingIgnoredDuringExecution
    ? preferredTerms(args.addedAffinity.preferredDuringSchedulingIgnoredDuringExecution)
    : null;

  return {
    name: NAME,
    preFilter(state, pod) {
      const spec = pod.pod.spec;
      const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      if (!required && !addedRequired && !spec?.nodeSelector) return { status: skip() };
      state.write(PRE_FILTER_KEY, new PreFilterState(requiredNodeAffinity(pod.pod)));
      const names = nodeNamesFromTerms(pod.pod);
      if (names !== null && names.size === 0) return { status: unresolvable(ERR_REASON_CONFLICT) };
      return names ? { nodeNames: names, status: null } : { status: null };
    },
    filter(state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (!node) return unresolvable(ERR_REASON_POD);
      if (addedRequired && !addedRequired.some((t) => termMatches(t, node)))
        return unresolvable(ERR_REASON_ENFORCED);
      const required = state.read(PRE_FILTER_KEY)?.required ?? requiredNodeAffinity(pod.pod);
      return requiredMatches(required, node) ? null : unresolvable(ERR_REASON_POD);
    },
    preScore(state, pod) {
      const preferred = preferredTerms(
        pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution,
      );
      if (preferred.length === 0 && !addedPreferred) return skip();
      state.write(PRE_SCORE_KEY, new PreScoreState(preferred));
      return null;
    },
    score(state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (!node) return 0;
      let count = addedPreferred ? preferredScore(addedPreferred, node) : 0;
      const preferred =
        state.read(PRE_SCORE_KEY)?.preferred ??
        preferredTerms(pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution);
      count += preferredScore(preferred, node);
      return count;
    },
    scoreExtensions: {
      normalizeScore(_state, _pod, scores) {
        defaultNormalizeScore(scores, false);
        return null;
      },
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
};
