/**
 * The TTL-after-finished controller (kube-controller-manager --controllers ttl-after-finished):
 * deletes a finished Job `spec.ttlSecondsAfterFinished` seconds after its Complete/Failed
 * condition's lastTransitionTime.
 *
 * Like Kubernetes, it deletes with Foreground propagation and a uid precondition, after
 * re-reading the Job from the API server (its TTL may have been changed since the cache saw
 * it): the Job stays visible, with a deletionTimestamp, until the garbage collector has
 * removed its pods.
 */
import type { Job } from 'kubernetes-types/batch/v1';
import { isConflict, isNotFound } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import { finishedCondition } from './job-util';
import { queueController } from '../util/queue';

export const NAME = 'ttl-after-finished';

export interface TtlControllerConfig {
  /** Longest wait before the clock is read again (see JobControllerConfig.maxWaitMs). Default 60 s. */
  maxWaitMs?: number;
}

/** When the job's TTL runs out (ms since epoch), or undefined if it has none or is not finished. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return undefined;
  const cond = finishedCondition(job);
  if (!cond) return undefined;
  const at = Date.parse(cond.lastTransitionTime ?? '');
  return Number.isNaN(at) ? undefined : at + ttl * 1000;
}

export function ttlAfterFinishedController(config: TtlControllerConfig = {}): ControllerFactory {
  const maxWaitMs = config.maxWaitMs ?? 60_000;
  return (ctx) => {
    const informer = ctx.informers.informer<Job>(R.jobs);
    const jobs = ctx.client.resource<Job>(R.jobs);
    const queue = new WorkQueue({ name: NAME, log: ctx.log });
    const consider = (job: Job) => {
      if (expiresAt(job) !== undefined) queue.add(keyOf(job));
    };
    informer.addHandlers({ onAdd: consider, onUpdate: (_o, job) => consider(job) });

    const sync = async (key: string): Promise<void> => {
      const cached = informer.get(key);
      if (!cached) return;
      const at = expiresAt(cached);
      if (at === undefined) return;
      const left = at - ctx.now().getTime();
      if (left > 0) {
        queue.addAfter(key, Math.min(left, maxWaitMs));
        return;
      }
      const [ns, name] = splitKey(key);
      let fresh: Job;
      try {
        fresh = await jobs.get(ns, name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      const freshAt = expiresAt(fresh);
      if (freshAt === undefined) return;
      if (freshAt > ctx.now().getTime()) {
        queue.addAfter(key, Math.min(freshAt - ctx.now().getTime(), maxWaitMs));
        return;
      }
      try {
        await jobs.delete(ns, name, {
          propagationPolicy: 'Foreground',
          preconditions: { uid: fresh.metadata?.uid },
        });
      } catch (err) {
        // Gone, or replaced by a new Job of the same name (uid precondition): nothing to do.
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    };

    return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
  };
}

export const createTtlAfterFinishedController: ControllerFactory = ttlAfterFinishedController();
