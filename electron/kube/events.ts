/**
 * Event recorder: core/v1 Events about objects, as client-go's record.EventRecorder writes them
 * (what `kubectl describe` and `kubectl get events` show), with client-go's EventCorrelator:
 * - repeats of one event (same object, type, reason and message) within 10 minutes are folded
 *   into the first one — its `count` and `lastTimestamp` are patched;
 * - similar events (same object, type and reason, different messages — "Created pod: web-1",
 *   "Created pod: web-2", …) are written one by one up to 10 within 10 minutes, then folded into
 *   one event whose message is "(combined from similar events): " and the latest message.
 * So a controller creating 10,000 pods writes a dozen events, not 10,000.
 *
 * Recording never blocks or throws: events are written in the background, at most
 * `maxPending` waiting (more are dropped and the drops logged), and a failed write is logged
 * and forgotten. Events are best effort in Kubernetes too.
 */
import type { Event, ObjectReference } from 'kubernetes-types/core/v1';
import type { Logger } from './log';
import { R } from './resources';
import type { KubeClient, KubeObject } from './types';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  /** Record an event about `obj` (which must carry kind and apiVersion, or pass `kind`). */
  event(obj: KubeObject, type: EventType, reason: string, message: string, action?: string): void;
  /** Resolves once every event recorded so far has been written (or dropped). */
  flush(): Promise<void>;
}

export interface RecorderOptions {
  /** source.component / reportingController, e.g. "default-scheduler", "replicaset-controller". */
  component: string;
  /** source.host / reportingInstance. */
  host?: string;
  maxPending?: number;
  /** Writes in flight at once. */
  concurrency?: number;
  now?: () => Date;
}

const FOLD_WINDOW_MS = 10 * 60_000;
const MAX_FOLD_KEYS = 4096;
/** client-go's defaultAggregateMaxEvents: similar events written one by one before combining. */
const AGGREGATE_MAX_EVENTS = 10;
const COMBINED_PREFIX = '(combined from similar events): ';

/** Map.set that first drops the oldest entry once MAX_FOLD_KEYS are held. */
function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_FOLD_KEYS) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}

interface Folded {
  namespace: string;
  name: string;
  count: number;
  at: number;
}

export function createEventRecorder(client: KubeClient, log: Logger, opts: RecorderOptions): EventRecorder {
  const events = client.resource<Event>(R.events);
  const now = opts.now ?? (() => new Date());
  const maxPending = opts.maxPending ?? 1000;
  const concurrency = opts.concurrency ?? 4;
  const folded = new Map<string, Folded>();
  /** Similar-event key → distinct messages seen in the window and when it started. */
  const similar = new Map<string, { messages: Set<string>; since: number }>();
  const pending: (() => Promise<void>)[] = [];
  let active = 0;
  let dropped = 0;
  const idle: (() => void)[] = [];

  const pump = () => {
    while (active < concurrency && pending.length > 0) {
      const job = pending.shift();
      if (!job) break;
      active++;
      void job()
        .catch((err: unknown) => log.debug({ err: (err as Error).message }, 'event not recorded'))
        .finally(() => {
          active--;
          if (active === 0 && pending.length === 0) for (const w of idle.splice(0)) w();
          pump();
        });
    }
  };

  const enqueue = (job: () => Promise<void>) => {
    if (pending.length >= maxPending) {
      if (dropped++ % 1000 === 0)
        log.warn({ dropped, component: opts.component }, 'events dropped: too many pending');
      return;
    }
    pending.push(job);
    pump();
  };

  return {
    event(obj, type, reason, message, action) {
      const meta = obj.metadata ?? {};
      const namespace = meta.namespace || 'default';
      const ref: ObjectReference = {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: meta.namespace,
        name: meta.name,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      };
      const t = now();
      const stamp = t.toISOString().replace(/\.\d+Z$/, 'Z');
      const objectKey = meta.uid ?? `${namespace}/${meta.name}`;
      const similarKey = [objectKey, type, reason].join('\u0000');
      let group = similar.get(similarKey);
      if (!group || t.getTime() - group.since >= FOLD_WINDOW_MS) {
        group = { messages: new Set(), since: t.getTime() };
        setBounded(similar, similarKey, group);
      }
      group.messages.add(message);
      // Past the limit, every further similar event lands in one combined event.
      const combined = group.messages.size > AGGREGATE_MAX_EVENTS;
      const foldKey = combined
        ? [objectKey, type, reason, COMBINED_PREFIX].join('\u0000')
        : [objectKey, type, reason, message].join('\u0000');
      const shown = combined ? COMBINED_PREFIX + message : message;
      const prior = folded.get(foldKey);
      if (prior && t.getTime() - prior.at < FOLD_WINDOW_MS) {
        prior.count++;
        prior.at = t.getTime();
        const count = prior.count;
        enqueue(async () => {
          await events.patch(prior.namespace, prior.name, 'merge', {
            count,
            lastTimestamp: stamp,
            ...(combined ? { message: shown } : {}),
          });
        });
        return;
      }
      const name = `${meta.name ?? 'object'}.${(t.getTime() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
      setBounded(folded, foldKey, { namespace, name, count: 1, at: t.getTime() });
      const body: Event = {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: ref,
        type,
        reason,
        message: shown,
        action,
        count: 1,
        firstTimestamp: stamp,
        lastTimestamp: stamp,
        source: { component: opts.component, host: opts.host },
        reportingComponent: opts.component,
        reportingInstance: opts.host ?? '',
      };
      enqueue(async () => {
        await events.create(namespace, body);
      });
    },
    flush() {
      if (active === 0 && pending.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
