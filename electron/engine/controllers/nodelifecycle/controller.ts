/**
 * Node lifecycle, kube-controller-manager's "nodelifecycle" controller
 * (pkg/controller/nodelifecycle, taint-based eviction as in every release since 1.18):
 *
 * - Every nodeMonitorPeriodMs it checks each node's heartbeats (Lease renewTime in
 *   kube-node-lease, Ready condition lastHeartbeatTime; see health.ts). A node silent for
 *   nodeMonitorGracePeriodMs gets Ready/MemoryPressure/DiskPressure/PIDPressure = Unknown
 *   ("Kubelet stopped posting node status."), a NodeNotReady event, and its pods Ready=False.
 * - Nodes whose Ready is Unknown / False are queued for the NoExecute taint
 *   node.kubernetes.io/unreachable / not-ready; the queue is drained at nodeEvictionRate nodes
 *   per second (burst 1), which is how kube-controller-manager rate-limits evictions. The taint
 *   eviction controller (taint-eviction.ts) then deletes the pods that do not tolerate it. A node
 *   that is Ready again loses both taints at once; one that turns from Unknown to False (or back)
 *   has its taint swapped at once.
 * - NoSchedule taints mirror the conditions (not-ready, unreachable, memory-/disk-/pid-pressure,
 *   network-unavailable) and spec.unschedulable (doNoScheduleTaintingPass).
 *
 * Zone-free simplification: kube-controller-manager keeps one eviction queue and disruption
 * state per zone (topology.kubernetes.io/zone). Pilothouse treats the whole cluster as one zone:
 * if no node is Ready ("full disruption", usually the control plane's own network) it stops
 * evictions and removes the NoExecute taints; if ≥ 55% of nodes (and more than 2) are not
 * Ready it evicts at 0.01 nodes/s in clusters over 50 nodes and not at all in smaller ones;
 * otherwise at nodeEvictionRate. That is exactly kube-controller-manager's behaviour for a
 * single-zone cluster.
 *
 * Known limitations: the node startup grace period is 1.5 × the monitor grace period (60 s at
 * the default 40 s, as --node-startup-grace-period); the beta os/arch label reconciliation is
 * not done; nodes labelled node.kubernetes.io/exclude-disruption are left out of the zone count,
 * as in Kubernetes.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Node, NodeCondition, Pod } from 'kubernetes-types/core/v1';
import { keyOf } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { Controller, ControllerFactory } from '../types';
import { checkNodeHealth, evictionRate, type HealthRecord, type ZoneState, zoneState } from './health';
import { markPodsNotReady, swapNodeTaints } from './node-updates';
import { forEachLimit, type Loop, startLoop } from './loops';
import { RateLimitedTimedQueue } from './rate-limited-queue';
import {
  hasTaint,
  NOT_READY_NO_EXECUTE,
  nodeCondition,
  noScheduleTaintDiff,
  UNREACHABLE_NO_EXECUTE,
} from './taints';

export const NAME = 'nodelifecycle';
/** source.component of the events, as kube-controller-manager's node controller. */
export const COMPONENT = 'node-controller';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Index of the pod informer by spec.nodeName (shared with the taint eviction controller). */
export const PODS_BY_NODE = 'spec.nodeName';
/** scheduler.NodeEvictionPeriod: how often the taint queue is drained. */
const NODE_EVICTION_PERIOD_MS = 100;
/** scheduler.EvictionRateLimiterBurst. */
const EVICTION_BURST = 1;
/** nodeUpdateWorkerSize: nodes checked in parallel. */
const NODE_WORKERS = 8;
/** scheduler.NodeHealthUpdateRetry. */
const HEALTH_RETRIES = 5;
const EXCLUDE_DISRUPTION = 'node.kubernetes.io/exclude-disruption';

export const podsByNode = (p: Pod): string[] => (p.spec?.nodeName ? [p.spec.nodeName] : []);

export const createNodeLifecycleController: ControllerFactory = (ctx): Controller => {
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const pods = ctx.informers.informer<Pod>(R.pods);
  const leases = ctx.informers.informer<Lease>(R.leases, { namespace: NODE_LEASE_NAMESPACE });
  pods.addIndex(PODS_BY_NODE, podsByNode);
  const recorder = ctx.recorder(COMPONENT);
  const api = ctx.client.resource<Node>(R.nodes);
  const nowMs = () => ctx.now().getTime();
  const monitorGraceMs = ctx.options.nodeMonitorGracePeriodMs;
  const startupGraceMs = monitorGraceMs * 1.5;

  const health = new Map<string, HealthRecord>();
  const known = new Map<string, Node>();
  const retry = new Set<string>();
  const tainter = new RateLimitedTimedQueue(ctx.options.nodeEvictionRate, EVICTION_BURST, nowMs);
  let zone: ZoneState | undefined;

  const noScheduleQueue = new WorkQueue({ name: `${NAME}-noschedule`, log: ctx.log, maxDelayMs: 30_000 });
  const podQueue = new WorkQueue({ name: `${NAME}-pods`, log: ctx.log, maxDelayMs: 30_000 });
  nodes.addHandlers({
    onAdd: (n) => noScheduleQueue.add(keyOf(n)),
    onUpdate: (_o, n) => noScheduleQueue.add(keyOf(n)),
  });
  // Pods newly bound to a node that is already not ready are marked not ready (processPod).
  pods.addHandlers({
    onAdd: (p) => p.spec?.nodeName && podQueue.add(keyOf(p)),
    onUpdate: (o, p) => p.spec?.nodeName && p.spec.nodeName !== o.spec?.nodeName && podQueue.add(keyOf(p)),
  });

  const nodeEvent = (node: Node, reason: string, what: string) =>
    recorder.event(node, 'Normal', reason, `Node ${node.metadata?.name ?? ''} event: ${what}`);
  const statusChange = (node: Node, status: string) =>
    recorder.event(node, 'Normal', status, `Node ${node.metadata?.name ?? ''} status is now: ${status}`);

  /** Take both NoExecute taints off; `fresh` reads the node from the API server, not the cache. */
  async function markNodeAsReachable(node: Node, fresh = false): Promise<void> {
    const name = node.metadata?.name ?? '';
    const noExecute = [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE];
    await swapNodeTaints(ctx.client, fresh ? undefined : node, name, [], noExecute, ctx.now());
    tainter.remove(name);
  }

  /** processTaintBaseEviction: queue the NoExecute taint, swap it, or take it off. */
  async function processTaintBasedEviction(node: Node, observed: NodeCondition): Promise<void> {
    const name = node.metadata?.name ?? '';
    const taints = node.spec?.taints;
    if (observed.status === 'False' || observed.status === 'Unknown') {
      const [want, opposite] =
        observed.status === 'False'
          ? [NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE]
          : [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE];
      if (hasTaint(taints, opposite)) {
        await swapNodeTaints(ctx.client, node, name, [want], [opposite], ctx.now());
      } else if (!hasTaint(taints, want)) {
        // Kept in place when already queued, so the first node to fail is the first tainted.
        tainter.add(name, node.metadata?.uid ?? '');
      }
    } else if (observed.status === 'True') {
      await markNodeAsReachable(node);
    }
  }

  /** tryUpdateNodeHealth with its retries; resolves undefined when the node could not be updated. */
  async function updateHealth(node: Node) {
    const name = node.metadata?.name ?? '';
    let current = node;
    for (let attempt = 0; attempt < HEALTH_RETRIES; attempt++) {
      const lease = leases.getByName(NODE_LEASE_NAMESPACE, name);
      const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : NaN;
      const r = checkNodeHealth({
        node: current,
        saved: health.get(name),
        leaseRenew: Number.isNaN(renew) ? undefined : renew,
        now: nowMs(),
        monitorGraceMs,
        startupGraceMs,
      });
      health.set(name, r.record);
      if (!r.status) return { node: current, ...r };
      try {
        const updated = await api.updateStatus({ ...current, status: r.status });
        if (r.recordIfWritten) health.set(name, r.recordIfWritten);
        return { node: updated, ...r };
      } catch (err) {
        ctx.log.debug({ node: name, err: (err as Error).message }, 'node status update failed; retrying');
        try {
          current = await api.get('', name);
        } catch {
          return undefined; // deleted meanwhile
        }
      }
    }
    ctx.log.warn({ node: name }, 'could not update node health; no pods will be evicted this round');
    return undefined;
  }

  async function checkNode(node: Node, readiness: (NodeCondition | undefined)[]): Promise<void> {
    const name = node.metadata?.name ?? '';
    const r = await updateHealth(node);
    if (!r) return;
    if (!(EXCLUDE_DISRUPTION in (r.node.metadata?.labels ?? {}))) readiness.push(r.current);
    if (r.current) {
      await processTaintBasedEviction(r.node, r.observed).catch((err: unknown) =>
        ctx.log.warn({ node: name, err: (err as Error).message }, 'taint update failed; next round retries'),
      );
      const becameNotReady = r.current.status !== 'True' && r.observed.status === 'True';
      if (becameNotReady) statusChange(r.node, 'NodeNotReady');
      if (becameNotReady || (retry.has(name) && r.observed.status !== 'True')) {
        try {
          await markPodsNotReady(ctx.client, recorder, pods.byIndex(PODS_BY_NODE, name), name, ctx.now());
        } catch (err) {
          ctx.log.warn({ node: name, err: (err as Error).message }, 'could not mark all pods not ready');
          retry.add(name);
          return;
        }
      }
    }
    retry.delete(name);
  }

  /** handleDisruption for the one zone: stop, slow or resume evictions. */
  async function handleDisruption(readiness: (NodeCondition | undefined)[], all: Node[]): Promise<void> {
    if (readiness.length === 0) {
      zone = undefined;
      return;
    }
    const { state } = zoneState(readiness);
    const was = zone ?? 'Initial';
    zone = was;
    if (state === 'FullDisruption' && was === 'FullDisruption') return;
    if (state === 'FullDisruption') {
      ctx.log.warn({}, 'no node is ready: entering master disruption mode, evictions stopped');
      // Read afresh: a taint added moments ago may not be in the cache yet.
      await forEachLimit(all, NODE_WORKERS, (n) => markNodeAsReachable(n, true).catch(() => undefined));
      tainter.swapLimiter(0);
      zone = 'FullDisruption';
      return;
    }
    if (was === 'FullDisruption') {
      ctx.log.info({}, 'some nodes are ready again: leaving master disruption mode');
      // Every node gets a fresh grace period, as kube-controller-manager resets probe timestamps.
      const now = nowMs();
      for (const [name, rec] of health)
        health.set(name, { ...rec, probeTimestamp: now, readyTransitionTimestamp: now });
    }
    if (state !== was) {
      tainter.swapLimiter(evictionRate(state, readiness.length, ctx.options.nodeEvictionRate));
      zone = state;
    }
  }

  async function monitorNodeHealth(): Promise<void> {
    const all = nodes.list();
    const seen = new Set<string>();
    for (const node of all) {
      const name = node.metadata?.name ?? '';
      seen.add(name);
      if (known.has(name)) continue;
      nodeEvent(node, 'RegisteredNode', `Registered Node ${name} in Controller`);
      known.set(name, node);
      await markNodeAsReachable(node).catch(() => undefined);
    }
    for (const [name, node] of known) {
      if (seen.has(name)) continue;
      nodeEvent(node, 'RemovingNode', `Removing Node ${name} from Controller`);
      known.delete(name);
      health.delete(name);
      retry.delete(name);
      tainter.remove(name);
    }
    const readiness: (NodeCondition | undefined)[] = [];
    await forEachLimit(all, NODE_WORKERS, (n) => checkNode(n, readiness));
    await handleDisruption(readiness, all);
  }

  /** doNoExecuteTaintingPass: taint queued nodes, as fast as the limiter allows. */
  async function noExecuteTaintingPass(): Promise<void> {
    await tainter.tryEach(async (name) => {
      const node = nodes.get(name);
      if (!node) return { done: true };
      const ready = nodeCondition(node, 'Ready');
      if (!ready) return { done: false, retryAfterMs: 50 };
      let add;
      let remove;
      if (ready.status === 'False') [add, remove] = [NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE];
      else if (ready.status === 'Unknown') [add, remove] = [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE];
      else return { done: true }; // ready again meanwhile
      try {
        await swapNodeTaints(ctx.client, node, name, [add], [remove], ctx.now());
        return { done: true };
      } catch (err) {
        ctx.log.warn({ node: name, err: (err as Error).message }, 'could not taint node; retrying');
        return { done: false, retryAfterMs: 1_000 };
      }
    });
  }

  async function syncNoSchedule(name: string): Promise<void> {
    const node = nodes.get(name);
    if (!node) return;
    const { add, remove } = noScheduleTaintDiff(node);
    if (add.length === 0 && remove.length === 0) return;
    await swapNodeTaints(ctx.client, node, name, add, remove, ctx.now());
  }

  async function syncPod(key: string): Promise<void> {
    const pod = pods.get(key);
    const nodeName = pod?.spec?.nodeName;
    if (!pod || !nodeName) return;
    const rec = health.get(nodeName);
    if (!rec?.ready) return; // not checked yet: the next monitor pass handles it
    if (!nodes.get(nodeName)) throw new Error(`node ${nodeName} of pod ${key} not in the cache yet`);
    if (rec.ready.status !== 'True') await markPodsNotReady(ctx.client, recorder, [pod], nodeName, ctx.now());
  }

  const loops: Loop[] = [];
  const loop = (periodMs: number, what: string, fn: () => Promise<void>) =>
    loops.push(
      startLoop(periodMs, fn, (err) => ctx.log.error({ err: (err as Error).message }, `${what} failed`)),
    );

  return {
    name: NAME,
    start() {
      noScheduleQueue.run(NODE_WORKERS, syncNoSchedule);
      podQueue.run(4, syncPod);
      loop(NODE_EVICTION_PERIOD_MS, 'tainting pass', noExecuteTaintingPass);
      loop(ctx.options.nodeMonitorPeriodMs, 'node health check', monitorNodeHealth);
    },
    async stop() {
      await Promise.all([...loops.map((l) => l.stop()), noScheduleQueue.shutDown(), podQueue.shutDown()]);
    },
  };
};
