/**
 * Bounded retries for etcd calls. Every Store call has a time budget; within it:
 * - reads (range, read-only txn, status, lease time-to-live and list, keep-alive) are sent again
 *   after any transient failure — resending a read cannot change anything;
 * - writes are sent again only when the failure proves the request never reached the raft log
 *   (errors.ts 'not-applied': no connection, "no leader" from the require-leader check). A write
 *   that timed out or lost its connection may have been committed, so it fails with
 *   'unavailable' saying that its outcome is unknown rather than risk applying it twice.
 * Between attempts: exponential back-off with full jitter, capped (as clientv3's
 * retry interceptor does, which likewise never retries mutations that may have been applied).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../types';
import { retryClass, toStoreError, unavailableError } from './errors';

export interface RetryPolicy {
  /** Bound on one Store call, every attempt and back-off included. */
  timeoutMs: number;
  /** Bound on one read attempt, so a member that hangs leaves time to try another. */
  readAttemptTimeoutMs: number;
  /** First back-off; doubles per attempt up to maxBackoffMs. */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export type CallKind = 'read' | 'write';

/** Errors kept for the final message (the last few are what explain it). */
const ERRORS_KEPT = 8;

/**
 * Run `attempt` until it succeeds, fails with an answer (a StoreError other than
 * 'unavailable'), or the budget runs out ('unavailable'). `attempt` gets its deadline.
 */
export async function withRetry<T>(
  kind: CallKind,
  policy: RetryPolicy,
  attempt: (deadline: Date) => Promise<T>,
): Promise<T> {
  const start = Date.now();
  const end = start + policy.timeoutMs;
  const errors: unknown[] = [];
  let backoff = policy.initialBackoffMs;
  for (;;) {
    const deadline = kind === 'read' ? Math.min(end, Date.now() + policy.readAttemptTimeoutMs) : end;
    try {
      return await attempt(new Date(deadline));
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const cls = retryClass(err);
      if (cls === 'final') throw toStoreError(err);
      errors.push(err);
      if (errors.length > ERRORS_KEPT) errors.shift();
      const wait = Math.random() * backoff;
      const now = Date.now();
      const mayResend = kind === 'read' || cls === 'not-applied';
      if (!mayResend || now + wait >= end) throw unavailableError(errors, kind, now - start);
      await sleep(wait);
      backoff = Math.min(backoff * 2, policy.maxBackoffMs);
    }
  }
}
