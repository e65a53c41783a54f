/**
 * nodelifecycle/scheduler's RateLimitedTimedQueue: a FIFO of unique node names, drained by
 * `tryEach` no faster than a token bucket allows (flowcontrol.NewTokenBucketRateLimiter with
 * kube-controller-manager's burst of 1). This is what rate-limits taint-based eviction: NoExecute
 * taints go onto at most `qps` nodes a second, and the taint eviction controller then deletes
 * their pods. The clock is injected so tests can drive it.
 */

/** A token bucket; qps ≤ 0 rejects everything (the "stop evictions" limiter). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly qps: number,
    readonly burst: number,
    now: number,
    tokens = burst,
  ) {
    this.tokens = Math.min(tokens, burst);
    this.last = now;
  }

  tryAccept(now: number): boolean {
    if (this.qps <= 0) return false;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens available at `now` (for SwapLimiter, which keeps the bucket's saturation). */
  available(now: number): number {
    if (this.qps <= 0) return 0;
    return Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
  }
}

interface Entry {
  uid: string;
  /** Not to be tried before this time (ms since the epoch). */
  processAt: number;
}

export class RateLimitedTimedQueue {
  private readonly entries = new Map<string, Entry>();
  private limiter: TokenBucket;

  constructor(
    qps: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.limiter = new TokenBucket(qps, burst, now());
  }

  get qps(): number {
    return this.limiter.qps;
  }

  get size(): number {
    return this.entries.size;
  }

  has(value: string): boolean {
    return this.entries.has(value);
  }

  /** Queue `value` unless it is queued already; true when it was added. */
  add(value: string, uid: string): boolean {
    if (this.entries.has(value)) return false;
    this.entries.set(value, { uid, processAt: this.now() });
    return true;
  }

  /** True when `value` was queued. */
  remove(value: string): boolean {
    return this.entries.delete(value);
  }

  /** Replace the rate (SwapLimiter), keeping the tokens the old bucket had, up to the burst. */
  swapLimiter(qps: number): void {
    if (qps === this.limiter.qps) return;
    const now = this.now();
    this.limiter = new TokenBucket(qps, this.burst, now, qps > 0 ? this.limiter.available(now) : 0);
  }

  /**
   * Try due entries in order while the limiter admits them. `fn` resolves `{ done: true }` to
   * drop the entry or `{ done: false, retryAfterMs }` to try it again later (at the back).
   */
  async tryEach(fn: (value: string, uid: string) => Promise<{ done: boolean; retryAfterMs?: number }>) {
    const now = this.now();
    for (const [value, entry] of [...this.entries]) {
      if (entry.processAt > now) continue;
      if (!this.limiter.tryAccept(this.now())) return;
      const result = await fn(value, entry.uid);
      if (this.entries.get(value) !== entry) continue; // removed or replaced meanwhile
      this.entries.delete(value);
      if (!result.done) {
        this.entries.set(value, { uid: entry.uid, processAt: this.now() + (result.retryAfterMs ?? 0) });
      }
    }
  }
}
