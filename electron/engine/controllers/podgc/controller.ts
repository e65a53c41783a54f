/**
 * Pod garbage collection, kube-controller-manager's "podgc" controller (pkg/controller/podgc).
 * Every gcPeriodMs it force-deletes (grace period 0):
 *
 * - terminated pods (phase Succeeded or Failed) beyond terminatedPodGcThreshold, evicted ones
 *   first, then oldest first (by creationTimestamp, then name);
 * - terminating pods on nodes that are not Ready and carry node.kubernetes.io/out-of-service;
 * - orphaned pods, bound to a node that no longer exists: a missing node is quarantined for
 *   quarantineMs (the informer may simply not have seen it yet), then asked for by name; only
 *   on 404 are its pods deleted, with the condition DisruptionTarget (DeletionByPodGC "PodGC:
 *   node no longer exists");
 * - unscheduled pods that are being deleted (no kubelet will ever finish them).
 *
 * A pod not yet in a terminal phase is first patched to phase Failed, so that its controller
 * counts it as failed and not as lost.
 */
import type { Node, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import { forEachLimit, type Loop, startLoop } from '../nodelifecycle/loops';
import { metaTime } from '../nodelifecycle/node-updates';
import { nodeCondition, TAINT_OUT_OF_SERVICE } from '../nodelifecycle/taints';
import type { Controller, ControllerContext, ControllerFactory } from '../types';

export const NAME = 'podgc';

export interface PodGcTimings {
  /** gcCheckPeriod (20 s). */
  gcPeriodMs: number;
  /** quarantineTime (40 s): how long a node may be missing from the informer before it is looked up. */
  quarantineMs: number;
}

export const DEFAULT_POD_GC_TIMINGS: PodGcTimings = { gcPeriodMs: 20_000, quarantineMs: 40_000 };

/** Force deletions in flight at once. */
const DELETE_CONCURRENCY = 32;

/** eviction.PodIsEvicted. */
const isEvicted = (p: Pod) => p.status?.phase === 'Failed' && p.status.reason === 'Evicted';
const isTerminated = (p: Pod) => {
  const phase = p.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown' && phase !== undefined;
};

/** byEvictionAndCreationTimestamp: evicted first, then oldest, then by name. */
export function gcOrder(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  if (ea !== isEvicted(b)) return ea ? -1 : 1;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/** The pods the terminated-pod pass deletes: those past the threshold, in gcOrder. */
export function terminatedToDelete(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter(isTerminated);
  const count = terminated.length - threshold;
  if (count <= 0) return [];
  return terminated.sort(gcOrder).slice(0, count);
}

/** A factory with other timings than kube-controller-manager's (tests use short ones). */
export function podGcControllerWith(timings: PodGcTimings): ControllerFactory {
  return (ctx) => podGc(ctx, timings);
}

export const createPodGcController: ControllerFactory = podGcControllerWith(DEFAULT_POD_GC_TIMINGS);

function podGc(ctx: ControllerContext, timings: PodGcTimings): Controller {
  const pods = ctx.informers.informer<Pod>(R.pods);
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const podApi = ctx.client.resource<Pod>(R.pods);
  const nodeApi = ctx.client.resource<Node>(R.nodes);
  /** Missing node name → when it may be looked up (the delaying queue's AddAfter). */
  const quarantine = new Map<string, number>();
  let loop: Loop | undefined;

  /** markFailedAndDeletePodWithCondition. */
  async function forceDelete(pod: Pod, condition?: PodCondition): Promise<void> {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    try {
      if (pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed') {
        const status: PodStatus = { phase: 'Failed' };
        if (condition) {
          status.conditions = [
            ...(pod.status?.conditions ?? []).filter((c) => c.type !== condition.type),
            condition,
          ];
        }
        // The uid in the patch makes it a precondition: a new pod of the same name is not touched.
        await podApi.patch(
          namespace,
          name,
          'merge',
          { metadata: { uid: pod.metadata?.uid }, status },
          {
            subresource: 'status',
          },
        );
      }
      await podApi.delete(namespace, name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata?.uid },
      });
      ctx.log.info({ pod: `${namespace}/${name}` }, 'pod GC force-deleted pod');
    } catch (err) {
      if (!isNotFound(err)) {
        ctx.log.warn(
          { pod: `${namespace}/${name}`, err: (err as Error).message },
          'pod GC could not delete pod',
        );
      }
    }
  }

  async function gcTerminating(all: Pod[]): Promise<void> {
    const victims = all.filter((p) => {
      if (!p.metadata?.deletionTimestamp || !p.spec?.nodeName) return false;
      const node = nodes.get(p.spec.nodeName);
      if (!node) return false;
      const ready = nodeCondition(node, 'Ready')?.status === 'True';
      return !ready && (node.spec?.taints ?? []).some((t) => t.key === TAINT_OUT_OF_SERVICE);
    });
    await forEachLimit(victims.sort(gcOrder), DELETE_CONCURRENCY, (p) => forceDelete(p));
  }

  /** Nodes past quarantine that the API server confirms are gone. */
  async function deletedNodes(now: number): Promise<Set<string>> {
    const gone = new Set<string>();
    for (const [name, due] of [...quarantine]) {
      if (due > now) continue;
      quarantine.delete(name);
      if (nodes.get(name)) continue;
      try {
        await nodeApi.get('', name);
      } catch (err) {
        if (isNotFound(err)) gone.add(name);
        else ctx.log.warn({ node: name, err: (err as Error).message }, 'pod GC could not look up node');
      }
    }
    return gone;
  }

  async function gcOrphaned(all: Pod[]): Promise<void> {
    const now = ctx.now().getTime();
    for (const p of all) {
      const node = p.spec?.nodeName;
      if (node && !nodes.get(node) && !quarantine.has(node)) quarantine.set(node, now + timings.quarantineMs);
    }
    const gone = await deletedNodes(now);
    if (gone.size === 0) return;
    const condition: PodCondition = {
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'DeletionByPodGC',
      message: 'PodGC: node no longer exists',
      lastTransitionTime: metaTime(ctx.now()),
    };
    const orphans = all.filter((p) => gone.has(p.spec?.nodeName ?? ''));
    await forEachLimit(orphans, DELETE_CONCURRENCY, (p) => forceDelete(p, condition));
  }

  async function gc(): Promise<void> {
    const all = pods.list();
    await forEachLimit(
      terminatedToDelete(all, ctx.options.terminatedPodGcThreshold),
      DELETE_CONCURRENCY,
      (p) => forceDelete(p),
    );
    await gcTerminating(all);
    await gcOrphaned(all);
    const unscheduled = all.filter((p) => p.metadata?.deletionTimestamp && !p.spec?.nodeName);
    await forEachLimit(unscheduled, DELETE_CONCURRENCY, (p) => forceDelete(p));
  }

  return {
    name: NAME,
    start() {
      loop = startLoop(timings.gcPeriodMs, gc, (err) =>
        ctx.log.error({ err: (err as Error).message }, 'pod GC pass failed'),
      );
    },
    stop: async () => loop?.stop(),
  };
}
