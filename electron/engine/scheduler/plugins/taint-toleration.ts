/**
 * TaintToleration (plugins/tainttoleration): Filter rejects nodes with a NoSchedule/NoExecute
 * taint the pod does not tolerate; Score counts the PreferNoSchedule taints it does not tolerate,
 * normalised reversed (fewest intolerable taints score 100).
 */
import type { Pod, Taint, Toleration } from 'kubernetes-types/core/v1';
import {
  stateKey,
  unresolvable,
  type FilterPlugin,
  type NodeInfo,
  type PluginFactory,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types';
import { defaultNormalizeScore } from './helpers/normalize';
import { doNotSchedule, findUntoleratedTaint, tolerationsTolerateTaint } from '../../../kube/tolerations';

export const NAME = 'TaintToleration';
export const errReason = (t: Taint): string => `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;

/** The taint that keeps `pod` off the node, or undefined when it fits. */
export function untoleratedTaint(pod: Pod, nodeInfo: NodeInfo): Taint | undefined {
  return findUntoleratedTaint(nodeInfo.node?.spec?.taints, pod.spec?.tolerations, doNotSchedule);
}

export const fits = (pod: Pod, nodeInfo: NodeInfo): boolean => untoleratedTaint(pod, nodeInfo) === undefined;

class PreScoreState {
  constructor(readonly tolerations: readonly Toleration[]) {}
  clone() {
    return this;
  }
}
const PRE_SCORE_KEY = stateKey<PreScoreState>(`PreScore${NAME}`);

/** Number of PreferNoSchedule taints on the node not tolerated (countIntolerableTaintsPreferNoSchedule). */
export function intolerablePreferNoSchedule(
  taints: readonly Taint[] | undefined,
  tolerations: readonly Toleration[],
): number {
  let n = 0;
  if (taints)
    for (const t of taints)
      if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, t)) n++;
  return n;
}

export const taintToleration = {
  name: NAME,
  filter(_state, pod, nodeInfo) {
    const taint = untoleratedTaint(pod.pod, nodeInfo);
    return taint ? unresolvable(errReason(taint)) : null;
  },
  preScore(state, pod) {
    // getAllTolerationPreferNoSchedule: tolerations with an empty or PreferNoSchedule effect.
    const ts = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(PRE_SCORE_KEY, new PreScoreState(ts));
    return null;
  },
  score(state, pod, nodeInfo) {
    const tolerations =
      state.read(PRE_SCORE_KEY)?.tolerations ??
      (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    return intolerablePreferNoSchedule(nodeInfo.node?.spec?.taints, tolerations);
  },
  scoreExtensions: {
    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(scores, true);
      return null;
    },
  },
} satisfies FilterPlugin & PreScorePlugin & ScorePlugin;

export const factory: PluginFactory = () => taintToleration;
