/**
 * The Job controller (kube-controller-manager --controllers job): runs pods to completion.
 * See sync.ts for the reconciliation; this module wires informers, handlers and queues.
 *
 * Two queues, as Kubernetes': jobs, and orphan pods — pods that still carry the
 * `batch.kubernetes.io/job-tracking` finalizer while their Job is gone or finished, whose
 * finalizer must be removed so the pods can be deleted.
 *
 * Known limitations: pods are found by their controller reference only (no adoption of
 * orphans matching a manual selector); podFailurePolicy, successPolicy, backoffLimitPerIndex
 * and managedBy are not implemented (such jobs run with the plain rules).
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { keyOf, splitKey } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerFactory } from '../types';
import { BY_CONTROLLER_UID, byControllerUid, controllerOf } from '../util/owners';
import { type JobControllerConfig, type JobDeps } from './deps';
import { Expectations } from './expectations';
import {
  DEFAULT_POD_FAILURE_BACKOFF_MS,
  MAX_POD_FAILURE_BACKOFF_MS,
  hasTrackingFinalizer,
  isJobFinished,
} from './job-util';
import { REMOVE_TRACKING_FINALIZER } from './manage';
import { syncJob } from './sync';

export const NAME = 'job';
export const COMPONENT = 'job-controller';

export function jobController(config: JobControllerConfig = {}): ControllerFactory {
  return (ctx) => {
    const jobInformer = ctx.informers.informer<Job>(R.jobs);
    const podInformer = ctx.informers.informer<Pod>(R.pods);
    podInformer.addIndex(BY_CONTROLLER_UID, byControllerUid);
    const queue = new WorkQueue({ name: NAME, log: ctx.log });
    const orphans = new WorkQueue({ name: `${NAME}-orphan-pods`, log: ctx.log });
    const d: JobDeps = {
      ctx,
      jobs: ctx.client.resource<Job>(R.jobs),
      pods: ctx.client.resource<Pod>(R.pods),
      jobInformer,
      podInformer,
      recorder: ctx.recorder(COMPONENT),
      queue,
      expectations: new Expectations(() => ctx.now().getTime()),
      finalizerRemovals: new Map(),
      backoff: new Map(),
      config: {
        podFailureBackoffMs: config.podFailureBackoffMs ?? DEFAULT_POD_FAILURE_BACKOFF_MS,
        maxPodFailureBackoffMs: config.maxPodFailureBackoffMs ?? MAX_POD_FAILURE_BACKOFF_MS,
        maxWaitMs: config.maxWaitMs ?? 60_000,
      },
    };

    /** The Job that controls `pod`, from the cache, if it is still the same object. */
    const jobOf = (pod: Pod): Job | undefined => {
      const ref = controllerOf(pod);
      if (ref?.kind !== 'Job') return undefined;
      const job = jobInformer.getByName(pod.metadata?.namespace ?? '', ref.name);
      return job?.metadata?.uid === ref.uid ? job : undefined;
    };
    const isJobRef = (pod: Pod) => controllerOf(pod)?.kind === 'Job';

    /** Route a pod change: to its job, or to the orphan queue if its finalizer is stranded. */
    const onPod = (pod: Pod, event: 'add' | 'deleting' | 'deleted' | 'update') => {
      const job = jobOf(pod);
      if (!job || isJobFinished(job)) {
        if (hasTrackingFinalizer(pod) && event !== 'deleted' && (isJobRef(pod) || !controllerOf(pod)))
          orphans.add(keyOf(pod));
        if (!job) return;
      }
      const key = keyOf(job);
      if (event === 'add') d.expectations.creationObserved(key);
      if (event === 'deleting' || event === 'deleted') d.expectations.deletionObserved(key);
      queue.add(key);
    };

    podInformer.addHandlers({
      onAdd(pod) {
        onPod(pod, pod.metadata?.deletionTimestamp ? 'deleting' : 'add');
      },
      onUpdate(oldPod, pod) {
        const removed = hasTrackingFinalizer(oldPod) && !hasTrackingFinalizer(pod);
        if (removed) observeFinalizerRemoved(pod);
        onPod(pod, pod.metadata?.deletionTimestamp ? 'deleting' : 'update');
        // A changed controller reference: the old job lost a pod.
        const oldRef = controllerOf(oldPod);
        if (oldRef && oldRef.uid !== controllerOf(pod)?.uid) {
          const old = jobOf(oldPod);
          if (old) queue.add(keyOf(old));
        }
      },
      onDelete(pod) {
        observeFinalizerRemoved(pod);
        onPod(pod, 'deleted');
      },
    });
    const observeFinalizerRemoved = (pod: Pod) => {
      const job = jobOf(pod);
      if (job) d.finalizerRemovals.get(keyOf(job))?.delete(pod.metadata?.uid ?? '');
    };

    jobInformer.addHandlers({
      onAdd: (job) => queue.add(keyOf(job)),
      onUpdate: (_old, job) => queue.add(keyOf(job)),
      onDelete(job) {
        queue.add(keyOf(job));
        // Its pods' finalizers must go, or the garbage collector cannot remove them.
        for (const pod of podInformer.byIndex(BY_CONTROLLER_UID, job.metadata?.uid ?? ''))
          if (hasTrackingFinalizer(pod)) orphans.add(keyOf(pod));
      },
    });

    const syncOrphan = async (podKey: string): Promise<void> => {
      const pod = podInformer.get(podKey);
      if (!pod || !hasTrackingFinalizer(pod)) return;
      const ref = controllerOf(pod);
      if (ref && ref.kind !== 'Job') return;
      if (ref) {
        // Ask the API server, not the cache: a job just created may not be cached yet.
        try {
          const job = await d.jobs.get(pod.metadata?.namespace ?? '', ref.name);
          if (job.metadata?.uid === ref.uid && !isJobFinished(job)) return;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      const [ns, name] = splitKey(podKey);
      try {
        await d.pods.patch(ns, name, 'strategic', REMOVE_TRACKING_FINALIZER);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    };

    return {
      name: NAME,
      start() {
        queue.run(ctx.options.concurrentSyncs, (key) => syncJob(d, key));
        orphans.run(1, syncOrphan);
      },
      async stop() {
        await Promise.all([queue.shutDown(), orphans.shutDown()]);
      },
    };
  };
}

export const createJobController: ControllerFactory = jobController();
