/**
 * Nominated pods: pods that preempted others and wait for the room they made on a node
 * (status.nominatedNodeName), kube-scheduler's nominator. While they wait, the filters of
 * equal- or lower-priority pods count them on that node as if they were running there, so the
 * room is not taken by someone else.
 */
import type { Pod } from 'kubernetes-types/core/v1';

export const podKey = (pod: Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export class Nominator {
  /** node name → pod key → pod. */
  private readonly byNode = new Map<string, Map<string, Pod>>();
  /** pod key → node name. */
  private readonly nodeOf = new Map<string, string>();

  /**
   * Records that `pod` waits for `nodeName` (or its status.nominatedNodeName when `nodeName`
   * is omitted). A pod already bound (spec.nodeName) is never nominated.
   */
  add(pod: Pod, nodeName?: string): void {
    const key = podKey(pod);
    this.delete(pod);
    const node = nodeName ?? pod.status?.nominatedNodeName ?? '';
    if (!node || pod.spec?.nodeName) return;
    let pods = this.byNode.get(node);
    if (!pods) this.byNode.set(node, (pods = new Map()));
    pods.set(key, pod);
    this.nodeOf.set(key, node);
  }

  /**
   * A new version of a pod. The nomination the scheduler made itself is kept until the pod's
   * own status carries one (kube: the update may arrive before the status patch lands).
   */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    const current = this.nodeOf.get(key);
    const fromStatus = newPod.status?.nominatedNodeName;
    const hadStatus = oldPod.status?.nominatedNodeName;
    // Keep the scheduler's own nomination when the update does not speak about it.
    const node = fromStatus || (hadStatus ? '' : current) || '';
    if (node) this.add(newPod, node);
    else this.delete(newPod);
  }

  delete(pod: Pod): void {
    const key = podKey(pod);
    const node = this.nodeOf.get(key);
    if (node === undefined) return;
    this.nodeOf.delete(key);
    const pods = this.byNode.get(node);
    pods?.delete(key);
    if (pods?.size === 0) this.byNode.delete(node);
  }

  nodeFor(pod: Pod): string | undefined {
    return this.nodeOf.get(podKey(pod));
  }

  /** Pods nominated to `nodeName`, in nomination order. */
  podsFor(nodeName: string): Pod[] {
    const pods = this.byNode.get(nodeName);
    return pods ? [...pods.values()] : [];
  }

  get size(): number {
    return this.nodeOf.size;
  }
}
