/**
 * The controller-manager contract. A controller is one module with one job (see
 * ARCHITECTURE.md "Scheduler and controllers"): its factory registers the informers and event
 * handlers it needs on the shared InformerFactory and returns a Controller; the manager then
 * starts every informer, waits for them to sync, and calls start(). Handlers only enqueue keys;
 * the work happens in the controller's WorkQueue workers, reading from informer caches and
 * writing through the client.
 */
import type { EventRecorder } from '../../kube/events';
import type { InformerFactory } from '../../kube/informer';
import type { Logger } from '../../kube/log';
import type { KubeClient } from '../../kube/types';

export interface Controller {
  /** As in kube-controller-manager's --controllers list, e.g. "replicaset", "nodelifecycle". */
  readonly name: string;
  /** Called once, after the informers synced: start the workers and timers. */
  start(): void;
  /** Stop workers and timers; resolves when in-flight work is done. Called once. */
  stop(): Promise<void>;
}

/** Settings shared by the controllers; flags keep kube-controller-manager's names. */
export interface ControllerOptions {
  /** --node-monitor-period (5 s). */
  nodeMonitorPeriodMs: number;
  /** --node-monitor-grace-period (40 s). */
  nodeMonitorGracePeriodMs: number;
  /** --node-eviction-rate: nodes per second whose pods are evicted (0.1). */
  nodeEvictionRate: number;
  /** --cluster-cidr (10.42.0.0/16) and --node-cidr-mask-size (24). */
  clusterCidr: string;
  nodeCidrMaskSize: number;
  /** --terminated-pod-gc-threshold (12500). */
  terminatedPodGcThreshold: number;
  /** --concurrent-*-syncs: workers per controller (5, like most of kube-controller-manager's). */
  concurrentSyncs: number;
}

export const DEFAULT_CONTROLLER_OPTIONS: ControllerOptions = {
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 40_000,
  nodeEvictionRate: 0.1,
  clusterCidr: '10.42.0.0/16',
  nodeCidrMaskSize: 24,
  terminatedPodGcThreshold: 12_500,
  concurrentSyncs: 5,
};

export interface ControllerContext {
  client: KubeClient;
  informers: InformerFactory;
  log: Logger;
  options: ControllerOptions;
  /** An event recorder whose source is `component` (e.g. "replicaset-controller"). */
  recorder(component: string): EventRecorder;
  /** The clock; tests inject their own (CronJob schedules, node grace periods). */
  now(): Date;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;
