/**
 * The per-cycle view of the cluster (kube-scheduler's backend/cache Snapshot): copies of the
 * cache's NodeInfos, refreshed incrementally before each scheduling cycle — only the NodeInfos
 * whose generation is newer than the snapshot's are copied again — so a cycle reads a frozen,
 * consistent cluster while informer events and bindings keep updating the cache.
 */
import type { NodeInfo, Snapshot as FrameworkSnapshot } from '../framework/types';

export class ClusterSnapshot implements FrameworkSnapshot {
  /** The highest NodeInfo generation copied so far. */
  generation = 0;
  /** node name → this snapshot's copy. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  /** Nodes in the cache's node-tree order (zones interleaved), only nodes with a Node object. */
  nodeInfoList: NodeInfo[] = [];
  /** node name → index in nodeInfoList, to swap in a fresh copy without rebuilding the list. */
  listIndex = new Map<string, number>();
  affinityList: NodeInfo[] = [];
  requiredAntiAffinityList: NodeInfo[] = [];

  nodeInfos(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  havePodsWithAffinity(): readonly NodeInfo[] {
    return this.affinityList;
  }

  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[] {
    return this.requiredAntiAffinityList;
  }

  /** Rebuilds the affinity lists from nodeInfoList. */
  rebuildAffinityLists(): void {
    this.affinityList = this.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
    this.requiredAntiAffinityList = this.nodeInfoList.filter(
      (n) => n.podsWithRequiredAntiAffinity.length > 0,
    );
  }
}

/** A snapshot of fixed NodeInfos (tests, and preemption's what-if copies). */
export function snapshotOf(nodeInfos: NodeInfo[]): ClusterSnapshot {
  const s = new ClusterSnapshot();
  s.nodeInfoList = nodeInfos;
  nodeInfos.forEach((n, i) => {
    s.nodeInfoMap.set(n.name, n);
    s.listIndex.set(n.name, i);
  });
  s.rebuildAffinityLists();
  return s;
}
