/**
 * NodeUnschedulable: keeps pods off cordoned nodes (spec.unschedulable) unless they tolerate the
 * node.kubernetes.io/unschedulable:NoSchedule taint (pkg/scheduler/framework/plugins/nodeunschedulable).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { unresolvable, type FilterPlugin, type NodeInfo, type PluginFactory } from '../framework/types';
import { tolerationsTolerateTaint } from '../../../kube/tolerations';

export const NAME = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const ERR_REASON_UNKNOWN_CONDITION = 'node(s) had unknown conditions';
const UNSCHEDULABLE_TAINT = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

export function fits(pod: Pod, nodeInfo: NodeInfo): boolean {
  if (!nodeInfo.node?.spec?.unschedulable) return true;
  return tolerationsTolerateTaint(pod.spec?.tolerations, UNSCHEDULABLE_TAINT);
}

export const nodeUnschedulable = {
  name: NAME,
  filter(_state, pod, nodeInfo) {
    if (!nodeInfo.node) return unresolvable(ERR_REASON_UNKNOWN_CONDITION);
    return fits(pod.pod, nodeInfo) ? null : unresolvable(ERR_REASON_UNSCHEDULABLE);
  },
} satisfies FilterPlugin;

export const factory: PluginFactory = () => nodeUnschedulable;
