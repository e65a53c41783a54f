/**
 * The framework as the scheduling loop runs it: the profile's Framework whose Filter also
 * counts nominated pods (kube-scheduler's RunFilterPluginsWithNominatedPods). A pod that
 * preempted others waits for its node with status.nominatedNodeName; while it waits, pods of
 * equal or lower priority see it on that node, so they do not take the room it made.
 *
 * As kube-scheduler does, a node with nominated pods is filtered twice: with them (the pod
 * must fit next to them) and without them (affinity to a nominated pod must not count, since
 * it may never land). Nodes without nominated pods cost one map lookup.
 */
import type { Nominator } from './queue/nominator';
import { Framework, type FrameworkOptions } from './framework/runtime';
import type { Profile } from './framework/profile';
import {
  newPodInfo,
  type CycleState,
  type MaybeStatus,
  type NodeInfo,
  type PodInfo,
  type Registry,
} from './framework/types';

const priorityOf = (p: PodInfo) => p.pod.spec?.priority ?? 0;

export class SchedulerFramework extends Framework {
  /** PodInfos of nominated pods, by uid and resourceVersion (built once, not per node). */
  private readonly nominatedInfos = new Map<string, PodInfo>();

  constructor(
    profile: Profile,
    registry: Registry,
    private readonly nominator: Nominator,
    opts: FrameworkOptions = {},
  ) {
    super(profile, registry, opts);
  }

  /** Filter with the nominated pods of `nodeInfo`'s node counted (see the header). */
  override runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    if (this.nominator.size === 0) return super.runFilterPlugins(state, pod, nodeInfo);
    const added = this.addNominatedPods(state, pod, nodeInfo);
    if (!added) return super.runFilterPlugins(state, pod, nodeInfo);
    const withNominated = super.runFilterPlugins(added.state, pod, added.nodeInfo);
    if (withNominated !== null) return withNominated;
    return super.runFilterPlugins(state, pod, nodeInfo);
  }

  /** Filter without nominated pods (preemption's what-if runs on its own copies). */
  runFilterPluginsWithoutNominated(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    return super.runFilterPlugins(state, pod, nodeInfo);
  }

  /**
   * Copies of the state and the NodeInfo with the node's nominated pods of at least `pod`'s
   * priority added (kube: addNominatedPods); null when there are none.
   */
  private addNominatedPods(
    state: CycleState,
    pod: PodInfo,
    nodeInfo: NodeInfo,
  ): { state: CycleState; nodeInfo: NodeInfo } | null {
    const nominated = this.nominator.podsFor(nodeInfo.name);
    if (nominated.length === 0) return null;
    let out: { state: CycleState; nodeInfo: NodeInfo } | null = null;
    for (const np of nominated) {
      const info = this.podInfoOf(np);
      if (info.uid === pod.uid || priorityOf(info) < priorityOf(pod)) continue;
      out ??= { state: state.clone(), nodeInfo: nodeInfo.clone() };
      out.nodeInfo.addPod(info);
      const s = this.runPreFilterExtensionAddPod(out.state, pod, info, out.nodeInfo);
      if (s !== null) return out;
    }
    return out;
  }

  private podInfoOf(pod: PodInfo['pod']): PodInfo {
    const key = `${pod.metadata?.uid ?? ''}@${pod.metadata?.resourceVersion ?? ''}`;
    let info = this.nominatedInfos.get(key);
    if (!info) {
      if (this.nominatedInfos.size > 1024) this.nominatedInfos.clear();
      info = newPodInfo(pod);
      this.nominatedInfos.set(key, info);
    }
    return info;
  }
}
