/**
 * Which nodes hold which images, so that every NodeInfo sees how widely an image is spread
 * (kube-scheduler's cache.imageStates). One ImageStateSummary object per image name is shared
 * by all NodeInfos that have it, so numNodes stays current without touching other nodes.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { ImageStateSummary, NodeInfo } from './node-info';

export class ImageRegistry {
  private readonly states = new Map<string, ImageStateSummary>();
  private readonly byNode = new Map<string, string[]>();

  /** Sets nodeInfo.imageStates from node.status.images; call on every node add/update. */
  setNode(nodeInfo: NodeInfo, node: Node): void {
    const name = node.metadata?.name ?? '';
    this.removeNode(name);
    const names: string[] = [];
    const states = new Map<string, ImageStateSummary>();
    for (const img of node.status?.images ?? [])
      for (const n of img.names ?? []) {
        if (states.has(n)) continue;
        let s = this.states.get(n);
        if (!s) this.states.set(n, (s = { size: img.sizeBytes ?? 0, numNodes: 0 }));
        s.numNodes++;
        states.set(n, s);
        names.push(n);
      }
    this.byNode.set(name, names);
    nodeInfo.imageStates = states;
  }

  removeNode(nodeName: string): void {
    const names = this.byNode.get(nodeName);
    if (!names) return;
    this.byNode.delete(nodeName);
    for (const n of names) {
      const s = this.states.get(n);
      if (!s) continue;
      if (--s.numNodes <= 0) this.states.delete(n);
    }
  }
}
