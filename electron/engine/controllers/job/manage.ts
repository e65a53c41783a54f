/**
 * manageJob: create or delete pods so that the number active matches what the job wants,
 * with kube-controller-manager's slow-start batches, the pod-failure back-off, and its events
 * (SuccessfulCreate "Created pod: x", FailedCreate, SuccessfulDelete "Deleted pod: x").
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { isPodReady } from '../util/pods';
import { newControllerRef } from '../util/owners';
import type { JobDeps } from './deps';
import { firstPendingIndexes, indexedTemplate, invalidOrDuplicatePods, isIndexedJob } from './indexes';
import {
  JOB_TRACKING_FINALIZER,
  MAX_POD_CREATE_DELETE_PER_SYNC,
  backoffRemainingMs,
  compareForRemoval,
  onlyReplaceFailedPods,
  wantActive,
} from './job-util';

/** SlowStartInitialBatchSize. */
const SLOW_START_INITIAL_BATCH = 1;

export interface ManageState {
  active: Pod[];
  succeeded: number;
  succeededIndexes: Set<number>;
  terminating: number;
  ready: number;
}

/** The patch that removes the tracking finalizer (strategic merge, like the Job controller's). */
export const REMOVE_TRACKING_FINALIZER = {
  metadata: { '$deleteFromPrimitiveList/finalizers': [JOB_TRACKING_FINALIZER] },
};

/**
 * Delete pods after removing their tracking finalizer (deleteJobPods): pods removed because
 * of suspension or excess parallelism are not counted as failures. Returns how many went
 * (and how many of those were ready).
 */
export async function deleteJobPods(d: JobDeps, job: Job, key: string, pods: Pod[]) {
  let deleted = 0;
  let deletedReady = 0;
  const errors: unknown[] = [];
  await Promise.all(
    pods.map(async (pod) => {
      const name = pod.metadata?.name ?? '';
      const ns = pod.metadata?.namespace ?? '';
      try {
        if ((pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER))
          await d.pods.patch(ns, name, 'strategic', REMOVE_TRACKING_FINALIZER);
        await d.pods.delete(ns, name);
        d.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
        deleted++;
        if (isPodReady(pod)) deletedReady++;
      } catch (err) {
        // The informer will not see this deletion.
        d.expectations.deletionObserved(key);
        if (isNotFound(err)) deleted++;
        else {
          d.recorder.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
          errors.push(err);
        }
      }
    }),
  );
  return { deleted, deletedReady, error: errors[0] };
}

/** The pod to create from the job's template (with the tracking finalizer and a controller ref). */
function podFor(job: Job, template: PodTemplateSpec, generateName: string): Pod {
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace: job.metadata?.namespace,
      labels: { ...meta.labels },
      annotations: meta.annotations ? { ...meta.annotations } : undefined,
      finalizers: [
        ...(meta.finalizers ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER),
        JOB_TRACKING_FINALIZER,
      ],
      ownerReferences: [newControllerRef(job)],
    },
    spec: structuredClone(template.spec) ?? { containers: [] },
  };
}

/**
 * Brings the number of active pods towards the target. Returns the new active count and the
 * first API failure (the caller still writes status, then fails the sync so it is retried);
 * mutates `st.terminating`/`st.ready` for pods it deleted.
 */
export async function manageJob(
  d: JobDeps,
  job: Job,
  key: string,
  st: ManageState,
): Promise<{ active: number; error?: unknown }> {
  let active = st.active.length;
  const spec = job.spec;
  if (!spec) return { active };
  if (spec.suspend) {
    const doomed = [...st.active].sort(compareForRemoval);
    d.expectations.expectDeletions(key, doomed.length);
    const r = await deleteJobPods(d, job, key, doomed);
    st.terminating += r.deleted;
    st.ready -= r.deletedReady;
    return { active: active - r.deleted, error: r.error };
  }
  const want = wantActive(job, active, st.succeeded);
  const rmAtLeast = Math.max(0, active - want);
  let doomed: Pod[] = [];
  let left = st.active;
  if (isIndexedJob(job)) {
    const split = invalidOrDuplicatePods(st.active, spec.completions ?? 0, compareForRemoval);
    doomed = split.remove;
    left = split.keep;
  }
  if (doomed.length < rmAtLeast) {
    doomed.push(...[...left].sort(compareForRemoval).slice(0, rmAtLeast - doomed.length));
  }
  doomed = doomed.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (doomed.length > 0) {
    // Deletion and creation never happen in one sync; deletion first.
    d.expectations.expectDeletions(key, doomed.length);
    const r = await deleteJobPods(d, job, key, doomed);
    st.terminating += r.deleted;
    st.ready -= r.deletedReady;
    return { active: active - r.deleted, error: r.error };
  }
  const terminating = onlyReplaceFailedPods(job) ? st.terminating : 0;
  let diff = want - terminating - active;
  if (diff <= 0) return { active };
  const now = d.ctx.now().getTime();
  const wait = backoffRemainingMs(
    d.backoff.get(key),
    now,
    d.config.podFailureBackoffMs,
    d.config.maxPodFailureBackoffMs,
  );
  if (wait > 0) {
    d.queue.addAfter(key, Math.min(wait, d.config.maxWaitMs));
    return { active };
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  const jobName = job.metadata?.name ?? '';
  let indexes: number[] = [];
  if (isIndexedJob(job)) {
    indexes = firstPendingIndexes(st.active, st.succeededIndexes, diff, spec.completions ?? 0);
    diff = indexes.length;
  }
  d.expectations.expectCreations(key, diff);
  let firstError: unknown;
  // Slow start: batches of 1, 2, 4, … stop at the first batch with a failure.
  for (let batch = Math.min(diff, SLOW_START_INITIAL_BATCH); diff > 0; batch = Math.min(2 * batch, diff)) {
    const results = await Promise.all(
      Array.from({ length: batch }, async () => {
        const index = indexes.shift();
        const template = index === undefined ? spec.template : indexedTemplate(job, spec.template, index);
        const generateName = index === undefined ? `${jobName}-` : `${jobName}-${index}-`;
        try {
          const pod = await d.pods.create(job.metadata?.namespace ?? '', podFor(job, template, generateName));
          d.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata?.name ?? ''}`);
          return true;
        } catch (err) {
          d.expectations.creationObserved(key);
          d.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
          firstError ??= err;
          return false;
        }
      }),
    );
    const failed = results.filter((ok) => !ok).length;
    active += batch - failed;
    diff -= batch;
    if (failed > 0) {
      // Pods never attempted will not be observed either.
      for (let i = 0; i < diff; i++) d.expectations.creationObserved(key);
      break;
    }
  }
  return { active, error: firstError };
}
