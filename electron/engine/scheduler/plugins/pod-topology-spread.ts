/**
 * PodTopologySpread (plugins/podtopologyspread): spread matching pods evenly over topology
 * domains (hostname, zone, any node label). Filter enforces DoNotSchedule constraints; Score
 * prefers less crowded domains for ScheduleAnyway constraints and the system defaults
 * (hostname maxSkew 3, zone maxSkew 5) for pods owned by ReplicaSets, RCs and StatefulSets.
 *
 * Args (PodTopologySpreadArgs): `defaultConstraints` and `defaultingType` ('System' default,
 * or 'List' to use defaultConstraints).
 */
import type { TopologySpreadConstraint } from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import {
  type FilterPlugin,
  type PluginFactory,
  type PodInfo,
  type PreFilterPlugin,
  type PreScorePlugin,
  type ScorePlugin,
} from '../framework/types';
import { SYSTEM_DEFAULT_CONSTRAINTS } from './pod-topology-spread/common';
import {
  PRE_FILTER_KEY,
  filtering,
  fits as fitsConstraints,
  preFilterState,
} from './pod-topology-spread/filtering';
import { scoring } from './pod-topology-spread/scoring';

export const NAME = 'PodTopologySpread';
export {
  ERR_REASON_CONSTRAINTS_NOT_MATCH,
  ERR_REASON_NODE_LABEL_NOT_MATCH,
} from './pod-topology-spread/filtering';

/** fits(): whether the pod can go to the node given all nodes' pods (null) or the reason not. */
export function fits(
  pod: PodInfo,
  nodeInfo: Parameters<typeof fitsConstraints>[2],
  all: Parameters<typeof preFilterState>[1],
) {
  const s = preFilterState(pod, all);
  return s ? fitsConstraints(s, pod, nodeInfo) : null;
}

export interface PodTopologySpreadArgs {
  defaultConstraints?: TopologySpreadConstraint[];
  defaultingType?: 'System' | 'List';
  /** Not a kube-scheduler arg: the selectors of workloads selecting a pod, from the loop's informers. */
  workloadSelectors?: (pod: PodInfo) => LabelSelector[] | undefined;
}

export const factory: PluginFactory = (rawArgs, handle) => {
  const args = (rawArgs ?? {}) as PodTopologySpreadArgs;
  const systemDefaulted = (args.defaultingType ?? 'System') === 'System';
  const sc = scoring(
    {
      defaultConstraints: systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []),
      systemDefaulted,
      workloadSelectors: args.workloadSelectors,
    },
    () => handle.snapshot(),
  );
  const f = filtering();
  return {
    name: NAME,
    preFilter: f.preFilter,
    preFilterExtensions: {
      addPod(state, pod, podToAdd, nodeInfo) {
        state.read(PRE_FILTER_KEY)?.update(pod.pod, pod, podToAdd, nodeInfo, 1);
        return null;
      },
      removePod(state, pod, podToRemove, nodeInfo) {
        state.read(PRE_FILTER_KEY)?.update(pod.pod, pod, podToRemove, nodeInfo, -1);
        return null;
      },
    },
    filter: f.filter,
    preScore: sc.preScore,
    score: sc.score,
    scoreExtensions: { normalizeScore: sc.normalizeScore },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
};
