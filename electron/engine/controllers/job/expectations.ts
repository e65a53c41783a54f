/**
 * ControllerExpectations, as k8s.io/kubernetes/pkg/controller's: a controller that just created
 * or deleted pods must not act on its informer cache until the cache has seen those writes, or
 * it would create the same pods twice. `expect*` records how many adds/deletes are in flight
 * for a key; the pod handlers call `observed*`; `satisfied` is true once they have all been
 * seen, or after EXPECTATIONS_TTL_MS (a lost watch event must not stall the key for ever).
 *
 * Known limitation: counts, not pod identities, as client-go's (not its UID-tracking variant).
 */

/** Same as kube-controller-manager's ExpectationsTimeout. */
export const EXPECTATIONS_TTL_MS = 5 * 60_000;

interface Record {
  adds: number;
  dels: number;
  at: number;
}

export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** Sets (replaces) what `key` waits for. */
  expect(key: string, adds: number, dels: number): void {
    this.records.set(key, { adds, dels, at: this.clock() });
  }

  expectCreations(key: string, n: number): void {
    this.expect(key, n, 0);
  }

  expectDeletions(key: string, n: number): void {
    this.expect(key, 0, n);
  }

  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  deletionObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.dels--;
  }

  /** True when nothing is pending for `key` (or nothing was ever expected, or it expired). */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.dels <= 0) return true;
    return this.clock() - r.at > EXPECTATIONS_TTL_MS;
  }

  delete(key: string): void {
    this.records.delete(key);
  }
}
