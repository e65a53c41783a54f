/**
 * The scheduling loop (kube-scheduler's schedule_one.go: ScheduleOne, schedulingCycle,
 * bindingCycle, handleSchedulingFailure). One pod at a time: pop, refresh the snapshot, run the
 * framework (filter, score, select), assume the pod in the cache, reserve, permit — then bind
 * asynchronously, at most `maxBindsInFlight` at once, so the next pod is decided while earlier
 * bindings are still on their way to the API server.
 *
 * The loop runs on the event loop it shares with informers and bind responses: it yields
 * (setImmediate) after a few milliseconds of scheduling so watch events and API replies are
 * not starved, and waits when too many bindings are in flight.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Pod } from 'kubernetes-types/core/v1';
import type { EventRecorder } from '../../kube/events';
import type { Logger } from '../../kube/log';
import type { KubeClient } from '../../kube/types';
import { patchFailureStatus } from './binder';
import type { SchedulerCache } from './cache/cache';
import { ClusterSnapshot } from './cache/snapshot';
import { FitError, fitErrorMessage } from './framework/fit-error';
import { NoNodesAvailableError, schedulePod, type SearchState } from './framework/schedule-one';
import { Code, newPodInfo, type CycleState, type NominatingInfo, type PodInfo } from './framework/types';
import { Action } from './queue/events';
import type { QueuedPodInfo, SchedulingQueue } from './queue/scheduling-queue';
import type { SchedulerFramework } from './scheduler-framework';

/** kube-scheduler's reasons for the PodScheduled=False condition. */
export const REASON_UNSCHEDULABLE = 'Unschedulable';
export const REASON_SCHEDULER_ERROR = 'SchedulerError';
/** Longest scheduling stretch before letting I/O run. */
const SLICE_MS = 5;
/** Attempt durations kept for percentiles. */
const MAX_SAMPLES = 100_000;

export interface LoopDeps {
  framework: SchedulerFramework;
  queue: SchedulingQueue;
  cache: SchedulerCache;
  client: KubeClient;
  recorder: EventRecorder;
  log: Logger;
  /** The informer's current version of a pod (namespace/name). */
  currentPod(key: string): Pod | undefined;
  maxBindsInFlight: number;
  now: () => number;
}

export interface LoopMetrics {
  attempts: number;
  scheduled: number;
  unschedulable: number;
  errors: number;
  /** Scheduling-cycle durations (ms) of the last attempts, in order. */
  attemptMs: number[];
}

export class SchedulingLoop {
  private readonly snapshot = new ClusterSnapshot();
  private readonly search: SearchState = { nextStartNodeIndex: 0 };
  private bindsInFlight = 0;
  private readonly bindWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private running: Promise<void> | null = null;
  private stopped = false;
  readonly metrics: LoopMetrics = { attempts: 0, scheduled: 0, unschedulable: 0, errors: 0, attemptMs: [] };

  constructor(private readonly d: LoopDeps) {}

  start(): void {
    if (this.running) return;
    this.running = this.run().catch((err: unknown) => {
      this.d.log.error({ err: (err as Error).message }, 'scheduling loop stopped on an error');
    });
  }

  /** Stops taking pods; resolves when the current attempt and every binding in flight ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.d.queue.close();
    await this.running;
    if (this.bindsInFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    let sliceStart = performance.now();
    while (!this.stopped) {
      const info = this.d.queue.tryPop() ?? (await this.d.queue.pop());
      if (!info || this.stopped) return;
      await this.scheduleOne(info);
      while (this.bindsInFlight >= this.d.maxBindsInFlight && !this.stopped)
        await new Promise<void>((resolve) => this.bindWaiters.push(resolve));
      if (performance.now() - sliceStart > SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
  }

  /** One scheduling cycle for a popped pod; the binding continues in the background. */
  async scheduleOne(info: QueuedPodInfo): Promise<void> {
    const { queue, cache, framework: fw } = this.d;
    const cycle = queue.cycle;
    const pod = info.pod;
    // skipPodSchedule: deleted meanwhile, or already assumed by an earlier attempt.
    if (pod.metadata?.deletionTimestamp || cache.isAssumed(pod.metadata?.uid ?? '')) {
      queue.done(info.key);
      return;
    }
    const started = performance.now();
    this.metrics.attempts++;
    cache.updateSnapshot(this.snapshot);
    fw.setSnapshot(this.snapshot);
    const podInfo = newPodInfo(pod);
    const state = fw.newCycleState();

    let host: string;
    try {
      host = schedulePod(fw, state, podInfo, this.search).suggestedHost;
    } catch (err) {
      await this.onScheduleError(info, podInfo, state, cycle, err);
      this.sample(started);
      return;
    }

    // Assume: the next pods see this one on `host` before the API server does. The assumed
    // copy shares the PodInfo's precomputed requests and terms (only spec.nodeName differs).
    const assumed: PodInfo = {
      ...podInfo,
      pod: { ...pod, spec: { containers: [], ...pod.spec, nodeName: host } },
    };
    try {
      cache.assumePod(assumed, host);
    } catch (err) {
      this.fail(info, cycle, {
        error: true,
        reason: REASON_SCHEDULER_ERROR,
        message: (err as Error).message,
      });
      this.sample(started);
      return;
    }
    const reserve = fw.runReservePluginsReserve(state, assumed, host);
    if (reserve !== null) {
      this.unassume(state, assumed, host);
      this.fail(info, cycle, {
        error: reserve.code === Code.Error,
        reason: reserve.code === Code.Error ? REASON_SCHEDULER_ERROR : REASON_UNSCHEDULABLE,
        message: reserve.message(),
        plugins: new Set([reserve.plugin]),
      });
      this.sample(started);
      return;
    }
    const permit = fw.runPermitPlugins(state, assumed, host);
    if (permit.status !== null) {
      // Known limitation: no waiting pods; Wait is treated as a rejection.
      this.unassume(state, assumed, host);
      this.fail(info, cycle, {
        error: permit.status.code === Code.Error,
        reason: REASON_UNSCHEDULABLE,
        message: permit.status.message() || `pod rejected by permit plugin ${permit.status.plugin}`,
        plugins: new Set([permit.status.plugin]),
      });
      this.sample(started);
      return;
    }
    // A pod that got its node needs no nomination any more.
    queue.nominator.delete(pod);
    this.sample(started);
    this.bindsInFlight++;
    void this.bindingCycle(info, assumed, state, host, cycle).finally(() => {
      this.bindsInFlight--;
      this.bindWaiters.shift()?.();
      if (this.bindsInFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async onScheduleError(
    info: QueuedPodInfo,
    podInfo: PodInfo,
    state: CycleState,
    cycle: number,
    err: unknown,
  ): Promise<void> {
    const fw = this.d.framework;
    if (err instanceof NoNodesAvailableError) {
      this.fail(info, cycle, { reason: REASON_UNSCHEDULABLE, message: err.message });
      return;
    }
    if (!(err instanceof FitError)) {
      this.d.log.warn({ pod: info.key, err: (err as Error).message }, 'error scheduling pod; retrying');
      this.fail(info, cycle, {
        error: true,
        reason: REASON_SCHEDULER_ERROR,
        message: (err as Error).message,
      });
      return;
    }
    let nominating: NominatingInfo | null = null;
    if (fw.hasPostFilterPlugins) {
      const r = await fw.runPostFilterPlugins(state, podInfo, err.diagnosis.nodeToStatus);
      if (r.status !== null && r.status.code !== Code.Success)
        err.diagnosis.postFilterMsg = r.status.message();
      nominating = r.nominatingInfo;
    }
    this.fail(info, cycle, {
      reason: REASON_UNSCHEDULABLE,
      // Built here rather than read from err.message: Error's constructor gives every instance
      // its own `message` property, which hides FitError's getter.
      message: fitErrorMessage(err.numAllNodes, err.diagnosis),
      plugins: err.diagnosis.unschedulablePlugins,
      nominating,
    });
  }

  private async bindingCycle(
    info: QueuedPodInfo,
    assumed: PodInfo,
    state: CycleState,
    host: string,
    cycle: number,
  ): Promise<void> {
    const { framework: fw, cache, queue, recorder } = this.d;
    let status = await fw.runPreBindPlugins(state, assumed, host);
    if (status === null) status = await fw.runBindPlugins(state, assumed, host);
    if (status !== null) {
      this.unassume(state, assumed, host);
      // The room the pod held is free again: pods waiting for resources may fit.
      queue.moveAllToActiveOrBackoff({ resource: 'Pod', actions: Action.Delete, label: 'AssignedPodDelete' });
      this.fail(info, cycle, {
        error: true,
        reason: REASON_SCHEDULER_ERROR,
        message: `Binding rejected: ${status.message()}`,
      });
      return;
    }
    cache.finishBinding(assumed.uid);
    fw.runPostBindPlugins(state, assumed, host);
    this.metrics.scheduled++;
    recorder.event(
      info.pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${assumed.key} to ${host}`,
      'Binding',
    );
    queue.done(info.key);
  }

  /** Undoes assume and reserve (kube: unreserve + ForgetPod), unless the watch confirmed it. */
  private unassume(state: CycleState, assumed: PodInfo, host: string): void {
    this.d.framework.runReservePluginsUnreserve(state, assumed, host);
    if (this.d.cache.isAssumed(assumed.uid)) this.d.cache.forgetPod(assumed.uid);
  }

  /**
   * handleSchedulingFailure: requeue the pod (unless it was deleted or bound meanwhile), record
   * the nomination, a FailedScheduling event and the PodScheduled=False condition.
   */
  private fail(
    info: QueuedPodInfo,
    cycle: number,
    f: {
      reason: string;
      message: string;
      error?: boolean;
      plugins?: ReadonlySet<string>;
      nominating?: NominatingInfo | null;
    },
  ): void {
    const { queue, log } = this.d;
    if (f.error) this.metrics.errors++;
    else this.metrics.unschedulable++;
    info.unschedulablePlugins = new Set([...(f.plugins ?? [])].filter((p) => p !== ''));
    const current = this.d.currentPod(info.key);
    if (!current || current.metadata?.uid !== info.pod.metadata?.uid || current.spec?.nodeName) {
      queue.done(info.key);
      return;
    }
    info.pod = current;
    queue.addUnschedulable(info, cycle, { error: f.error });
    const nominated = f.nominating?.mode === 'Override' ? f.nominating.nominatedNodeName : undefined;
    if (nominated) queue.nominator.add(current, nominated);
    else if (nominated === '') queue.nominator.delete(current);
    log.debug({ pod: info.key, reason: f.reason, message: f.message }, 'unable to schedule pod');
    this.d.recorder.event(current, 'Warning', 'FailedScheduling', f.message, 'Scheduling');
    patchFailureStatus(
      this.d.client,
      current,
      { reason: f.reason, message: f.message, nominatedNodeName: nominated },
      this.d.now(),
    ).catch((err: unknown) =>
      log.debug({ pod: info.key, err: (err as Error).message }, 'could not update the pod status'),
    );
  }

  private sample(started: number): void {
    const a = this.metrics.attemptMs;
    if (a.length >= MAX_SAMPLES) a.splice(0, MAX_SAMPLES / 2);
    a.push(performance.now() - started);
  }
}
