/**
 * Aggregated information about one node (framework.NodeInfo in types.go): the node, the pods
 * assigned to it (bound or assumed), their summed requests, used host ports and the images the
 * node holds. Updated incrementally by the scheduler cache (setNode / addPod / removePod), so a
 * scheduling decision costs O(1) bookkeeping, not a recount.
 */
import type { Node } from 'kubernetes-types/core/v1';
import { hasAffinity, type HostPort, type PodInfo } from './pod-info';
import { Resource } from './resource';

/** An image on a node, shared by every NodeInfo that has it (framework.ImageStateSummary). */
export interface ImageStateSummary {
  /** Bytes. */
  size: number;
  /** How many nodes have the image: ImageLocality scales its score by this spread. */
  numNodes: number;
}

const PROTOCOLS: Record<string, number> = { TCP: 0, UDP: 1, SCTP: 2 };
const portKey = (protocol: string, port: number) => (PROTOCOLS[protocol] ?? 0) * 65536 + port;

/** Host ports in use by IP (framework.HostPortInfo); '0.0.0.0' is the wildcard. Counted. */
export class HostPortInfo {
  private readonly byIP = new Map<string, Map<number, number>>();

  add(p: HostPort): void {
    let m = this.byIP.get(p.ip);
    if (!m) this.byIP.set(p.ip, (m = new Map()));
    const k = portKey(p.protocol, p.port);
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.byIP.get(p.ip);
    const k = portKey(p.protocol, p.port);
    const n = m?.get(k);
    if (!m || n === undefined) return;
    if (n > 1) m.set(k, n - 1);
    else {
      m.delete(k);
      if (m.size === 0) this.byIP.delete(p.ip);
    }
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with the same port on any IP and vice versa. */
  conflicts(p: HostPort): boolean {
    const k = portKey(p.protocol, p.port);
    if (p.ip === '0.0.0.0') {
      for (const m of this.byIP.values()) if (m.has(k)) return true;
      return false;
    }
    return (this.byIP.get(p.ip)?.has(k) ?? false) || (this.byIP.get('0.0.0.0')?.has(k) ?? false);
  }

  get size(): number {
    return this.byIP.size;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIP) c.byIP.set(ip, new Map(m));
    return c;
  }
}

let generationCounter = 0;
/** A process-wide increasing number; the cache compares generations to refresh snapshots. */
export const nextGeneration = (): number => ++generationCounter;

export class NodeInfo {
  node: Node | null = null;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  /** Sum of the pods' effective requests (allowedPodNumber unused: use pods.length). */
  requested = new Resource();
  /** Same with the scoring defaults for missing cpu/memory requests (milliCPU and memory only). */
  nonZeroRequested = new Resource();
  allocatable = new Resource();
  /** Images on the node by every name it reports; the cache fills these (see ImageRegistry). */
  imageStates = new Map<string, ImageStateSummary>();
  /** PVCs used by pods on this node, namespace/name → pod count. */
  pvcRefCounts = new Map<string, number>();
  /** Changes on every update. */
  generation = nextGeneration();
  /**
   * Plugins' per-node memo, valid while `gen` equals this node's generation (e.g. pods matching
   * a selector). Not copied by clone(). Plugins bound its size.
   */
  memo = new Map<string, { gen: number; count: number }>();

  constructor(node?: Node, pods: readonly PodInfo[] = []) {
    if (node) this.setNode(node);
    for (const p of pods) this.addPod(p);
  }

  get name(): string {
    return this.node?.metadata?.name ?? '';
  }

  /** Sets (or replaces) the node object and its allocatable resources. */
  setNode(node: Node): void {
    this.node = node;
    this.allocatable = Resource.fromList(node.status?.allocatable ?? node.status?.capacity);
    this.generation = nextGeneration();
  }

  /** Forgets the node object but keeps its pods (a node deleted while pods still point at it). */
  removeNode(): void {
    this.node = null;
    this.generation = nextGeneration();
  }

  addPod(p: PodInfo): void {
    this.pods.push(p);
    if (hasAffinity(p)) this.podsWithAffinity.push(p);
    if (p.requiredAntiAffinityTerms.length > 0) this.podsWithRequiredAntiAffinity.push(p);
    this.update(p, 1);
  }

  /** Removes the pod with p's uid; false when it was not on this node. */
  removePod(p: PodInfo): boolean {
    const i = this.pods.findIndex((x) => x.uid === p.uid);
    if (i < 0) return false;
    const existing = this.pods[i] as PodInfo;
    this.pods.splice(i, 1);
    removeByUID(this.podsWithAffinity, p.uid);
    removeByUID(this.podsWithRequiredAntiAffinity, p.uid);
    this.update(existing, -1);
    return true;
  }

  private update(p: PodInfo, sign: 1 | -1): void {
    if (sign > 0) this.requested.add(p.requests);
    else this.requested.sub(p.requests);
    this.nonZeroRequested.milliCPU += sign * p.nonZeroCPU;
    this.nonZeroRequested.memory += sign * p.nonZeroMemory;
    for (const hp of p.hostPorts) {
      if (sign > 0) this.usedPorts.add(hp);
      else this.usedPorts.remove(hp);
    }
    for (const v of p.pod.spec?.volumes ?? []) {
      const claim = v.persistentVolumeClaim?.claimName;
      if (!claim) continue;
      const k = `${p.namespace}/${claim}`;
      const n = (this.pvcRefCounts.get(k) ?? 0) + sign;
      if (n > 0) this.pvcRefCounts.set(k, n);
      else this.pvcRefCounts.delete(k);
    }
    this.generation = nextGeneration();
  }

  /** An independent copy (pods are shared: PodInfos are immutable). Used by preemption. */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.usedPorts = this.usedPorts.clone();
    c.requested = this.requested.clone();
    c.nonZeroRequested = this.nonZeroRequested.clone();
    c.allocatable = this.allocatable.clone();
    c.imageStates = this.imageStates;
    c.pvcRefCounts = new Map(this.pvcRefCounts);
    c.generation = this.generation;
    return c;
  }
}

function removeByUID(list: PodInfo[], uid: string): void {
  const i = list.findIndex((x) => x.uid === uid);
  if (i >= 0) list.splice(i, 1);
}
