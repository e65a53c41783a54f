/** Small concurrency helpers of the node controllers (candidates for controllers/util). */

/** Run `fn` over `items` with at most `limit` calls in flight (workqueue.ParallelizeUntil). */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

export interface Loop {
  /** Stop the loop; resolves once a pass in progress has finished. */
  stop(): Promise<void>;
}

/**
 * Run `fn` now and then again `periodMs` after each pass ends (wait.Until with a sliding
 * period), so passes never overlap. A pass that rejects is reported to `onError` and the loop
 * goes on.
 */
export function startLoop(periodMs: number, fn: () => Promise<void>, onError: (err: unknown) => void): Loop {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = fn()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, periodMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
