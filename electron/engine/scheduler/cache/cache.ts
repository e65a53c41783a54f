/**
 * The scheduler cache (kube-scheduler's backend/cache/cache.go): one NodeInfo per node with
 * the pods on it, fed by the node and pod informers, plus pods the scheduler has *assumed* —
 * placed by a decision whose binding is still in flight — so the next decisions already see
 * them. A pod's life here:
 *
 *   assumePod → finishBinding → (bound pod arrives from the watch: addPod) → confirmed
 *            ↘ forgetPod (bind failed)      ↘ expired after the TTL if it never arrives
 *
 * NodeInfos sit in a list ordered by last change (most recent first), each change bumping the
 * NodeInfo's generation, so updateSnapshot() copies only the NodeInfos changed since the
 * snapshot's generation.
 *
 * Known limitation: assumed pods expire after `assumedPodTtlMs` (default 15 min, kube-scheduler
 * 1.23–1.25's durationToExpireAssumedPod; newer releases never expire them).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { NodeInfo, newPodInfo, type ImageStateSummary, type PodInfo } from '../framework/types';
import { NodeTree } from './node-tree';
import { ClusterSnapshot } from './snapshot';

export const DEFAULT_ASSUMED_POD_TTL_MS = 15 * 60_000;
/** How often expired assumed pods are looked for (kube: cleanAssumedPeriod, 1 s). */
const CLEANUP_PERIOD_MS = 1_000;

export class CacheError extends Error {
  override name = 'CacheError';
}

interface NodeItem {
  readonly name: string;
  info: NodeInfo;
  prev: NodeItem | null;
  next: NodeItem | null;
}

interface PodState {
  info: PodInfo;
  nodeName: string;
  assumed: boolean;
  bindingFinished: boolean;
  /** When an assumed pod whose binding finished expires (ms); null while binding. */
  deadline: number | null;
}

interface ImageState {
  summary: ImageStateSummary;
  nodes: Set<string>;
}

export interface CacheOptions {
  assumedPodTtlMs?: number;
  now?: () => number;
  /** Called with each assumed pod that expired (for logs). */
  onExpired?: (pod: Pod) => void;
}

/** docker's normalisation as kube-scheduler's ImageLocality uses it: no tag → ":latest". */
export function normalizedImageName(name: string): string {
  if (name.includes('@')) return name;
  const lastSlash = name.lastIndexOf('/');
  return name.lastIndexOf(':') > lastSlash ? name : `${name}:latest`;
}

/** A copy of `pod` placed on `nodeName` (what the cache holds for an assumed pod). */
function placed(info: PodInfo, nodeName: string): PodInfo {
  if (info.pod.spec?.nodeName === nodeName) return info;
  const pod: Pod = { ...info.pod, spec: { containers: [], ...info.pod.spec, nodeName } };
  return { ...info, pod };
}

/**
 * The bound version of an assumed pod. Binding changes spec.nodeName and status only, so the
 * assumed PodInfo's requests, ports and affinity terms still hold; labels are taken anew.
 */
function confirmed(assumed: PodInfo, pod: Pod): PodInfo {
  if (JSON.stringify(assumed.pod.spec?.containers) !== JSON.stringify(pod.spec?.containers))
    return newPodInfo(pod);
  return { ...assumed, pod, labels: pod.metadata?.labels };
}

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeItem>();
  private head: NodeItem | null = null;
  private readonly tree = new NodeTree();
  private readonly pods = new Map<string, PodState>();
  private readonly assumed = new Set<string>();
  private readonly images = new Map<string, ImageState>();
  /** Nodes removed from the cache entirely since the last snapshot. */
  private readonly removedNodes = new Set<string>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly onExpired?: (pod: Pod) => void;
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: CacheOptions = {}) {
    this.ttlMs = opts.assumedPodTtlMs ?? DEFAULT_ASSUMED_POD_TTL_MS;
    this.now = opts.now ?? Date.now;
    this.onExpired = opts.onExpired;
  }

  /** Starts the periodic clean-up of expired assumed pods. */
  run(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.cleanupExpiredAssumedPods(), CLEANUP_PERIOD_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ---- pods ----

  /** Counts `info` on `nodeName` ahead of its binding. Throws if the pod is already known. */
  assumePod(info: PodInfo, nodeName: string): void {
    if (this.pods.has(info.uid))
      throw new CacheError(`pod ${info.key} (${info.uid}) is already in the cache`);
    const p = placed(info, nodeName);
    this.addToNode(p, nodeName);
    this.pods.set(info.uid, { info: p, nodeName, assumed: true, bindingFinished: false, deadline: null });
    this.assumed.add(info.uid);
  }

  /** The binding call returned: the assumed pod now expires after the TTL if never confirmed. */
  finishBinding(uid: string): void {
    const s = this.pods.get(uid);
    if (!s?.assumed) return;
    s.bindingFinished = true;
    s.deadline = this.now() + this.ttlMs;
  }

  /** Undoes assumePod (the binding failed). Only an assumed pod can be forgotten. */
  forgetPod(uid: string): void {
    const s = this.pods.get(uid);
    if (!s) return;
    if (!s.assumed) throw new CacheError(`pod ${s.info.key} is bound, not assumed: it cannot be forgotten`);
    this.removeFromNode(s.info, s.nodeName);
    this.pods.delete(uid);
    this.assumed.delete(uid);
  }

  /** An assigned pod from the watch: confirms an assumed pod, or adds a pod bound elsewhere. */
  addPod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const nodeName = pod.spec?.nodeName ?? '';
    const s = this.pods.get(uid);
    if (s) {
      // Assumed here, now confirmed (possibly on another node than assumed, if someone else
      // bound it), or a new version of a bound pod: replace it with the real pod.
      const info = s.assumed ? confirmed(s.info, pod) : newPodInfo(pod);
      this.removeFromNode(s.info, s.nodeName);
      this.addToNode(info, nodeName);
      this.pods.set(uid, { info, nodeName, assumed: false, bindingFinished: true, deadline: null });
      this.assumed.delete(uid);
      return;
    }
    const info = newPodInfo(pod);
    this.addToNode(info, nodeName);
    this.pods.set(info.uid, { info, nodeName, assumed: false, bindingFinished: true, deadline: null });
  }

  /** A new version of an assigned pod. */
  updatePod(_oldPod: Pod, newPod: Pod): void {
    this.addPod(newPod);
  }

  /** The pod was deleted (or finished: terminal pods use no resources). */
  removePod(pod: Pod): void {
    const uid = pod.metadata?.uid ?? '';
    const s = this.pods.get(uid);
    if (!s) return;
    this.removeFromNode(s.info, s.nodeName);
    this.pods.delete(uid);
    this.assumed.delete(uid);
  }

  isAssumed(uid: string): boolean {
    return this.assumed.has(uid);
  }

  /** The node the cache holds the pod on (assumed or bound). */
  nodeOf(uid: string): string | undefined {
    return this.pods.get(uid)?.nodeName;
  }

  get podCount(): number {
    return this.pods.size;
  }

  get assumedCount(): number {
    return this.assumed.size;
  }

  /** Forgets assumed pods whose binding finished more than the TTL ago. */
  cleanupExpiredAssumedPods(): number {
    const now = this.now();
    let n = 0;
    for (const uid of [...this.assumed]) {
      const s = this.pods.get(uid);
      if (!s?.bindingFinished || s.deadline === null || s.deadline >= now) continue;
      this.removeFromNode(s.info, s.nodeName);
      this.pods.delete(uid);
      this.assumed.delete(uid);
      this.onExpired?.(s.info.pod);
      n++;
    }
    return n;
  }

  // ---- nodes ----

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const item = this.item(name);
    if (item.info.node) this.removeImages(item.info.node);
    item.info.setNode(node);
    this.addImages(item.info, node);
    this.tree.add(node);
    this.removedNodes.delete(name);
    this.touch(item);
  }

  updateNode(_oldNode: Node, newNode: Node): void {
    this.addNode(newNode);
  }

  /**
   * The node is gone. Its NodeInfo stays while pods still point at it (their deletion events
   * follow), but it leaves the node tree, so snapshots no longer offer it.
   */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const item = this.nodes.get(name);
    if (!item) return;
    if (item.info.node) this.removeImages(item.info.node);
    this.tree.remove(name);
    this.removedNodes.add(name);
    if (item.info.pods.length === 0) this.unlink(item);
    else {
      item.info.removeNode();
      this.touch(item);
    }
  }

  get nodeCount(): number {
    return this.tree.size;
  }

  /** The cache's own NodeInfo (tests and debugging; do not mutate). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name)?.info;
  }

  // ---- snapshot ----

  /** Brings `snapshot` up to date, copying only NodeInfos changed since its generation. */
  updateSnapshot(snapshot: ClusterSnapshot): void {
    let rebuildList = false;
    let rebuildAffinity = false;
    for (let item = this.head; item && item.info.generation > snapshot.generation; item = item.next) {
      const info = item.info;
      if (!info.node) continue;
      const existing = snapshot.nodeInfoMap.get(info.name);
      const copy = info.clone();
      if (existing) {
        if (
          existing.podsWithAffinity.length > 0 !== copy.podsWithAffinity.length > 0 ||
          existing.podsWithRequiredAntiAffinity.length > 0 !== copy.podsWithRequiredAntiAffinity.length > 0
        )
          rebuildAffinity = true;
        // In place, like kube's `*existing = *clone`: lists holding this NodeInfo stay valid.
        Object.assign(existing, copy);
      } else {
        snapshot.nodeInfoMap.set(info.name, copy);
        rebuildList = true;
      }
    }
    if (this.head) snapshot.generation = Math.max(snapshot.generation, this.head.info.generation);
    for (const name of this.removedNodes) {
      if (snapshot.nodeInfoMap.delete(name)) rebuildList = true;
    }
    this.removedNodes.clear();
    if (rebuildList) {
      const list: NodeInfo[] = [];
      const index = new Map<string, number>();
      for (const name of this.tree.list()) {
        const ni = snapshot.nodeInfoMap.get(name);
        if (!ni) continue;
        index.set(name, list.length);
        list.push(ni);
      }
      snapshot.nodeInfoList = list;
      snapshot.listIndex = index;
      rebuildAffinity = true;
    }
    if (rebuildAffinity) snapshot.rebuildAffinityLists();
  }

  // ---- internals ----

  private item(name: string): NodeItem {
    let item = this.nodes.get(name);
    if (!item) {
      item = { name, info: new NodeInfo(), prev: null, next: null };
      this.nodes.set(name, item);
      this.pushFront(item);
    }
    return item;
  }

  private addToNode(info: PodInfo, nodeName: string): void {
    const item = this.item(nodeName);
    item.info.addPod(info);
    this.touch(item);
  }

  private removeFromNode(info: PodInfo, nodeName: string): void {
    const item = this.nodes.get(nodeName);
    if (!item) return;
    item.info.removePod(info);
    // A deleted node whose last pod left disappears.
    if (!item.info.node && item.info.pods.length === 0) this.unlink(item);
    else this.touch(item);
  }

  /** Moves a changed item to the head (its generation is now the newest). */
  private touch(item: NodeItem): void {
    if (this.head === item) return;
    this.detach(item);
    this.pushFront(item);
  }

  private pushFront(item: NodeItem): void {
    item.prev = null;
    item.next = this.head;
    if (this.head) this.head.prev = item;
    this.head = item;
  }

  private detach(item: NodeItem): void {
    if (item.prev) item.prev.next = item.next;
    if (item.next) item.next.prev = item.prev;
    if (this.head === item) this.head = item.next;
    item.prev = null;
    item.next = null;
  }

  private unlink(item: NodeItem): void {
    this.detach(item);
    this.nodes.delete(item.name);
  }

  private addImages(info: NodeInfo, node: Node): void {
    const name = node.metadata?.name ?? '';
    const states = new Map<string, ImageStateSummary>();
    for (const image of node.status?.images ?? []) {
      for (const raw of image.names ?? []) {
        const key = normalizedImageName(raw);
        let st = this.images.get(key);
        if (!st) {
          st = { summary: { size: image.sizeBytes ?? 0, numNodes: 0 }, nodes: new Set() };
          this.images.set(key, st);
        }
        st.nodes.add(name);
        st.summary.numNodes = st.nodes.size;
        states.set(key, st.summary);
      }
    }
    info.imageStates = states;
  }

  private removeImages(node: Node): void {
    const name = node.metadata?.name ?? '';
    for (const image of node.status?.images ?? []) {
      for (const raw of image.names ?? []) {
        const key = normalizedImageName(raw);
        const st = this.images.get(key);
        if (!st) continue;
        st.nodes.delete(name);
        st.summary.numNodes = st.nodes.size;
        if (st.nodes.size === 0) this.images.delete(key);
      }
    }
  }
}
