/** NodeName: a pod that names its node (spec.nodeName) fits only that node (plugins/nodename). */
import type { Pod } from 'kubernetes-types/core/v1';
import { unresolvable, type FilterPlugin, type NodeInfo, type PluginFactory } from '../framework/types';

export const NAME = 'NodeName';
export const ERR_REASON = "node(s) didn't match the requested node name";

export function fits(pod: Pod, nodeInfo: NodeInfo): boolean {
  const want = pod.spec?.nodeName;
  return !want || want === nodeInfo.name;
}

export const nodeName = {
  name: NAME,
  filter(_state, pod, nodeInfo) {
    return fits(pod.pod, nodeInfo) ? null : unresolvable(ERR_REASON);
  },
} satisfies FilterPlugin;

export const factory: PluginFactory = () => nodeName;
