/** The two shapes nearly every controller repeats: enqueue-on-any-event, and a queue-driven Controller. */
import { type EventHandlers, keyOf } from '../../../kube/informer';
import type { KubeObject } from '../../../kube/types';
import type { WorkQueue } from '../../../kube/workqueue';
import type { Controller } from '../types';

/** Handlers that queue the object's key on every add, update and delete. */
export function enqueueEvery<T extends KubeObject>(queue: WorkQueue): EventHandlers<T> {
  return {
    onAdd: (o) => queue.add(keyOf(o)),
    onUpdate: (_old, o) => queue.add(keyOf(o)),
    onDelete: (o) => queue.add(keyOf(o)),
  };
}

/** A Controller whose work is `sync` run by `workers` workers of `queue`. */
export function queueController(
  name: string,
  queue: WorkQueue,
  workers: number,
  sync: (key: string) => Promise<void>,
): Controller {
  return {
    name,
    start() {
      queue.run(workers, sync);
    },
    stop() {
      return queue.shutDown();
    },
  };
}
