/**
 * syncJob, as the Job controller of Kubernetes 1.33: count finished pods through the
 * `batch.kubernetes.io/job-tracking` finalizer and status.uncountedTerminatedPods, decide
 * whether the job failed (backoffLimit, activeDeadlineSeconds) or succeeded, manage pods, and
 * write status. Terminal conditions are two-step as in ≥ 1.31: FailureTarget / SuccessCriteriaMet
 * first, then Failed / Complete once no pod is left terminating or uncounted.
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import { isNotFound } from '../../../kube/errors';
import { isPodActive, isPodReady } from '../util/pods';
import { BY_CONTROLLER_UID } from '../util/owners';
import type { JobDeps } from './deps';
import { completionIndex, formatIndexes, isIndexedJob, parseIndexes, UNKNOWN_INDEX } from './indexes';
import {
  MAX_UNCOUNTED_PODS,
  MESSAGE_BACKOFF_LIMIT,
  MESSAGE_COMPLETIONS_REACHED,
  MESSAGE_DEADLINE,
  REASON_BACKOFF_LIMIT,
  REASON_COMPLETIONS_REACHED,
  REASON_DEADLINE,
  ensureCondition,
  findCondition,
  hasTrackingFinalizer,
  isJobFinished,
  isPodFailed,
  isPodTerminating,
  newCondition,
  nextBackoffRecord,
  pastBackoffLimitOnFailure,
  rfc3339,
} from './job-util';
import { REMOVE_TRACKING_FINALIZER, manageJob } from './manage';

interface Ctx {
  job: Job;
  key: string;
  pods: Pod[];
  /** UIDs whose finalizer removal we issued but the cache has not shown yet. */
  expectedRm: Set<string>;
  finished: JobCondition | null;
  succeededIndexes: Set<number>;
  terminating: number;
}

export async function syncJob(d: JobDeps, key: string): Promise<void> {
  const cached = d.jobInformer.get(key);
  if (!cached) {
    d.expectations.delete(key);
    d.finalizerRemovals.delete(key);
    d.backoff.delete(key);
    return;
  }
  if (isJobFinished(cached)) {
    d.backoff.delete(key);
    return;
  }
  const job: Job = structuredClone(cached);
  const spec = job.spec;
  if (!spec) return;
  const status: JobStatus = (job.status ??= {});
  const uncounted = (status.uncountedTerminatedPods ??= {});
  const uncSucceeded = new Set(uncounted.succeeded ?? []);
  const uncFailed = new Set(uncounted.failed ?? []);
  // Expectations are checked before listing pods: a pod created after the check only defers
  // the decision to the next sync.
  const satisfied = d.expectations.satisfied(key);
  const uid = job.metadata?.uid ?? '';
  const pods = d.podInformer
    .byIndex(BY_CONTROLLER_UID, uid)
    .filter((p) => p.metadata?.namespace === job.metadata?.namespace);
  const activePods = pods.filter(isPodActive);
  const expectedRm = d.finalizerRemovals.get(key) ?? new Set<string>();
  const indexed = isIndexedJob(job);
  const completions = spec.completions ?? 0;
  const validIndex = (p: Pod) => {
    const ix = completionIndex(p);
    return !indexed || (ix !== UNKNOWN_INDEX && ix < completions);
  };
  const fresh = (p: Pod, seen: Set<string>) => {
    const puid = p.metadata?.uid ?? '';
    return hasTrackingFinalizer(p) && !seen.has(puid) && !expectedRm.has(puid) && validIndex(p);
  };
  const newSucceeded = pods.filter((p) => fresh(p, uncSucceeded) && p.status?.phase === 'Succeeded');
  const newFailed = pods.filter((p) => fresh(p, uncFailed) && isPodFailed(p, job));
  let succeeded = (status.succeeded ?? 0) + newSucceeded.length + uncSucceeded.size;
  const failed = (status.failed ?? 0) + newFailed.length + uncFailed.size;
  const now = d.ctx.now();
  if (!status.startTime && !spec.suspend) status.startTime = rfc3339(now);
  d.backoff.set(key, nextBackoffRecord(d.backoff.get(key), newSucceeded, newFailed, now.getTime()));

  const c: Ctx = {
    job,
    key,
    pods,
    expectedRm,
    finished: null,
    succeededIndexes: new Set(),
    terminating: pods.filter(isPodTerminating).length,
  };
  const successMet = findCondition(job, 'SuccessCriteriaMet');
  const failureTarget = findCondition(job, 'FailureTarget');
  if (successMet?.status === 'True') c.finished = successMet;
  else if (failureTarget?.status === 'True') c.finished = failureTarget;
  else if (failed > (spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods)) {
    c.finished = newCondition('FailureTarget', 'True', REASON_BACKOFF_LIMIT, MESSAGE_BACKOFF_LIMIT, now);
  } else if (spec.activeDeadlineSeconds !== undefined && status.startTime && !spec.suspend) {
    const left = Date.parse(status.startTime) + spec.activeDeadlineSeconds * 1000 - now.getTime();
    if (left <= 0) c.finished = newCondition('FailureTarget', 'True', REASON_DEADLINE, MESSAGE_DEADLINE, now);
    else d.queue.addAfter(key, Math.min(left, d.config.maxWaitMs));
  }
  if (indexed) {
    c.succeededIndexes = parseIndexes(status.completedIndexes, completions);
    for (const p of pods) {
      const ix = completionIndex(p);
      if (p.status?.phase === 'Succeeded' && validIndex(p)) c.succeededIndexes.add(ix);
    }
    succeeded = c.succeededIndexes.size;
  }

  let active = activePods.length;
  let ready = activePods.filter(isPodReady).length;
  let manageError: unknown;
  let suspendChanged = false;
  if (c.finished) {
    // Failed or succeeded: remove what still runs (keeping finalizers: they count as failed).
    let deleted = 0;
    await Promise.all(
      activePods.map(async (p) => {
        try {
          await d.pods.delete(p.metadata?.namespace ?? '', p.metadata?.name ?? '');
          deleted++;
          if (isPodReady(p)) ready--;
        } catch (err) {
          if (isNotFound(err)) deleted++;
          else manageError ??= err;
        }
      }),
    );
    if (deleted !== active || !satisfied) c.finished = null;
    active -= deleted;
    c.terminating += deleted;
  } else {
    let managed = false;
    if (satisfied && !job.metadata?.deletionTimestamp) {
      const st = {
        active: activePods,
        succeeded,
        succeededIndexes: c.succeededIndexes,
        terminating: c.terminating,
        ready,
      };
      const r = await manageJob(d, job, key, st);
      active = r.active;
      manageError = r.error;
      c.terminating = st.terminating;
      ready = st.ready;
      managed = true;
    }
    const complete =
      spec.completions === undefined || spec.completions === null
        ? succeeded > 0 && active === 0
        : succeeded >= spec.completions && active === 0;
    if (complete) {
      c.finished = newCondition(
        'SuccessCriteriaMet',
        'True',
        REASON_COMPLETIONS_REACHED,
        MESSAGE_COMPLETIONS_REACHED,
        now,
      );
    } else if (managed) {
      const [conds, changed] = spec.suspend
        ? ensureCondition(status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)
        : ensureCondition(status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
      if (changed) {
        status.conditions = conds;
        suspendChanged = true;
        d.recorder.event(
          job,
          'Normal',
          spec.suspend ? 'Suspended' : 'Resumed',
          `Job ${spec.suspend ? 'suspended' : 'resumed'}`,
        );
        // ActiveDeadlineSeconds counts continuous activity: a resumed job starts its clock again.
        if (!spec.suspend) status.startTime = rfc3339(now);
      }
    }
  }
  const needsUpdate =
    suspendChanged ||
    active !== (status.active ?? 0) ||
    ready !== status.ready ||
    c.terminating !== status.terminating;
  status.active = active;
  status.ready = ready;
  status.terminating = c.terminating;
  await trackStatusAndRemoveFinalizers(d, c, needsUpdate);
  if (manageError) throw manageError;
}

/**
 * trackJobStatusAndRemoveFinalizers: (1) record newly finished pods in uncountedTerminatedPods,
 * (2) remove their finalizers, (3) move them into the counters, (4) add the terminal condition.
 * A crash between steps loses nothing: the UIDs are in status before any finalizer goes.
 */
async function trackStatusAndRemoveFinalizers(d: JobDeps, c: Ctx, needsFlushIn: boolean): Promise<void> {
  let needsFlush = needsFlushIn;
  const job = c.job;
  const status = job.status as JobStatus;
  const uncounted = status.uncountedTerminatedPods ?? {};
  status.uncountedTerminatedPods = uncounted;
  const indexed = isIndexedJob(job);
  const withFinalizer = new Set<string>();
  for (const p of c.pods) {
    const uid = p.metadata?.uid ?? '';
    if (hasTrackingFinalizer(p) && !c.expectedRm.has(uid)) withFinalizer.add(uid);
  }
  if (moveCounted(status, withFinalizer)) needsFlush = true;
  const uncSucceeded = new Set(uncounted.succeeded ?? []);
  const uncFailed = new Set(uncounted.failed ?? []);
  const toRemove: Pod[] = [];
  const finishedIsFailure = c.finished !== null && c.finished.type !== 'SuccessCriteriaMet';
  let capped = false;
  for (const p of c.pods) {
    const uid = p.metadata?.uid ?? '';
    if (!withFinalizer.has(uid)) continue;
    const failed = isPodFailed(p, job);
    const canRemove =
      Boolean(job.metadata?.deletionTimestamp) ||
      c.finished !== null ||
      p.status?.phase === 'Succeeded' ||
      failed;
    if (!canRemove) continue;
    toRemove.push(p);
    const ix = completionIndex(p);
    const validIx = !indexed || (ix !== UNKNOWN_INDEX && ix < (job.spec?.completions ?? 0));
    if (p.status?.phase === 'Succeeded' && !uncFailed.has(uid)) {
      // Indexed jobs count succeeded pods by index (already in succeededIndexes), not by UID.
      if (!indexed && !uncSucceeded.has(uid)) {
        uncSucceeded.add(uid);
        needsFlush = true;
      }
    } else if ((failed || finishedIsFailure) && !uncFailed.has(uid) && validIx) {
      uncFailed.add(uid);
      needsFlush = true;
    }
    if (uncSucceeded.size + uncFailed.size >= MAX_UNCOUNTED_PODS) {
      // Keep status small and let other jobs have a turn; the status write requeues us.
      capped = true;
      break;
    }
  }
  uncounted.succeeded = [...uncSucceeded];
  uncounted.failed = [...uncFailed];
  if (indexed) {
    const text = formatIndexes(c.succeededIndexes);
    if (text !== (status.completedIndexes ?? '')) needsFlush = true;
    status.completedIndexes = text;
    status.succeeded = c.succeededIndexes.size;
  }
  let finished = c.finished;
  if (finished?.type === 'FailureTarget') {
    if (findCondition(job, 'FailureTarget')?.status !== 'True') {
      status.conditions = [...(status.conditions ?? []), finished];
      needsFlush = true;
    }
    finished = newCondition('Failed', 'True', finished.reason ?? '', finished.message ?? '', d.ctx.now());
  } else if (finished?.type === 'SuccessCriteriaMet') {
    if (findCondition(job, 'SuccessCriteriaMet')?.status !== 'True') {
      status.conditions = [...(status.conditions ?? []), finished];
      needsFlush = true;
    }
    finished = newCondition('Complete', 'True', finished.reason ?? '', finished.message ?? '', d.ctx.now());
  }
  // Flush the new UIDs before removing any finalizer.
  if (needsFlush) {
    c.job = await writeStatus(d, job);
    needsFlush = false;
  }
  let rmError: unknown;
  if (toRemove.length > 0) {
    const expected = d.finalizerRemovals.get(c.key) ?? new Set<string>();
    d.finalizerRemovals.set(c.key, expected);
    await Promise.all(
      toRemove.map(async (p) => {
        const uid = p.metadata?.uid ?? '';
        expected.add(uid);
        try {
          await d.pods.patch(
            p.metadata?.namespace ?? '',
            p.metadata?.name ?? '',
            'strategic',
            REMOVE_TRACKING_FINALIZER,
          );
          withFinalizer.delete(uid);
        } catch (err) {
          expected.delete(uid);
          if (isNotFound(err)) withFinalizer.delete(uid);
          else rmError ??= err;
        }
      }),
    );
  }
  const cur = c.job;
  const curStatus = cur.status as JobStatus;
  if (moveCounted(curStatus, withFinalizer)) needsFlush = true;
  if (rmError) {
    if (needsFlush) await writeStatus(d, cur);
    throw rmError;
  }
  let jobFinished = false;
  const left = curStatus.uncountedTerminatedPods;
  const pendingUncounted = (left?.succeeded?.length ?? 0) + (left?.failed?.length ?? 0);
  if (!capped && finished && pendingUncounted === 0 && c.terminating === 0) {
    [curStatus.conditions] = ensureCondition(
      curStatus.conditions,
      finished.type,
      'True',
      finished.reason ?? '',
      finished.message ?? '',
      d.ctx.now(),
    );
    if (finished.type === 'Complete') curStatus.completionTime = rfc3339(d.ctx.now());
    jobFinished = true;
    needsFlush = true;
  }
  if (!needsFlush) return;
  await writeStatus(d, cur);
  if (!jobFinished || !finished) return;
  if (finished.type === 'Complete') {
    const completions = cur.spec?.completions;
    if (completions !== undefined && completions !== null && (curStatus.succeeded ?? 0) > completions) {
      d.recorder.event(
        cur,
        'Warning',
        'TooManySucceededPods',
        'Too many succeeded pods running after completion count reached',
      );
    }
    d.recorder.event(cur, 'Normal', 'Completed', 'Job completed');
  } else {
    d.recorder.event(cur, 'Warning', finished.reason ?? '', finished.message ?? '');
  }
}

/** cleanUncountedPodsWithoutFinalizers: uncounted UIDs whose finalizer is gone join the counters. */
function moveCounted(status: JobStatus, withFinalizer: Set<string>): boolean {
  const u = status.uncountedTerminatedPods ?? {};
  let changed = false;
  const keepS = (u.succeeded ?? []).filter((x) => withFinalizer.has(x));
  if (keepS.length !== (u.succeeded ?? []).length) {
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded ?? []).length - keepS.length;
    u.succeeded = keepS;
    changed = true;
  }
  const keepF = (u.failed ?? []).filter((x) => withFinalizer.has(x));
  if (keepF.length !== (u.failed ?? []).length) {
    status.failed = (status.failed ?? 0) + (u.failed ?? []).length - keepF.length;
    u.failed = keepF;
    changed = true;
  }
  status.uncountedTerminatedPods = u;
  return changed;
}

/** PUT status; returns the job as written (its new resourceVersion for the next write). */
async function writeStatus(d: JobDeps, job: Job): Promise<Job> {
  const written = await d.jobs.updateStatus(job);
  // Keep working on our copy of status: the server's answer may omit empty fields.
  return { ...written, status: job.status };
}
