/**
 * The scheduler's composition root: `createScheduler({ client, informers, log, config,
 * recorder })` wires kube-scheduler's pieces by hand — informers (pods in every namespace,
 * nodes, PVCs, PVs, namespaces), the cache, the queue, the framework with the profile's plugins
 * (the in-tree registry plus the loop's own DefaultPreemption and DefaultBinder) and the loop.
 *
 * Informer events are routed as kube-scheduler's eventhandlers.go does: assigned pods (any
 * scheduler's) go to the cache, since they use node resources; unassigned pods whose
 * spec.schedulerName is this profile's, and that are not being deleted, go to the queue; pods
 * of other schedulers are left alone. Node, pod, PVC and PV changes that could make a waiting
 * pod schedulable move it back to the active queue (see queue/events.ts).
 */
import type { Namespace, Node, PersistentVolume, PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1';
import { createEventRecorder, type EventRecorder } from '../../kube/events';
import type { Informer, InformerFactory } from '../../kube/informer';
import type { Logger } from '../../kube/log';
import { R } from '../../kube/resources';
import type { KubeClient } from '../../kube/types';
import { createDefaultBinder, NAME as DEFAULT_BINDER } from './binder';
import { SchedulerCache } from './cache/cache';
import { type ConfigBase, type SchedulerConfig, resolveSchedulerConfig } from './config';
import { podRequests } from './framework/resource';
import type { Registry } from './framework/types';
import { SchedulingLoop, type LoopMetrics } from './loop';
import { defaultProfile, inTreeRegistry } from './plugins/registry';
import { createDefaultPreemption, NAME as DEFAULT_PREEMPTION } from './preemption/default-preemption';
import { Action, type ClusterEvent, nodeUpdateActions, podUpdateActions } from './queue/events';
import { SchedulingQueue } from './queue/scheduling-queue';
import { SchedulerFramework } from './scheduler-framework';

/** How many bindings may be in flight at once (the loop waits beyond). */
export const DEFAULT_MAX_BINDS_IN_FLIGHT = 64;

export interface SchedulerOptions {
  client: KubeClient;
  /** Shared informers (e.g. with the controller manager); the scheduler registers its own in it. */
  informers: InformerFactory;
  log: Logger;
  /** From parseSchedulerConfig; kube-scheduler's defaults when absent. */
  config?: SchedulerConfig;
  /** Events' recorder; by default one whose source is the profile's scheduler name. */
  recorder?: EventRecorder;
  maxBindsInFlight?: number;
  /** The clock (ms); tests inject one. */
  now?: () => number;
  /** Extra plugins (out of tree) by name, for profiles that enable them. */
  registry?: Registry;
}

export interface Scheduler {
  readonly schedulerName: string;
  readonly queue: SchedulingQueue;
  readonly cache: SchedulerCache;
  readonly metrics: LoopMetrics;
  /** Starts the informers it registered (if not yet), waits for them to sync, starts the loop. */
  start(): Promise<void>;
  /** Stops the loop, waits for bindings in flight and flushes events. Informers are the caller's. */
  stop(): Promise<void>;
}

/** The registered plugin names and default profile a configuration file is checked against. */
export function configBase(extra: Registry = {}): ConfigBase {
  return {
    profile: defaultProfile(),
    registered: new Set([
      ...Object.keys(inTreeRegistry),
      DEFAULT_PREEMPTION,
      DEFAULT_BINDER,
      ...Object.keys(extra),
    ]),
  };
}

const isAssigned = (p: Pod) => Boolean(p.spec?.nodeName);
const isTerminal = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const requestsOf = (p: Pod): Record<string, number> => {
  const r = podRequests(p);
  return { cpu: r.milliCPU, memory: r.memory, 'ephemeral-storage': r.ephemeralStorage };
};

const event = (resource: ClusterEvent['resource'], actions: number, label: string): ClusterEvent => ({
  resource,
  actions,
  label,
});
const NODE_ADD = event('Node', Action.Add, 'NodeAdd');
const NODE_DELETE = event('Node', Action.Delete, 'NodeDelete');
const ASSIGNED_POD_ADD = event('Pod', Action.Add, 'AssignedPodAdd');
const ASSIGNED_POD_DELETE = event('Pod', Action.Delete, 'AssignedPodDelete');

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { client, informers, log } = opts;
  const now = opts.now ?? Date.now;
  const extra = opts.registry ?? {};
  const config = opts.config ?? resolveSchedulerConfig(undefined, configBase(extra));
  const profile = config.profile;
  const schedulerName = profile.schedulerName;
  const ownRecorder = !opts.recorder;
  const recorder = opts.recorder ?? createEventRecorder(client, log, { component: schedulerName });

  const podInformer: Informer<Pod> = informers.informer<Pod>(R.pods);
  const nodeInformer: Informer<Node> = informers.informer<Node>(R.nodes);
  const pvcInformer: Informer<PersistentVolumeClaim> = informers.informer<PersistentVolumeClaim>(
    R.persistentvolumeclaims,
  );
  const pvInformer: Informer<PersistentVolume> = informers.informer<PersistentVolume>(R.persistentvolumes);
  const nsInformer: Informer<Namespace> = informers.informer<Namespace>(R.namespaces);

  const queue = new SchedulingQueue({
    now,
    podInitialBackoffMs: config.podInitialBackoffMs,
    podMaxBackoffMs: config.podMaxBackoffMs,
    podMaxInUnschedulableMs: config.podMaxInUnschedulableMs,
  });
  const cache = new SchedulerCache({
    now,
    onExpired: (p) =>
      log.warn(
        { pod: `${p.metadata?.namespace}/${p.metadata?.name}` },
        'assumed pod expired: its binding never showed',
      ),
  });
  const currentPod = (key: string) => podInformer.get(key);

  const registry: Registry = {
    ...inTreeRegistry,
    ...extra,
    [DEFAULT_PREEMPTION]: createDefaultPreemption({
      client,
      recorder,
      nominator: queue.nominator,
      log,
      currentPod,
      now,
    }),
    [DEFAULT_BINDER]: createDefaultBinder(client),
  };
  const framework = new SchedulerFramework(profile, registry, queue.nominator, {
    volumes: {
      getPVC: (namespace, name) => pvcInformer.getByName(namespace, name),
      getPV: (name) => pvInformer.getByName('', name),
    },
    namespaceLabels: (namespace) => nsInformer.getByName('', namespace)?.metadata?.labels,
  });
  const loop = new SchedulingLoop({
    framework,
    queue,
    cache,
    client,
    recorder,
    log,
    currentPod,
    maxBindsInFlight: opts.maxBindsInFlight ?? DEFAULT_MAX_BINDS_IN_FLIGHT,
    now,
  });

  const responsible = (p: Pod) =>
    (p.spec?.schedulerName || 'default-scheduler') === schedulerName && !p.metadata?.deletionTimestamp;

  // ---- pods ----
  podInformer.addHandlers({
    onAdd(pod) {
      if (isAssigned(pod)) {
        if (isTerminal(pod)) return;
        cache.addPod(pod);
        queue.moveAllToActiveOrBackoff(ASSIGNED_POD_ADD);
      } else if (responsible(pod)) queue.add(pod);
    },
    onUpdate(oldPod, newPod) {
      if (isAssigned(newPod)) {
        if (!isAssigned(oldPod)) {
          // Bound (by us, or by someone else): it leaves the queue, the cache confirms it.
          queue.delete(newPod);
          if (isTerminal(newPod)) return;
          cache.addPod(newPod);
          queue.moveAllToActiveOrBackoff(ASSIGNED_POD_ADD);
          return;
        }
        if (isTerminal(newPod)) {
          if (!isTerminal(oldPod)) {
            cache.removePod(oldPod);
            queue.moveAllToActiveOrBackoff(ASSIGNED_POD_DELETE);
          }
          return;
        }
        cache.updatePod(oldPod, newPod);
        const actions = podUpdateActions(oldPod, newPod, requestsOf);
        if (actions !== Action.UpdateOther)
          queue.moveAllToActiveOrBackoff(event('Pod', actions, 'AssignedPodUpdate'));
        return;
      }
      if (responsible(newPod)) queue.update(oldPod, newPod);
      else queue.delete(newPod);
    },
    onDelete(pod) {
      if (isAssigned(pod)) {
        cache.removePod(pod);
        queue.moveAllToActiveOrBackoff(ASSIGNED_POD_DELETE);
      } else queue.delete(pod);
    },
  });

  // ---- nodes ----
  nodeInformer.addHandlers({
    onAdd(node) {
      cache.addNode(node);
      queue.moveAllToActiveOrBackoff(NODE_ADD);
    },
    onUpdate(oldNode, newNode) {
      cache.updateNode(oldNode, newNode);
      const actions = nodeUpdateActions(oldNode, newNode);
      if (actions !== 0) queue.moveAllToActiveOrBackoff(event('Node', actions, 'NodeUpdate'));
    },
    onDelete(node) {
      cache.removeNode(node);
      queue.moveAllToActiveOrBackoff(NODE_DELETE);
    },
  });

  // ---- volumes ----
  for (const [inf, resource] of [
    [pvcInformer, 'PersistentVolumeClaim'],
    [pvInformer, 'PersistentVolume'],
  ] as const) {
    (inf as Informer<PersistentVolumeClaim | PersistentVolume>).addHandlers({
      onAdd: () => queue.moveAllToActiveOrBackoff(event(resource, Action.Add, `${resource}Add`)),
      onUpdate: () =>
        queue.moveAllToActiveOrBackoff(event(resource, Action.UpdateOther, `${resource}Update`)),
    });
  }

  let started = false;
  return {
    schedulerName,
    queue,
    cache,
    metrics: loop.metrics,
    async start() {
      if (started) return;
      started = true;
      informers.start();
      await informers.waitForSync();
      queue.run();
      cache.run();
      loop.start();
      log.info({ schedulerName, nodes: cache.nodeCount }, 'scheduler started');
    },
    async stop() {
      await loop.stop();
      cache.stop();
      if (ownRecorder) await recorder.flush();
    },
  };
}
