/**
 * The CronJob controller (kube-controller-manager --controllers cronjob; its "v2" controller):
 * creates a Job per scheduled time, named `<cronjob>-<minutes since epoch>` so a time is never
 * run twice, honours concurrencyPolicy, startingDeadlineSeconds, suspend and the history
 * limits, and keeps status.active / lastScheduleTime / lastSuccessfulTime.
 *
 * Time comes from ctx.now(). After each sync the controller requeues the CronJob for its next
 * scheduled time — capped at `maxWaitMs` of real time, because Node's timers stop while a
 * laptop sleeps and tests move an injected clock; every wake-up re-reads now().
 */
import type { CronJob, CronJobStatus, Job } from 'kubernetes-types/batch/v1';
import type { ObjectReference } from 'kubernetes-types/core/v1';
import { isAlreadyExists, isNotFound } from '../../../kube/errors';
import { keyOf } from '../../../kube/informer';
import { R } from '../../../kube/resources';
import { WorkQueue } from '../../../kube/workqueue';
import type { ControllerContext, ControllerFactory } from '../types';
import { BY_CONTROLLER_UID, byControllerUid, controllerOf, isControlledBy } from '../util/owners';
import { parseSchedule, type Schedule } from './cron';
import {
  compareByStartTime,
  jobFromTemplate,
  jobName,
  mostRecentScheduleTime,
  nextScheduleDelay,
} from './schedule-util';
import { queueController } from '../util/queue';

export const NAME = 'cronjob';
export const COMPONENT = 'cronjob-controller';

export interface CronJobControllerConfig {
  /** Longest real-time wait before the clock is read again. Default 60 s. */
  maxWaitMs?: number;
}

function finishedType(job: Job): string | undefined {
  return job.status?.conditions?.find(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  )?.type;
}

function refTo(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    namespace: job.metadata?.namespace,
    name: job.metadata?.name,
    uid: job.metadata?.uid,
    resourceVersion: job.metadata?.resourceVersion,
  };
}

const rfc3339 = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export function cronJobController(config: CronJobControllerConfig = {}): ControllerFactory {
  const maxWaitMs = config.maxWaitMs ?? 60_000;
  return (ctx: ControllerContext) => {
    const cronInformer = ctx.informers.informer<CronJob>(R.cronjobs);
    const jobInformer = ctx.informers.informer<Job>(R.jobs);
    jobInformer.addIndex(BY_CONTROLLER_UID, byControllerUid);
    const cronjobs = ctx.client.resource<CronJob>(R.cronjobs);
    const jobs = ctx.client.resource<Job>(R.jobs);
    const recorder = ctx.recorder(COMPONENT);
    const queue = new WorkQueue({ name: NAME, log: ctx.log });

    const enqueueOwner = (job: Job) => {
      const ref = controllerOf(job);
      if (ref?.kind !== 'CronJob') return;
      const cj = cronInformer.getByName(job.metadata?.namespace ?? '', ref.name);
      if (cj?.metadata?.uid === ref.uid) queue.add(keyOf(cj));
    };
    jobInformer.addHandlers({
      onAdd: enqueueOwner,
      onUpdate(old, job) {
        enqueueOwner(job);
        if (controllerOf(old)?.uid !== controllerOf(job)?.uid) enqueueOwner(old);
      },
      onDelete: enqueueOwner,
    });
    cronInformer.addHandlers({
      onAdd: (cj) => queue.add(keyOf(cj)),
      onUpdate: (_old, cj) => queue.add(keyOf(cj)),
    });

    /** deleteJob: Background propagation, an event, and out of the active list. */
    const deleteJob = async (cj: CronJob, status: CronJobStatus, job: Job) => {
      try {
        await jobs.delete(job.metadata?.namespace ?? '', job.metadata?.name ?? '', {
          propagationPolicy: 'Background',
        });
      } catch (err) {
        if (!isNotFound(err)) {
          recorder.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
          throw err;
        }
      }
      status.active = (status.active ?? []).filter((r) => r.uid !== job.metadata?.uid);
      recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata?.name ?? ''}`);
    };

    /** Reconcile status.active with the Jobs that exist; returns whether status changed. */
    const reconcileActive = async (cj: CronJob, status: CronJobStatus, children: Job[]) => {
      let changed = false;
      const byUid = new Map(children.map((j) => [j.metadata?.uid ?? '', j]));
      for (const j of children) {
        const inActive = (status.active ?? []).some((r) => r.uid === j.metadata?.uid);
        const finished = finishedType(j);
        if (!inActive && !finished) {
          const fresh = await cronjobs.get(cj.metadata?.namespace ?? '', cj.metadata?.name ?? '');
          if ((fresh.status?.active ?? []).some((r) => r.uid === j.metadata?.uid)) {
            status.active = fresh.status?.active;
            continue;
          }
          recorder.event(
            cj,
            'Warning',
            'UnexpectedJob',
            `Saw a job that the controller did not create or forgot: ${j.metadata?.name ?? ''}`,
          );
        } else if (inActive && finished) {
          status.active = (status.active ?? []).filter((r) => r.uid !== j.metadata?.uid);
          recorder.event(
            cj,
            'Normal',
            'SawCompletedJob',
            `Saw completed job: ${j.metadata?.name ?? ''}, condition: ${finished}`,
          );
          changed = true;
        }
        const completed = j.status?.completionTime;
        if (finished === 'Complete' && completed) {
          const last = status.lastSuccessfulTime;
          if (!last || Date.parse(completed) > Date.parse(last)) {
            status.lastSuccessfulTime = completed;
            changed = true;
          }
        }
      }
      for (const r of [...(status.active ?? [])]) {
        if (byUid.has(r.uid ?? '')) continue;
        // The cache may lag: ask the API server before calling the job missing.
        try {
          await jobs.get(r.namespace ?? '', r.name ?? '');
        } catch (err) {
          if (!isNotFound(err)) throw err;
          recorder.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${r.name ?? ''}`);
          status.active = (status.active ?? []).filter((x) => x.uid !== r.uid);
          changed = true;
        }
      }
      return changed;
    };

    /** cleanupFinishedJobs: keep the newest N successful and failed jobs. */
    const cleanupFinished = async (cj: CronJob, status: CronJobStatus, children: Job[]) => {
      const spec = cj.spec;
      let changed = false;
      for (const [type, limit] of [
        ['Complete', spec?.successfulJobsHistoryLimit],
        ['Failed', spec?.failedJobsHistoryLimit],
      ] as const) {
        if (limit === undefined || limit === null) continue;
        const finished = children.filter((j) => finishedType(j) === type).sort(compareByStartTime);
        for (const j of finished.slice(0, Math.max(0, finished.length - limit))) {
          await deleteJob(cj, status, j);
          changed = true;
        }
      }
      return changed;
    };

    /** syncCronJob's scheduling half: returns when to look again (ms of the controller's clock). */
    const schedule = async (cj: CronJob, status: CronJobStatus): Promise<number | null> => {
      const tz = cj.spec?.timeZone ?? undefined;
      let sched: Schedule;
      try {
        sched = parseSchedule(cj.spec?.schedule ?? '', tz);
      } catch (err) {
        if (err instanceof RangeError) {
          recorder.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${tz ?? ''}": ${err.message}`);
        } else {
          const msg = `unparseable schedule: "${cj.spec?.schedule ?? ''}" : ${(err as Error).message}`;
          recorder.event(cj, 'Warning', 'UnparseableSchedule', msg);
        }
        return null;
      }
      if (cj.spec?.suspend) return null;
      const now = ctx.now().getTime();
      // Decisions below look at status as updated so far in this sync.
      const cur: CronJob = { ...cj, status };
      const { mostRecent, missed } = mostRecentScheduleTime(cur, now, sched, true);
      if (mostRecent === null || mostRecent > now) return nextScheduleDelay(cur, now, sched);
      if (missed === 'many') {
        recorder.event(
          cj,
          'Warning',
          'TooManyMissedTimes',
          'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
        );
      }
      const deadline = cj.spec?.startingDeadlineSeconds;
      if (deadline !== undefined && deadline !== null && mostRecent + deadline * 1000 < now) {
        const when = new Date(mostRecent).toUTCString().replace('GMT', '+0000');
        recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${when}`);
        return nextScheduleDelay(cur, now, sched);
      }
      const name = jobName(cj, mostRecent);
      const lastScheduled = status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : NaN;
      if ((status.active ?? []).some((r) => r.name === name) || lastScheduled === mostRecent) {
        return nextScheduleDelay(cur, now, sched);
      }
      const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
      if (policy === 'Forbid' && (status.active ?? []).length > 0) {
        recorder.event(
          cj,
          'Normal',
          'JobAlreadyActive',
          'Not starting job because prior execution is running and concurrency policy is Forbid',
        );
        return nextScheduleDelay(cur, now, sched);
      }
      if (policy === 'Replace') {
        for (const r of [...(status.active ?? [])]) {
          let job: Job;
          try {
            job = await jobs.get(r.namespace ?? '', r.name ?? '');
          } catch (err) {
            recorder.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
            throw err;
          }
          await deleteJob(cj, status, job);
        }
      }
      const zone = tz ?? new Intl.DateTimeFormat().resolvedOptions().timeZone;
      let created: Job;
      try {
        created = await jobs.create(cj.metadata?.namespace ?? '', jobFromTemplate(cj, mostRecent, zone));
        recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata?.name ?? ''}`);
      } catch (err) {
        if (!isAlreadyExists(err)) {
          recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
          throw err;
        }
        // Created earlier, but the status write that should have followed was lost.
        created = await jobs.get(cj.metadata?.namespace ?? '', name);
        if (!isControlledBy(created, cj)) return null;
        if ((status.active ?? []).some((r) => r.uid === created.metadata?.uid)) return null;
      }
      status.active = [...(status.active ?? []), refTo(created)];
      status.lastScheduleTime = rfc3339(mostRecent);
      return nextScheduleDelay({ ...cj, status }, now, sched);
    };

    const sync = async (key: string): Promise<void> => {
      const cached = cronInformer.get(key);
      if (!cached) return;
      const children = jobInformer
        .byIndex(BY_CONTROLLER_UID, cached.metadata?.uid ?? '')
        .filter((j) => controllerOf(j)?.kind === 'CronJob');
      const status: CronJobStatus = structuredClone(cached.status ?? {});
      const before = JSON.stringify(status);
      let next: number | null = null;
      let failure: unknown;
      try {
        await reconcileActive(cached, status, children);
        if (!cached.metadata?.deletionTimestamp) {
          await cleanupFinished(cached, status, children);
          next = await schedule(cached, status);
        }
      } catch (err) {
        failure = err;
      }
      if (JSON.stringify(status) !== before) await cronjobs.updateStatus({ ...cached, status });
      if (failure) throw failure;
      if (next !== null) queue.addAfter(key, Math.max(1, Math.min(next, maxWaitMs)));
    };

    return queueController(NAME, queue, ctx.options.concurrentSyncs, sync);
  };
}

export const createCronJobController: ControllerFactory = cronJobController();
