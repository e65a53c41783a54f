/**
 * Writes the node lifecycle controller makes: taints on nodes (controller.AddOrUpdateTaintOnNode
 * and RemoveTaintOffNode in one update) and pods' Ready condition (MarkPodsNotReady). Each starts
 * from the informer's copy and, on a conflict, reads the object again and retries a few times,
 * as client-go's RetryOnConflict does.
 */
import type { Node, Pod, PodCondition, Taint } from 'kubernetes-types/core/v1';
import { isConflict, isNotFound } from '../../../kube/errors';
import type { EventRecorder } from '../../../kube/events';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { applyTaints } from './taints';

/** Attempts per write (UpdateTaintBackoff has 5 steps). */
const ATTEMPTS = 5;

/** metav1.Time: RFC 3339 in whole seconds. */
export function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Add `add` (stamped with timeAdded when NoExecute, as SwapNodeControllerTaint does) and remove
 * `remove` in one update of the node's spec. Resolves true when the node changed, false when
 * there was nothing to do or the node is gone.
 */
export async function swapNodeTaints(
  client: KubeClient,
  cached: Node | undefined,
  name: string,
  add: readonly Taint[],
  remove: readonly Taint[],
  now: Date,
): Promise<boolean> {
  const nodes = client.resource<Node>(R.nodes);
  const stamped = add.map((t) => (t.effect === 'NoExecute' ? { ...t, timeAdded: metaTime(now) } : t));
  let node = cached;
  for (let attempt = 0; ; attempt++) {
    if (!node) {
      try {
        node = await nodes.get('', name);
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    }
    const taints = applyTaints(node.spec?.taints, stamped, remove);
    if (!taints) return false;
    try {
      await nodes.update({ ...node, spec: { ...node.spec, taints } });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      if (!isConflict(err) || attempt + 1 >= ATTEMPTS) throw err;
      node = undefined;
    }
  }
}

/**
 * podutil.UpdatePodCondition for the Ready condition: status False, the transition time moved
 * only when the status changes. Undefined when the pod has no Ready condition or it is False.
 */
export function notReadyStatus(pod: Pod, now: Date): Pod['status'] | undefined {
  const conditions = pod.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'False') return undefined;
  const next: PodCondition = { ...ready, status: 'False', lastTransitionTime: metaTime(now) };
  return { ...pod.status, conditions: conditions.map((c) => (c === ready ? next : c)) };
}

/**
 * MarkPodsNotReady: set Ready=False on each pod bound to `nodeName`, with a Warning event
 * NodeNotReady "Node is not ready" per pod changed. Pods already gone are skipped. Rejects with
 * the first error after trying every pod (the caller retries the node).
 */
export async function markPodsNotReady(
  client: KubeClient,
  recorder: EventRecorder,
  pods: readonly Pod[],
  nodeName: string,
  now: Date,
): Promise<void> {
  const api = client.resource<Pod>(R.pods);
  let firstErr: unknown;
  for (const cached of pods) {
    if (cached.spec?.nodeName !== nodeName) continue;
    let pod: Pod | undefined = cached;
    for (let attempt = 0; pod; attempt++) {
      const status = notReadyStatus(pod, now);
      if (!status) break;
      try {
        await api.updateStatus({ ...pod, status });
        recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
        break;
      } catch (err) {
        if (isNotFound(err)) break;
        if (!isConflict(err) || attempt + 1 >= ATTEMPTS) {
          firstErr ??= err;
          break;
        }
        pod = await api
          .get(cached.metadata?.namespace ?? '', cached.metadata?.name ?? '')
          .catch(() => undefined);
      }
    }
  }
  if (firstErr) throw firstErr;
}
