/**
 * Taint eviction, kube-controller-manager's "taint-eviction-controller"
 * (pkg/controller/tainteviction): deletes pods from nodes with NoExecute taints they do not
 * tolerate.
 *
 * - A pod that does not tolerate every NoExecute taint of its node is deleted at once.
 * - A pod whose matching tolerations all have tolerationSeconds is deleted when the smallest runs
 *   out, counted from when the controller saw the taint (as Kubernetes does); one with a
 *   toleration without tolerationSeconds stays for good.
 * - Taints removed, the pod deleted or its tolerations widened: the pending deletion is cancelled
 *   (event "Cancelling deletion of Pod ns/name").
 * - A deletion first adds the condition DisruptionTarget=True (reason DeletionByTaintManager) to
 *   the pod's status, records TaintManagerEviction "Marking for deletion Pod ns/name", and
 *   deletes the pod with its own grace period.
 *
 * The rate of evictions comes from the node lifecycle controller, which adds the unreachable and
 * not-ready taints at nodeEvictionRate nodes per second.
 *
 * Known limitation: pods already being deleted are left alone (Kubernetes deletes them again,
 * which changes nothing but adds an event).
 */
import type { Node, Pod, PodCondition, Taint } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { Controller, ControllerFactory } from '../types';
import { PODS_BY_NODE, podsByNode } from './controller';
import { metaTime } from './node-updates';
import { matchingTolerations, minTolerationSeconds, noExecuteTaints, taintsKey } from './taints';

export const NAME = 'taint-eviction-controller';
/** Tries of one deletion (tainteviction's retries), then again every RETRY_MS. */
const ATTEMPTS = 5;
const RETRY_MS = 1_000;

interface ScheduledEviction {
  /** When the eviction was first scheduled (ms); later updates keep it. */
  createdAt: number;
  fireAt: number;
  timer: NodeJS.Timeout;
}

/** The DisruptionTarget condition the taint manager adds before deleting. */
export function disruptionCondition(now: Date): PodCondition {
  return {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'DeletionByTaintManager',
    message: 'Taint manager: deleting due to NoExecute taint',
    lastTransitionTime: metaTime(now),
  };
}

export const createTaintEvictionController: ControllerFactory = (ctx): Controller => {
  const nodes = ctx.informers.informer<Node>(R.nodes);
  const pods = ctx.informers.informer<Pod>(R.pods);
  pods.addIndex(PODS_BY_NODE, podsByNode);
  const recorder = ctx.recorder(NAME);
  const podApi = ctx.client.resource<Pod>(R.pods);
  const queue = new WorkQueue({ name: NAME, log: ctx.log });
  /** Node name → its NoExecute taints, for nodes that have some. */
  const tainted = new Map<string, Taint[]>();
  /** Pod key → its pending deletion. */
  const scheduled = new Map<string, ScheduledEviction>();
  let stopped = false;

  const podEvent = (key: string, message: string) => {
    const [namespace, name] = splitKey(key);
    recorder.event(
      { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name } },
      'Normal',
      'TaintManagerEviction',
      message,
    );
  };

  pods.addHandlers({
    onAdd: (p) => queue.add(`pod:${keyOf(p)}`),
    onUpdate(o, p) {
      const same =
        o.spec?.nodeName === p.spec?.nodeName &&
        JSON.stringify(o.spec?.tolerations ?? []) === JSON.stringify(p.spec?.tolerations ?? []);
      if (!same) queue.add(`pod:${keyOf(p)}`);
    },
    onDelete: (p) => queue.add(`pod:${keyOf(p)}`),
  });
  nodes.addHandlers({
    onAdd: (n) => queue.add(`node:${keyOf(n)}`),
    onUpdate(o, n) {
      if (taintsKey(noExecuteTaints(o)) !== taintsKey(noExecuteTaints(n))) queue.add(`node:${keyOf(n)}`);
    },
    onDelete: (n) => queue.add(`node:${keyOf(n)}`),
  });

  function cancel(key: string): void {
    const s = scheduled.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    scheduled.delete(key);
    podEvent(key, `Cancelling deletion of Pod ${key}`);
  }

  function arm(key: string, createdAt: number, fireAt: number): void {
    const delay = Math.max(0, fireAt - ctx.now().getTime());
    const timer = setTimeout(() => void evict(key), delay);
    scheduled.set(key, { createdAt, fireAt, timer });
  }

  async function evict(key: string): Promise<void> {
    const entry = scheduled.get(key);
    if (stopped || !entry) return;
    podEvent(key, `Marking for deletion Pod ${key}`);
    const [namespace, name] = splitKey(key);
    let lastErr: unknown;
    for (let i = 0; i < ATTEMPTS && !stopped; i++) {
      try {
        await addConditionAndDelete(namespace, name);
        if (scheduled.get(key) === entry) scheduled.delete(key);
        return;
      } catch (err) {
        lastErr = err;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    ctx.log.warn(
      { pod: key, err: (lastErr as Error | undefined)?.message },
      'taint eviction failed; retrying',
    );
    if (!stopped && scheduled.get(key) === entry) arm(key, entry.createdAt, ctx.now().getTime() + RETRY_MS);
  }

  async function addConditionAndDelete(namespace: string, name: string): Promise<void> {
    let pod: Pod;
    try {
      pod = await podApi.get(namespace, name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const conditions = pod.status?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) {
      const next = [
        ...conditions.filter((c) => c.type !== 'DisruptionTarget'),
        disruptionCondition(ctx.now()),
      ];
      try {
        await podApi.updateStatus({ ...pod, status: { ...pod.status, conditions: next } });
      } catch (err) {
        if (isNotFound(err)) return;
        throw err; // a conflict is retried from a fresh read
      }
    }
    try {
      await podApi.delete(namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** processPodOnNode. */
  function processPod(key: string, pod: Pod, taints: Taint[], now: number): void {
    if (taints.length === 0 || pod.metadata?.deletionTimestamp) return cancel(key);
    const { all, used } = matchingTolerations(taints, pod.spec?.tolerations);
    if (!all) {
      const existing = scheduled.get(key);
      if (existing && existing.fireAt <= now) return; // already due
      cancel(key);
      return arm(key, now, now);
    }
    const seconds = minTolerationSeconds(used);
    if (seconds < 0) return cancel(key);
    const existing = scheduled.get(key);
    // An eviction scheduled earlier keeps its start (and so its deadline), as Kubernetes does.
    if (existing && existing.createdAt < now) return;
    cancel(key);
    arm(key, now, now + seconds * 1000);
  }

  async function sync(item: string): Promise<void> {
    const now = ctx.now().getTime();
    if (item.startsWith('node:')) {
      const name = item.slice('node:'.length);
      const node = nodes.get(name);
      const taints = noExecuteTaints(node);
      if (taints.length === 0) tainted.delete(name);
      else tainted.set(name, taints);
      if (!node) return;
      for (const pod of pods.byIndex(PODS_BY_NODE, name)) processPod(keyOf(pod), pod, taints, now);
      return;
    }
    const key = item.slice('pod:'.length);
    const pod = pods.get(key);
    if (!pod) return cancel(key);
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const taints = tainted.get(nodeName);
    if (!taints) return;
    processPod(key, pod, taints, now);
  }

  return {
    name: NAME,
    // One worker: every decision is in memory and quick; deletions run from their timers.
    start: () => queue.run(1, sync),
    async stop() {
      stopped = true;
      for (const s of scheduled.values()) clearTimeout(s.timer);
      scheduled.clear();
      await queue.shutDown();
    },
  };
};
