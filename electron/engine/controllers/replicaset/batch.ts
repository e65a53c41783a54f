/**
 * Bounded concurrency for controller writes: slow-start batches (kube-controller-manager's
 * slowStartBatch) and a plain bounded parallel map.
 */

/** Writes in flight at once within one batch; the client pools 64 connections. */
export const MAX_IN_FLIGHT = 64;

/**
 * Run `fn` for `items` with at most `limit` calls in flight. Never rejects: resolves with the
 * outcome of each item, in order.
 */
export async function settleLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T, i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * slowStartBatch: call `fn` `count` times in batches of 1, 2, 4, … (from `initialBatch`), each
 * batch in parallel, stopping after the first batch with a failure. A request that fails for
 * everyone (quota, admission, a missing service account) thus costs one call instead of
 * hundreds. Resolves with the number of successful calls and the first error.
 */
export async function slowStartBatch(
  count: number,
  initialBatch: number,
  fn: () => Promise<void>,
  maxInFlight = MAX_IN_FLIGHT,
): Promise<{ successes: number; error: unknown }> {
  let remaining = count;
  let successes = 0;
  for (let size = Math.min(remaining, initialBatch); size > 0; size = Math.min(2 * size, remaining)) {
    const results = await settleLimit(new Array<null>(size).fill(null), maxInFlight, fn);
    let error: unknown = undefined;
    for (const r of results) {
      if (r.status === 'fulfilled') successes++;
      else error ??= r.reason ?? new Error('failed');
    }
    if (error !== undefined) return { successes, error };
    remaining -= size;
  }
  return { successes, error: undefined };
}
