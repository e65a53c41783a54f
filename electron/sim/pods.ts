/**
 * The pod side of simulated kubelets: one watch of all bound pods (field selector
 * spec.nodeName!=, filtered to this simulator's nodes) feeding a work queue, and a sync that
 * makes each pod's status what a kubelet would report once its containers run:
 *
 * - a pod bound to a live node gets phase Running, every condition True, an IP from the node's
 *   spec.podCIDR (set by node IPAM; until then the pod waits), the node's IP as hostIP, and
 *   running container statuses with `sim://` IDs; hostNetwork pods get the node's IP;
 * - a pod with a deletionTimestamp is deleted with gracePeriodSeconds=0 (uid precondition), as a
 *   kubelet does once the containers stopped; its IP is released;
 * - pods on silent (kubelet gone) or removed nodes are left alone; a not-ready node finishes
 *   deletions but starts nothing;
 * - a pod whose Ready condition someone else turned False (the node lifecycle controller, while
 *   the node was unreachable) is reported Ready again once its node is back.
 *
 * Statuses are written with a strategic-merge PATCH of the status subresource (no conflicts with
 * other writers), with bounded concurrency.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { isConflict, isNotFound } from '../kube/errors';
import { type Informer, keyOf } from '../kube/informer';
import type { Logger } from '../kube/log';
import { R } from '../kube/resources';
import type { KubeClient } from '../kube/types';
import { WorkQueue } from '../kube/workqueue';
import { isReportedRunning, runningPodStatus, simNodeIp } from './objects';
import { PodIps } from './pod-ips';
import type { SimNodeMap } from './state';

export const PODS_BY_NODE = 'spec.nodeName';
/** How long pods may wait for their node's podCIDR before the simulator warns. */
const CIDR_WARNING_MS = 30_000;

export interface PodWorkerDeps {
  client: KubeClient;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  sims: SimNodeMap;
  log: Logger;
  now: () => Date;
  concurrency: number;
}

export interface PodWorker {
  start(): void;
  /** Look at every pod of `node` again (after it came back). */
  resync(node: string): void;
  /** Pods reported running and not deleted since. */
  readonly running: number;
  stop(): Promise<void>;
}

export function createPodWorker(d: PodWorkerDeps): PodWorker {
  const api = d.client.resource<Pod>(R.pods);
  const queue = new WorkQueue({ name: 'sim-pods', log: d.log, maxDelayMs: 10_000 });
  /** Node name → its pod IP allocator (for its current podCIDR). */
  const ipsByNode = new Map<string, PodIps>();
  /** Pod key → the node and IP it was given. */
  const assigned = new Map<string, { node: string; ip: string }>();
  /** Pod keys reported running. */
  const running = new Set<string>();
  /** Node name → pods waiting for the node's podCIDR. */
  const waiting = new Map<string, Set<string>>();
  const warned = new Set<string>();

  const mine = (p: Pod) => d.sims.has(p.spec?.nodeName ?? '');
  d.pods.addHandlers({
    onAdd: (p) => mine(p) && queue.add(keyOf(p)),
    onUpdate: (_o, p) => mine(p) && queue.add(keyOf(p)),
    onDelete: (p) => release(keyOf(p)),
  });
  const onNode = (n: Node) => {
    const name = n.metadata?.name ?? '';
    const keys = waiting.get(name);
    if (!keys || !n.spec?.podCIDR) return;
    waiting.delete(name);
    for (const k of keys) queue.add(k);
  };
  d.nodes.addHandlers({ onAdd: onNode, onUpdate: (_o, n) => onNode(n) });

  /** Pods parked for a podCIDR that never comes are a setup problem worth one warning per node. */
  function warnIfStillWaiting(nodeName: string): void {
    const timer = setTimeout(() => {
      const keys = waiting.get(nodeName);
      if (!keys || warned.has(nodeName)) return;
      warned.add(nodeName);
      d.log.warn(
        { node: nodeName, pods: keys.size },
        'node has no spec.podCIDR yet, so its pods wait: is node IPAM running, and is the cluster CIDR big enough for every node?',
      );
    }, CIDR_WARNING_MS);
    timer.unref();
  }

  function release(key: string): void {
    running.delete(key);
    const a = assigned.get(key);
    if (!a) return;
    assigned.delete(key);
    ipsByNode.get(a.node)?.release(a.ip);
  }

  /** The node's allocator, made (or remade) from its podCIDR; undefined until it has one. */
  function allocatorOf(nodeName: string): PodIps | undefined {
    const cidr = d.nodes.get(nodeName)?.spec?.podCIDR;
    if (!cidr) return undefined;
    let ips = ipsByNode.get(nodeName);
    if (!ips || ips.cidr !== cidr) {
      ips = new PodIps(cidr);
      ipsByNode.set(nodeName, ips);
    }
    return ips;
  }

  /** The pod's IP, kept across syncs; undefined while the node has no podCIDR. */
  function podIp(key: string, pod: Pod, nodeName: string): string | undefined {
    const known = assigned.get(key);
    if (known?.node === nodeName) return known.ip;
    const ips = allocatorOf(nodeName);
    if (!ips) {
      let keys = waiting.get(nodeName);
      if (!keys) {
        waiting.set(nodeName, (keys = new Set()));
        warnIfStillWaiting(nodeName);
      }
      keys.add(key);
      return undefined;
    }
    const current = pod.status?.podIP;
    const ip = current && ips.occupy(current) ? current : ips.allocate();
    if (!ip) throw new Error(`no pod IP left in ${ips.cidr} on node ${nodeName}`);
    assigned.set(key, { node: nodeName, ip });
    return ip;
  }

  async function sync(key: string): Promise<void> {
    const pod = d.pods.get(key);
    if (!pod) return release(key);
    const nodeName = pod.spec?.nodeName ?? '';
    const sim = d.sims.get(nodeName);
    if (!sim || sim.mode === 'silent' || sim.mode === 'removed') return;
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    if (pod.metadata?.deletionTimestamp) {
      try {
        await api.delete(namespace, name, {
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return release(key);
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return release(key);
    if (sim.mode !== 'ready') return;
    const hostIp = simNodeIp(nodeName);
    const ip = pod.spec?.hostNetwork ? hostIp : podIp(key, pod, nodeName);
    if (ip === undefined) return;
    if (isReportedRunning(pod) && pod.status?.podIP === ip) {
      running.add(key);
      return;
    }
    const status = runningPodStatus(pod, hostIp, ip, d.now());
    try {
      // The uid makes the patch conditional: a new pod of the same name is not touched.
      await api.patch(
        namespace,
        name,
        'strategic',
        { metadata: { uid: pod.metadata?.uid }, status },
        {
          subresource: 'status',
        },
      );
      running.add(key);
    } catch (err) {
      if (isNotFound(err)) return release(key);
      throw err;
    }
  }

  return {
    start: () => queue.run(d.concurrency, sync),
    resync(node) {
      for (const p of d.pods.byIndex(PODS_BY_NODE, node)) queue.add(keyOf(p));
    },
    get running() {
      return running.size;
    },
    stop: () => queue.shutDown(),
  };
}
