/**
 * Records what a watch delivers and lets a test wait — event-driven, with a deadline — until
 * the record satisfies a condition.
 */
import type { Store, Watch, WatchEvent, WatchMessage, WatchRequest } from '../types';

export interface Recorded {
  watch: Watch;
  messages: WatchMessage[];
  /** Every event delivered so far, in order. */
  events(): WatchEvent[];
  /** Resolves once `done(messages)` holds; rejects after `timeoutMs` saying what arrived. */
  until(done: (messages: WatchMessage[]) => boolean, timeoutMs?: number): Promise<WatchMessage[]>;
  /** Waits for at least `n` events in total. */
  untilEvents(n: number, timeoutMs?: number): Promise<WatchEvent[]>;
}

export async function record(store: Store, req: WatchRequest): Promise<Recorded> {
  const messages: WatchMessage[] = [];
  const waiters = new Set<() => void>();
  const watch = await store.watch(req, (msg) => {
    messages.push(msg);
    for (const w of [...waiters]) w();
  });
  const events = () => messages.flatMap((m) => (m.type === 'events' ? m.events : []));
  const until = (done: (m: WatchMessage[]) => boolean, timeoutMs = 5_000) =>
    new Promise<WatchMessage[]>((resolve, reject) => {
      if (done(messages)) return resolve(messages);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`watch condition not met within ${timeoutMs} ms; got ${describe(messages)}`));
      }, timeoutMs);
      const check = () => {
        if (!done(messages)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(messages);
      };
      waiters.add(check);
    });
  return {
    watch,
    messages,
    events,
    until,
    untilEvents: async (n, timeoutMs) => {
      await until(() => events().length >= n, timeoutMs);
      return events();
    },
  };
}

/** Resolves after `ms` — only for asserting that nothing (more) arrives in a window. */
export function quietFor(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(messages: WatchMessage[]): string {
  return JSON.stringify(
    messages.map((m) =>
      m.type === 'events'
        ? {
            type: m.type,
            rev: m.header.revision,
            events: m.events.map((e) => [e.type, Buffer.from(e.kv.key).toString(), e.kv.modRevision]),
          }
        : m.type === 'compacted'
          ? { type: m.type, compactRevision: m.compactRevision }
          : m.type === 'canceled'
            ? { type: m.type, error: m.error.message }
            : { type: m.type, rev: m.header.revision },
    ),
  );
}
