/**
 * A rate-limited work queue with client-go's workqueue guarantees:
 * - a key is queued at most once however often it is added (dirty set);
 * - a key is never processed by two workers at once: added while processing, it is queued
 *   again once the worker is done (processing set);
 * - failures are retried with per-key exponential back-off (client-go's default controller
 *   rate limiter: 5 ms doubling to 1000 s), reset by `forget` (done automatically when the
 *   handler succeeds).
 * Keys are strings (`namespace/name`, or `name` for cluster-scoped objects).
 */
import type { Logger } from './log';

export interface WorkQueueOptions {
  name: string;
  /** First retry delay (client-go: 5 ms). */
  baseDelayMs?: number;
  /** Longest retry delay (client-go: 1000 s). */
  maxDelayMs?: number;
  log?: Logger;
}

export type Handler = (key: string) => Promise<void>;

export class WorkQueue {
  readonly name: string;
  private readonly queue: string[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly log?: Logger;
  private waiters: (() => void)[] = [];
  private shuttingDown = false;
  private running: Promise<void>[] = [];

  constructor(opts: WorkQueueOptions) {
    this.name = opts.name;
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    this.log = opts.log;
  }

  /** Queue `key` unless it is already queued; a key being processed is queued again after. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.wake();
  }

  /** Queue `key` after `ms` (a later call with a shorter delay wins). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const existing = this.timers.get(key) as (NodeJS.Timeout & { due?: number }) | undefined;
    const due = Date.now() + ms;
    if (existing?.due !== undefined && existing.due <= due) return;
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms) as NodeJS.Timeout & { due?: number };
    timer.due = due;
    timer.unref();
    this.timers.set(key, timer);
  }

  /** Queue `key` after its back-off, which doubles on each call until `forget`. */
  addRateLimited(key: string): void {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.addAfter(key, Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs));
  }

  /** Reset `key`'s back-off. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting (not counting those being processed or delayed). */
  get length(): number {
    return this.queue.length - this.head;
  }

  /**
   * Start `workers` loops calling `handler` for each key. A handler that throws has its key
   * retried with back-off; one that resolves has its back-off forgotten.
   */
  run(workers: number, handler: Handler): void {
    for (let i = 0; i < workers; i++) this.running.push(this.worker(handler));
  }

  /** Stop taking keys; resolves when every worker has finished its current key. */
  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.wake(true);
    await Promise.all(this.running);
  }

  private wake(all = false): void {
    const list = all ? this.waiters : this.waiters.splice(0, 1);
    if (all) this.waiters = [];
    for (const w of list) w();
  }

  private async next(): Promise<string | null> {
    while (this.length === 0) {
      if (this.shuttingDown) return null;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    if (this.shuttingDown) return null;
    const key = this.queue[this.head++] as string;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.dirty.delete(key);
    this.processing.add(key);
    return key;
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.wake();
    }
  }

  private async worker(handler: Handler): Promise<void> {
    for (;;) {
      const key = await this.next();
      if (key === null) return;
      try {
        await handler(key);
        this.forget(key);
      } catch (err) {
        this.log?.debug({ queue: this.name, key, err }, 'sync failed; retrying with back-off');
        this.addRateLimited(key);
      } finally {
        this.done(key);
      }
    }
  }
}
