/** NodePorts (plugins/nodeports): a pod's hostPorts must be free on the node (0.0.0.0 is a wildcard). */
import {
  skip,
  stateKey,
  unschedulable,
  type FilterPlugin,
  type HostPort,
  type NodeInfo,
  type PluginFactory,
  type PreFilterPlugin,
} from '../framework/types';

export const NAME = 'NodePorts';
export const ERR_REASON = "node(s) didn't have free ports for the requested pod ports";

export function fits(ports: readonly HostPort[], nodeInfo: NodeInfo): boolean {
  if (nodeInfo.usedPorts.size === 0) return true;
  for (const p of ports) if (nodeInfo.usedPorts.conflicts(p)) return false;
  return true;
}

class PreFilterState {
  constructor(readonly ports: readonly HostPort[]) {}
  clone() {
    return this;
  }
}
const KEY = stateKey<PreFilterState>(`PreFilter${NAME}`);

export const nodePorts = {
  name: NAME,
  preFilter(state, pod) {
    // Pods without host ports skip the Filter (as kube-scheduler since 1.29).
    if (pod.hostPorts.length === 0) return { status: skip() };
    state.write(KEY, new PreFilterState(pod.hostPorts));
    return { status: null };
  },
  filter(state, pod, nodeInfo) {
    const ports = state.read(KEY)?.ports ?? pod.hostPorts;
    return fits(ports, nodeInfo) ? null : unschedulable(ERR_REASON);
  },
} satisfies PreFilterPlugin & FilterPlugin;

export const factory: PluginFactory = () => nodePorts;
