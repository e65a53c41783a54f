/**
 * The scheduling queue: kube-scheduler's PriorityQueue (backend/queue/scheduling_queue.go).
 * - activeQ: pods to try now, highest spec.priority first, then the earliest queued
 *   (the PrioritySort queue-sort plugin);
 * - backoffQ: pods that failed and wait out a per-pod exponential back-off (1 s doubling to
 *   10 s: podInitialBackoffSeconds / podMaxBackoffSeconds) before going back to activeQ;
 * - unschedulablePods: pods that no node could take. A cluster event that could help (a node
 *   added, a pod deleted, …; see events.ts) moves them to backoffQ or activeQ; those left there
 *   longer than podMaxInUnschedulablePodsDuration (5 min) are flushed back anyway.
 * Pods with spec.schedulingGates wait in unschedulablePods until their gates are removed
 * (the SchedulingGates PreEnqueue plugin).
 *
 * Single-threaded (Node): every method is synchronous except pop(), which waits for a pod.
 * Times come from `now()` so tests drive the clock; timers only trigger the flushes.
 *
 * Known limitations: no queueing hints (a registered plugin's event moves the pod without
 * asking the plugin whether this object helps); no SchedulerPopFromBackoffQ (an empty activeQ
 * does not take back-off pods early).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { type ClusterEvent, UNSCHEDULABLE_TIMEOUT, eventMatters } from './events';
import { KeyedHeap } from './heap';
import { Nominator, podKey } from './nominator';

/** kube-scheduler defaults (apis/config/v1 defaults.go). */
export const DEFAULT_POD_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_POD_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS = 5 * 60_000;
/** How often unschedulablePods is checked for pods there too long (kube: 30 s). */
const UNSCHEDULABLE_FLUSH_PERIOD_MS = 30_000;

/** Plugin name recorded for pods held by scheduling gates (kube: SchedulingGates). */
export const SCHEDULING_GATES = 'SchedulingGates';

/** A pod in the queue, with its attempt history (kube: framework.QueuedPodInfo). */
export interface QueuedPodInfo {
  pod: Pod;
  /** namespace/name. */
  readonly key: string;
  /** When the pod was last added to a sub-queue (ms); activeQ's tie-break and back-off base. */
  timestamp: number;
  /** When the pod was first popped (ms), for the attempt-to-bind latency; null before. */
  initialAttemptTimestamp: number | null;
  /** Scheduling attempts so far (incremented by pop). */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt; empty for an error. */
  unschedulablePlugins: Set<string>;
  /** Cached back-off expiry (ms); 0 until computed, reset on pop. */
  backoffExpiration: number;
  /** Held by spec.schedulingGates. */
  gated: boolean;
}

export interface QueueOptions {
  now?: () => number;
  podInitialBackoffMs?: number;
  podMaxBackoffMs?: number;
  podMaxInUnschedulableMs?: number;
}

export type QueueLocation = 'active' | 'backoff' | 'unschedulable' | 'inFlight';

const priorityOf = (pod: Pod) => pod.spec?.priority ?? 0;

/** PrioritySort: higher priority first, then earlier timestamp. */
export function lessQueued(a: QueuedPodInfo, b: QueuedPodInfo): boolean {
  const pa = priorityOf(a.pod);
  const pb = priorityOf(b.pod);
  return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
}

/** Whether an update changed anything but metadata bookkeeping and status (kube: isPodUpdated). */
function podSpecChanged(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod) => ({
    labels: p.metadata?.labels,
    annotations: p.metadata?.annotations,
    finalizers: p.metadata?.finalizers,
    spec: p.spec,
  });
  return JSON.stringify(strip(oldPod)) !== JSON.stringify(strip(newPod));
}

export class SchedulingQueue {
  readonly nominator = new Nominator();
  private readonly now: () => number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxInUnschedulableMs: number;
  private readonly activeQ = new KeyedHeap<QueuedPodInfo>((p) => p.key, lessQueued);
  private readonly backoffQ: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  /** Popped and not yet done(): being scheduled or bound. */
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private schedulingCycle = 0;
  /** The cycle in which the last move request arrived (kube: moveRequestCycle). */
  private moveRequestCycle = -1;
  private waiters: (() => void)[] = [];
  private closed = false;
  private backoffTimer: NodeJS.Timeout | null = null;
  private backoffTimerAt = 0;
  private leftoverTimer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(opts: QueueOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.initialBackoffMs = opts.podInitialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF_MS;
    this.maxBackoffMs = opts.podMaxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF_MS;
    this.maxInUnschedulableMs = opts.podMaxInUnschedulableMs ?? DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS;
    this.backoffQ = new KeyedHeap<QueuedPodInfo>(
      (p) => p.key,
      (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
    );
  }

  /** Starts the flush timers (back-off expiry, unschedulable leftovers). */
  run(): void {
    if (this.running || this.closed) return;
    this.running = true;
    this.leftoverTimer = setInterval(() => this.flushUnschedulableLeftover(), UNSCHEDULABLE_FLUSH_PERIOD_MS);
    this.leftoverTimer.unref();
    this.armBackoffTimer();
  }

  /** Stops the timers and wakes pop() callers with null. */
  close(): void {
    this.closed = true;
    if (this.leftoverTimer) clearInterval(this.leftoverTimer);
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.leftoverTimer = null;
    this.backoffTimer = null;
    for (const w of this.waiters.splice(0)) w();
  }

  /** A new pending pod (or one seen again after a relist). */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.inFlight.has(key)) {
      const info = this.inFlight.get(key);
      if (info) info.pod = pod;
      return;
    }
    const existing = this.find(key);
    if (existing) {
      this.update(existing.pod, pod);
      return;
    }
    const info: QueuedPodInfo = {
      pod,
      key,
      timestamp: this.now(),
      initialAttemptTimestamp: null,
      attempts: 0,
      unschedulablePlugins: new Set(),
      backoffExpiration: 0,
      gated: false,
    };
    this.nominator.add(pod);
    this.addToActiveOrGated(info);
  }

  /** A new version of a pending pod. */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    this.nominator.update(oldPod, newPod);
    const flying = this.inFlight.get(key);
    if (flying) {
      flying.pod = newPod;
      return;
    }
    const active = this.activeQ.get(key);
    if (active) {
      active.pod = newPod;
      this.activeQ.push(active);
      return;
    }
    const backingOff = this.backoffQ.get(key);
    if (backingOff) {
      backingOff.pod = newPod;
      this.backoffQ.push(backingOff);
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked) {
      const changed = podSpecChanged(parked.pod, newPod);
      parked.pod = newPod;
      if (!changed) return;
      // The pod itself changed: it may fit now (kube moves it out of unschedulablePods).
      this.unschedulable.delete(key);
      if (parked.gated) {
        parked.gated = false;
        this.addToActiveOrGated(parked);
      } else if (this.isBackingOff(parked)) this.pushBackoff(parked);
      else this.pushActive(parked);
      return;
    }
    this.add(newPod);
  }

  /** The pod was deleted or got assigned by someone: forget it everywhere. */
  delete(pod: Pod): void {
    const key = podKey(pod);
    this.nominator.delete(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.inFlight.delete(key);
  }

  /** Takes the head of activeQ without waiting; null when it is empty. */
  tryPop(): QueuedPodInfo | null {
    const info = this.activeQ.pop();
    if (!info) return null;
    this.schedulingCycle++;
    info.attempts++;
    info.backoffExpiration = 0;
    if (info.initialAttemptTimestamp === null) info.initialAttemptTimestamp = this.now();
    this.inFlight.set(info.key, info);
    return info;
  }

  /** The head of activeQ, waiting for one; null once the queue is closed. */
  async pop(): Promise<QueuedPodInfo | null> {
    for (;;) {
      if (this.closed) return null;
      const info = this.tryPop();
      if (info) return info;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** The current scheduling cycle (incremented by each pop). */
  get cycle(): number {
    return this.schedulingCycle;
  }

  /** The popped pod is finished with (bound, or requeued by addUnschedulable). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * Puts a pod whose attempt failed back, unless it was deleted or re-added meanwhile. A pod
   * that failed with an error, or during whose attempt a move request arrived, goes to
   * backoffQ; a rejected pod waits in unschedulablePods for an event that could help (any
   * event when no plugin is named, e.g. "no nodes available").
   */
  addUnschedulable(info: QueuedPodInfo, podSchedulingCycle: number, opts: { error?: boolean } = {}): void {
    if (!this.inFlight.has(info.key) || this.find(info.key)) {
      this.inFlight.delete(info.key);
      return;
    }
    this.inFlight.delete(info.key);
    info.timestamp = this.now();
    info.backoffExpiration = 0;
    if (opts.error || this.moveRequestCycle >= podSchedulingCycle) this.pushBackoff(info);
    else this.unschedulable.set(info.key, info);
  }

  /**
   * A cluster event happened: move the unschedulable pods it could help to backoffQ (still
   * backing off) or activeQ. `preCheck`, when given, can keep a pod where it is.
   */
  moveAllToActiveOrBackoff(event: ClusterEvent, preCheck?: (pod: Pod) => boolean): number {
    let moved = 0;
    for (const [key, info] of this.unschedulable) {
      if (info.gated) continue;
      if (!eventMatters(info.unschedulablePlugins, event)) continue;
      if (preCheck && !preCheck(info.pod)) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(info)) this.pushBackoff(info);
      else this.pushActive(info);
      moved++;
    }
    // Pods being scheduled now will go to backoffQ if they fail: this event may help them.
    this.moveRequestCycle = this.schedulingCycle;
    return moved;
  }

  /** Moves back-off pods whose back-off has ended to activeQ (kube: flushBackoffQCompleted). */
  flushBackoffCompleted(): number {
    let moved = 0;
    const now = this.now();
    for (;;) {
      const head = this.backoffQ.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.backoffQ.pop();
      this.pushActive(head);
      moved++;
    }
    this.armBackoffTimer();
    return moved;
  }

  /** Moves pods unschedulable for longer than podMaxInUnschedulablePodsDuration. */
  flushUnschedulableLeftover(): number {
    const now = this.now();
    let moved = 0;
    for (const [key, info] of this.unschedulable) {
      if (info.gated || now - info.timestamp <= this.maxInUnschedulableMs) continue;
      if (!eventMatters(info.unschedulablePlugins, UNSCHEDULABLE_TIMEOUT)) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(info)) this.pushBackoff(info);
      else this.pushActive(info);
      moved++;
    }
    return moved;
  }

  /** The back-off of a pod after `attempts` attempts: 1 s, 2 s, 4 s, 8 s, then 10 s. */
  backoffDuration(attempts: number): number {
    if (attempts <= 0) return 0;
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts; i++) {
      if (d >= this.maxBackoffMs / 2) return this.maxBackoffMs;
      d *= 2;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  /** Where a pod is, for tests and debugging. */
  locate(key: string): QueueLocation | null {
    if (this.activeQ.has(key)) return 'active';
    if (this.backoffQ.has(key)) return 'backoff';
    if (this.unschedulable.has(key)) return 'unschedulable';
    if (this.inFlight.has(key)) return 'inFlight';
    return null;
  }

  get(key: string): QueuedPodInfo | undefined {
    return this.find(key) ?? this.inFlight.get(key);
  }

  /** Sizes of the sub-queues. */
  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return {
      active: this.activeQ.size,
      backoff: this.backoffQ.size,
      unschedulable: this.unschedulable.size,
      inFlight: this.inFlight.size,
    };
  }

  /** Pending pods of every sub-queue (not in flight). */
  pendingPods(): Pod[] {
    return [
      ...this.activeQ.values().map((i) => i.pod),
      ...this.backoffQ.values().map((i) => i.pod),
      ...[...this.unschedulable.values()].map((i) => i.pod),
    ];
  }

  private find(key: string): QueuedPodInfo | undefined {
    return this.activeQ.get(key) ?? this.backoffQ.get(key) ?? this.unschedulable.get(key);
  }

  private addToActiveOrGated(info: QueuedPodInfo): void {
    if ((info.pod.spec?.schedulingGates?.length ?? 0) > 0) {
      info.gated = true;
      info.unschedulablePlugins = new Set([SCHEDULING_GATES]);
      this.unschedulable.set(info.key, info);
      return;
    }
    this.pushActive(info);
  }

  private pushActive(info: QueuedPodInfo): void {
    this.activeQ.push(info);
    const w = this.waiters.shift();
    if (w) w();
  }

  private pushBackoff(info: QueuedPodInfo): void {
    this.backoffQ.push(info);
    this.armBackoffTimer();
  }

  private backoffExpiry(info: QueuedPodInfo): number {
    if (info.backoffExpiration === 0)
      info.backoffExpiration = info.timestamp + this.backoffDuration(info.attempts);
    return info.backoffExpiration;
  }

  private isBackingOff(info: QueuedPodInfo): boolean {
    return this.backoffExpiry(info) > this.now();
  }

  /** One timer, due when backoffQ's head finishes backing off. */
  private armBackoffTimer(): void {
    if (!this.running || this.closed) return;
    const head = this.backoffQ.peek();
    if (!head) return;
    const at = this.backoffExpiry(head);
    if (this.backoffTimer && this.backoffTimerAt <= at) return;
    if (this.backoffTimer) clearTimeout(this.backoffTimer);
    this.backoffTimerAt = at;
    this.backoffTimer = setTimeout(
      () => {
        this.backoffTimer = null;
        this.flushBackoffCompleted();
      },
      Math.max(0, at - this.now()),
    );
    this.backoffTimer.unref();
  }
}
