/**
 * Watchers and the fan-out of committed revisions to them. A watcher is synced from creation:
 * its catch-up from the log is delivered synchronously before it is registered, so no revision
 * falls between catch-up and live delivery.
 */
import type { WatchEvent, WatchFilter, WatchMessage } from '../types';
import { type KeyRange, inRange } from './keys';

export interface Watcher {
  id: number;
  /** First revision to deliver (a start revision in the future waits for it). */
  minRev: number;
  range: KeyRange;
  prevKv: boolean;
  filters: Set<WatchFilter>;
  progressNotify: boolean;
  listener: (msg: WatchMessage) => void;
  /** Whether an event was delivered since the last periodic progress notification. */
  active: boolean;
}

/** One committed revision: its events carry their keys as latin1 (see keys.ts). */
export interface RevisionEvents {
  rev: number;
  events: { key: string; event: WatchEvent }[];
}

export class WatchHub {
  private readonly watchers = new Map<number, Watcher>();
  private nextId = 1;

  get size(): number {
    return this.watchers.size;
  }

  newId(): number {
    return this.nextId++;
  }

  add(w: Watcher): void {
    this.watchers.set(w.id, w);
  }

  remove(id: number): void {
    this.watchers.delete(id);
  }

  all(): Watcher[] {
    return [...this.watchers.values()];
  }

  /** Events of `batch` that `w` wants, with prevKv stripped unless asked for. */
  static select(w: Watcher, batch: RevisionEvents): WatchEvent[] {
    const out: WatchEvent[] = [];
    if (batch.rev < w.minRev) return out;
    for (const { key, event } of batch.events) {
      if (!inRange(w.range, key)) continue;
      if (event.type === 'put' && w.filters.has('noput')) continue;
      if (event.type === 'delete' && w.filters.has('nodelete')) continue;
      out.push(w.prevKv || !event.prevKv ? event : { type: event.type, kv: event.kv });
    }
    return out;
  }

  publish(batches: RevisionEvents[]): void {
    if (batches.length === 0 || this.watchers.size === 0) return;
    const last = (batches[batches.length - 1] as RevisionEvents).rev;
    for (const w of this.watchers.values()) {
      const events = batches.flatMap((b) => WatchHub.select(w, b));
      if (events.length === 0) continue;
      w.active = true;
      w.listener({ type: 'events', header: { revision: last }, events });
    }
  }
}
