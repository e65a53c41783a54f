/**
 * A plain Snapshot over a list of NodeInfos (cache.NewSnapshot), for tests, benchmarks and
 * callers without an incremental cache. The scheduler cache keeps its own incremental one.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { ImageRegistry } from './images';
import { NodeInfo } from './node-info';
import { newPodInfo } from './pod-info';
import type { Snapshot } from './types';

export class ListSnapshot implements Snapshot {
  private readonly byName = new Map<string, NodeInfo>();
  private withAffinity: NodeInfo[] = [];
  private withRequiredAnti: NodeInfo[] = [];

  constructor(private readonly list: NodeInfo[]) {
    for (const n of list) this.byName.set(n.name, n);
    this.refresh();
  }

  /** Recomputes the affinity lists after NodeInfos changed in place. */
  refresh(): void {
    this.withAffinity = this.list.filter((n) => n.podsWithAffinity.length > 0);
    this.withRequiredAnti = this.list.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
  }

  nodeInfos(): readonly NodeInfo[] {
    return this.list;
  }
  get(nodeName: string): NodeInfo | undefined {
    return this.byName.get(nodeName);
  }
  havePodsWithAffinity(): readonly NodeInfo[] {
    return this.withAffinity;
  }
  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[] {
    return this.withRequiredAnti;
  }
}

/** NodeInfos for `nodes` with each pod placed by spec.nodeName (pods on unknown nodes are dropped). */
export function snapshotOf(nodes: readonly Node[], pods: readonly Pod[] = []): ListSnapshot {
  const images = new ImageRegistry();
  const infos = nodes.map((n) => {
    const ni = new NodeInfo(n);
    images.setNode(ni, n);
    return ni;
  });
  const byName = new Map(infos.map((ni) => [ni.name, ni]));
  for (const p of pods) {
    const ni = byName.get(p.spec?.nodeName ?? '');
    if (ni) ni.addPod(newPodInfo(p));
  }
  return new ListSnapshot(infos);
}
