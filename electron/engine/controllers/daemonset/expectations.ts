/**
 * Controller expectations for the DaemonSet controller, as kube-controller-manager's
 * controller.ControllerExpectations: after a sync issues creates and deletes, the next sync
 * of that set waits until the pod informer has observed them, so a sync on a stale cache
 * does not put a second pod on a node (or delete one twice).
 *
 * Contract:
 * - `expect(key, creates, deletes)` is called BEFORE the writes are sent, and replaces what
 *   was expected for `key`;
 * - every create or delete that fails (or is skipped) is given back with
 *   `creationObserved` / `deletionObserved`;
 * - `satisfied(key)` is true when nothing is outstanding, or when the expectation is older
 *   than 5 minutes (controller.ExpectationsTimeout), so a lost event never freezes a set.
 * Deletions are tracked per pod key, so a pod seen deleted twice (deletionTimestamp set, then
 * the delete event) counts once.
 */

/** controller.ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Expectation {
  add: number;
  deleting: Set<string>;
  at: number;
}

export class PodExpectations {
  private readonly byKey = new Map<string, Expectation>();

  constructor(private readonly clock: () => number = Date.now) {}

  satisfied(key: string): boolean {
    const e = this.byKey.get(key);
    if (!e || (e.add <= 0 && e.deleting.size === 0)) return true;
    return this.clock() - e.at > EXPECTATIONS_TTL_MS;
  }

  expect(key: string, creates: number, deletePodKeys: string[]): void {
    this.byKey.set(key, { add: creates, deleting: new Set(deletePodKeys), at: this.clock() });
  }

  creationObserved(key: string): void {
    const e = this.byKey.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string, podKey: string): void {
    this.byKey.get(key)?.deleting.delete(podKey);
  }

  delete(key: string): void {
    this.byKey.delete(key);
  }
}
