/**
 * Controller expectations, as kube-controller-manager's controller.UIDTrackingControllerExpectations:
 * a controller that has just issued N creates and some deletes must not act on the same
 * object again until its informer has observed them, or a sync running on a cache that has
 * not caught up would create (or delete) the same replicas twice.
 *
 * Contract:
 * - `expectCreations` / `expectDeletions` are called BEFORE the writes are sent, so an event
 *   that arrives before the write's answer is still counted.
 * - Every create that fails (or is skipped) and every delete that fails must be given back with
 *   `creationObserved` / `deletionObserved`, or the controller waits for the TTL.
 * - `satisfied` is true when nothing is expected, when every expectation was met, or when the
 *   expectations are older than the TTL (5 minutes, controller.ExpectationsTimeout) — a lost
 *   watch event must not freeze a controller forever.
 * Deletions are tracked by pod key, so a pod deleted twice (a delete event after an update
 * with deletionTimestamp) is counted once.
 */

/** controller.ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  add: number;
  del: number;
  /** Keys of the pods whose deletion is still expected. */
  deleting: Set<string>;
  at: number;
}

export class Expectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** True when the controller may act on `key` (see the contract above). */
  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.clock() - e.at > EXPECTATIONS_TTL_MS;
  }

  /** Expect `count` creations for `key` (replacing what was expected before). */
  expectCreations(key: string, count: number): void {
    this.byKey.set(key, { add: count, del: 0, deleting: new Set(), at: this.clock() });
  }

  /** Expect the deletion of each pod in `podKeys` (replacing what was expected before). */
  expectDeletions(key: string, podKeys: string[]): void {
    this.byKey.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), at: this.clock() });
  }

  /** One creation was observed (or will never happen). */
  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  /** The deletion of `podKey` was observed (or will never happen); repeats are ignored. */
  deletionObserved(key: string, podKey: string): void {
    const e = this.byKey.get(key);
    if (e?.deleting.delete(podKey)) e.del--;
  }

  /** Forget `key` (its controller was deleted). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** What is still expected (for logs and tests). */
  pending(key: string): { add: number; del: number } | undefined {
    const e = this.byKey.get(key);
    return e ? { add: e.add, del: e.del } : undefined;
  }
}
