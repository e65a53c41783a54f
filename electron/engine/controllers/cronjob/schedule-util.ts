/**
 * The CronJob controller's time arithmetic (pkg/controller/cronjob/utils.go): which scheduled
 * time is due, how many were missed, when to look again, and the Job a schedule produces.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1';
import { newControllerRef } from '../util/owners';
import { type Schedule, wallTime } from './cron';

/** Same as the controller's nextScheduleDelta: wake up just after the scheduled time. */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this earn a TooManyMissedTimes warning. */
export const MANY_MISSED = 100;
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

export type Missed = 'none' | 'few' | 'many';

export interface MostRecent {
  earliest: number;
  /** The latest scheduled time not after now, if one is due. */
  mostRecent: number | null;
  missed: Missed;
}

/**
 * mostRecentScheduleTime: from the last schedule time (or the CronJob's creation), the latest
 * activation not after `now`. With `withDeadline`, times older than startingDeadlineSeconds are
 * not considered. The count of missed runs is estimated from the interval between two runs, as
 * Kubernetes does, so a controller that was down for years does not iterate over every minute.
 */
export function mostRecentScheduleTime(
  cj: CronJob,
  now: number,
  sched: Schedule,
  withDeadline: boolean,
): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata?.creationTimestamp ?? '') || now;
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (withDeadline && deadline !== undefined && deadline !== null) {
    earliest = Math.max(earliest, now - deadline * 1000);
  }
  const t1 = sched.next(new Date(earliest))?.getTime();
  if (t1 === undefined || now < t1) return { earliest, mostRecent: null, missed: 'none' };
  const t2 = sched.next(new Date(t1))?.getTime();
  if (t2 === undefined || now < t2) return { earliest, mostRecent: t1, missed: 'few' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, mostRecent: null, missed: 'none' };
  const missedCount = Math.floor((now - t1) / 1000 / between) + 1;
  // Jump close to now, one interval early, then let the schedule find the exact time (needed
  // for irregular schedules such as "30 6-16/4 * * 1-5").
  let t = sched.next(new Date(t1 + (missedCount - 2) * between * 1000))?.getTime();
  let mostRecent: number | null = null;
  for (let guard = 0; t !== undefined && t <= now && guard < 10_000; guard++) {
    mostRecent = t;
    t = sched.next(new Date(t))?.getTime();
  }
  return { earliest, mostRecent, missed: missedCount > MANY_MISSED ? 'many' : 'few' };
}

/** nextScheduleTimeDuration: how long until the controller should look at this CronJob again. */
export function nextScheduleDelay(cj: CronJob, now: number, sched: Schedule): number | null {
  const r = mostRecentScheduleTime(cj, now, sched, false);
  const from = r.mostRecent ?? (r.missed === 'none' ? r.earliest : now);
  const next = sched.next(new Date(from));
  return next ? next.getTime() + NEXT_SCHEDULE_DELTA_MS - now : null;
}

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobName(cj: CronJob, scheduled: number): string {
  return `${cj.metadata?.name ?? ''}-${Math.floor(scheduled / 60_000)}`;
}

/** Go's time.RFC3339 of `instant` in `zone`: `2024-05-01T09:00:00+09:00`, or `…Z` at UTC. */
export function rfc3339InZone(instant: number, zone: string): string {
  const wall = wallTime(instant, zone);
  const offsetMin = Math.round((wall - instant) / 60_000);
  const base = new Date(wall).toISOString().replace(/\.\d+Z$/, '');
  if (offsetMin === 0) return `${base}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${base}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** getJobFromTemplate2: the Job for one scheduled time. */
export function jobFromTemplate(cj: CronJob, scheduled: number, zone: string): Job {
  const tmpl = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduled),
      namespace: cj.metadata?.namespace,
      labels: { ...tmpl?.metadata?.labels },
      annotations: {
        ...tmpl?.metadata?.annotations,
        [SCHEDULED_TIMESTAMP_ANNOTATION]: rfc3339InZone(scheduled, zone),
      },
      ownerReferences: [newControllerRef(cj)],
    },
    spec: structuredClone(tmpl?.spec) ?? { template: {} },
  };
}

/** byJobStartTime: oldest first; jobs that never started last; ties by name. */
export function compareByStartTime(a: Job, b: Job): number {
  const sa = a.status?.startTime ? Date.parse(a.status.startTime) : Infinity;
  const sb = b.status?.startTime ? Date.parse(b.status.startTime) : Infinity;
  if (sa !== sb) return sa < sb ? -1 : 1;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}
