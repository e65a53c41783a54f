import type { CronJob, Job } from 'kubernetes-types/batch/v1';
import type { Event } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { cronJobController } from './cronjob-controller';
import { SCHEDULED_TIMESTAMP_ANNOTATION } from './schedule-util';
import { TestClock } from './test-clock';

const NS = 'default';
const MIN = 60_000;
/**
 * The clock starts 10 s into a minute one to two minutes after the real time: CronJobs count
 * from their creationTimestamp, which the API server sets from the real clock, so the first
 * scheduled minute must come after the first CronJob's creation (a minute of slack for the
 * cluster to start) and before the clock.
 */
const start = Math.ceil(Date.now() / MIN) * MIN + MIN + 10_000;
const clock = new TestClock(new Date(start));
let t: ControllerTest;
const cronjobs = () => t.client.resource<CronJob>(R.cronjobs);
const jobs = () => t.client.resource<Job>(R.jobs);

beforeAll(async () => {
  t = await startControllerTest([cronJobController({ maxWaitMs: 100 })], { now: clock.now });
});
afterAll(async () => {
  await t.stop();
});

/** Fixture builder for CronJobs. */
function makeCronJob(name: string, schedule: string) {
  const cj: CronJob = {
    metadata: { name },
    spec: {
      schedule,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
    },
  };
  const spec = cj.spec as NonNullable<CronJob['spec']>;
  const b = {
    policy(p: 'Allow' | 'Forbid' | 'Replace') {
      spec.concurrencyPolicy = p;
      return b;
    },
    deadline(s: number) {
      spec.startingDeadlineSeconds = s;
      return b;
    },
    suspend(v = true) {
      spec.suspend = v;
      return b;
    },
    zone(tz: string) {
      spec.timeZone = tz;
      return b;
    },
    history(successful: number, failed: number) {
      spec.successfulJobsHistoryLimit = successful;
      spec.failedJobsHistoryLimit = failed;
      return b;
    },
    obj: () => cj,
  };
  return b;
}

const minuteOf = (ms: number) => Math.floor(ms / MIN);
async function jobNames(cj: string): Promise<string[]> {
  const list = await jobs().list(NS);
  return list.items
    .filter((j) => j.metadata?.ownerReferences?.some((r) => r.name === cj) && !j.metadata.deletionTimestamp)
    .map((j) => j.metadata?.name ?? '')
    .sort();
}
async function waitForJobs(cj: string, names: string[]): Promise<void> {
  await waitFor(`jobs ${names.join(',')}`, async () => {
    const got = await jobNames(cj);
    return JSON.stringify(got) === JSON.stringify([...names].sort());
  });
}
async function eventReasons(name: string): Promise<string[]> {
  const list = await t.client.resource<Event>(R.events).list(NS);
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason ?? '');
}
async function waitForEvent(name: string, reason: string) {
  await waitFor(`${reason} event for ${name}`, async () => (await eventReasons(name)).includes(reason));
}
/** Writes a terminal condition on a Job, as the Job controller would. */
async function finishJob(name: string, type: 'Complete' | 'Failed') {
  const job = await jobs().get(NS, name);
  const at = clock
    .now()
    .toISOString()
    .replace(/\.\d+Z$/, 'Z');
  await jobs().updateStatus({
    ...job,
    status: {
      startTime: job.metadata?.creationTimestamp,
      completionTime: type === 'Complete' ? at : undefined,
      conditions: [{ type, status: 'True', lastTransitionTime: at }],
    },
  });
}
/** Sleeps a few of the controller's wake-ups, before checking that nothing happened. */
const settle = () => new Promise((r) => setTimeout(r, 400));

describe('cronjob controller', () => {
  it('creates one Job per scheduled minute, named by the minute, and tracks it in status', async () => {
    await cronjobs().create(NS, makeCronJob('every', '* * * * *').obj());
    // Minute boundaries after creation have passed on the test clock: the latest runs now.
    const first = `every-${minuteOf(start - 10_000)}`;
    await waitForJobs('every', [first]);
    const job = await jobs().get(NS, first);
    expect(job.metadata?.labels?.app).toBe('every');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      name: 'every',
      controller: true,
    });
    const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe(
      zone === 'UTC' || zone === 'Etc/UTC'
        ? new Date(start - 10_000).toISOString().replace('.000Z', 'Z')
        : expect.any(String),
    );
    const cj = await waitFor('status', async () => {
      const c = await cronjobs().get(NS, 'every');
      return c.status?.active?.length === 1 ? c : undefined;
    });
    expect(cj.status?.active?.[0]).toMatchObject({ kind: 'Job', name: first, uid: job.metadata?.uid });
    expect(Date.parse(cj.status?.lastScheduleTime ?? '')).toBe(start - 10_000);
    await settle();
    expect(await jobNames('every')).toEqual([first]);
    // Allow: the next minute starts another Job even though the first still runs.
    clock.advance(MIN);
    await waitForJobs('every', [first, `every-${minuteOf(start - 10_000) + 1}`]);
    await waitForEvent('every', 'SuccessfulCreate');
    await cronjobs().patch(NS, 'every', 'merge', { spec: { suspend: true } });
  });

  it('Forbid skips a run while one is active; completion clears active and sets lastSuccessfulTime', async () => {
    await cronjobs().create(NS, makeCronJob('forbid', '* * * * *').policy('Forbid').obj());
    const base = minuteOf(clock.now().getTime());
    const [first] = await waitFor('first job', async () => {
      const n = await jobNames('forbid');
      return n.length === 1 ? n : undefined;
    });
    clock.advance(MIN);
    await waitForEvent('forbid', 'JobAlreadyActive');
    expect(await jobNames('forbid')).toHaveLength(1);
    await finishJob(first as string, 'Complete');
    const cj = await waitFor('first job out of active', async () => {
      const c = await cronjobs().get(NS, 'forbid');
      return !(c.status?.active ?? []).some((r) => r.name === first) && c.status?.lastSuccessfulTime
        ? c
        : undefined;
    });
    expect(cj.status?.lastSuccessfulTime).toBe(
      clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    );
    await waitForEvent('forbid', 'SawCompletedJob');
    // The skipped run is still due (within its minute): it starts now.
    await waitForJobs('forbid', [first as string, `forbid-${base + 1}`]);
    await cronjobs().patch(NS, 'forbid', 'merge', { spec: { suspend: true } });
  });

  it('Replace deletes the running Job and starts the new one', async () => {
    await cronjobs().create(NS, makeCronJob('replace', '* * * * *').policy('Replace').obj());
    const [first] = await waitFor('first job', async () => {
      const n = await jobNames('replace');
      return n.length === 1 ? n : undefined;
    });
    clock.advance(MIN);
    const next = `replace-${minuteOf(clock.now().getTime())}`;
    await waitForJobs('replace', [next]);
    expect(next).not.toBe(first);
    await waitForEvent('replace', 'SuccessfulDelete');
    await cronjobs().patch(NS, 'replace', 'merge', { spec: { suspend: true } });
  });

  it('startingDeadlineSeconds: a run missed by more than the deadline is skipped', async () => {
    // Hourly, at minute 0 of the test clock's next hour.
    clock.set(new Date(Math.ceil(clock.now().getTime() / (60 * MIN)) * 60 * MIN + 30_000));
    const hour = clock.now().getTime() - 30_000;
    await cronjobs().create(NS, makeCronJob('late', '0 * * * *').deadline(60).obj());
    await waitForJobs('late', [`late-${minuteOf(hour)}`]);
    // Five minutes late for the next hour: outside the 60 s window.
    clock.set(new Date(hour + 65 * MIN));
    await settle();
    expect(await jobNames('late')).toEqual([`late-${minuteOf(hour)}`]);
    clock.set(new Date(hour + 120 * MIN + 10_000));
    await waitForJobs('late', [`late-${minuteOf(hour)}`, `late-${minuteOf(hour) + 120}`]);
    await cronjobs().patch(NS, 'late', 'merge', { spec: { suspend: true } });
  });

  it('suspend stops runs; too many missed runs warn and start only the most recent', async () => {
    await cronjobs().create(NS, makeCronJob('sleepy', '* * * * *').suspend().obj());
    const created = await cronjobs().get(NS, 'sleepy');
    // Pretend it last ran 200 minutes ago.
    const now = clock.now().getTime();
    await cronjobs().updateStatus({
      ...created,
      status: { lastScheduleTime: new Date(now - 200 * MIN).toISOString().replace(/\.\d+Z$/, 'Z') },
    });
    await settle();
    expect(await jobNames('sleepy')).toEqual([]);
    await cronjobs().patch(NS, 'sleepy', 'merge', { spec: { suspend: false } });
    await waitForJobs('sleepy', [`sleepy-${minuteOf(now)}`]);
    await waitForEvent('sleepy', 'TooManyMissedTimes');
    await cronjobs().patch(NS, 'sleepy', 'merge', { spec: { suspend: true } });
  });

  it('keeps successfulJobsHistoryLimit / failedJobsHistoryLimit finished jobs, oldest deleted first', async () => {
    await cronjobs().create(NS, makeCronJob('hist', '* * * * *').history(1, 1).obj());
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const name = `hist-${minuteOf(clock.now().getTime())}`;
      await waitFor(`job ${name}`, async () => (await jobNames('hist')).includes(name));
      names.push(name);
      if (i === 2) await cronjobs().patch(NS, 'hist', 'merge', { spec: { suspend: true } });
      await finishJob(name, i === 2 ? 'Failed' : 'Complete');
      clock.advance(MIN);
    }
    // Two succeeded (one kept: the newest), one failed (kept).
    await waitForJobs('hist', [names[1] as string, names[2] as string]);
  });

  it('schedules in spec.timeZone and stamps the scheduled time in that zone', async () => {
    // 09:00 in Tokyo is 00:00 UTC.
    const midnight = Math.ceil(clock.now().getTime() / (1440 * MIN)) * 1440 * MIN;
    clock.set(new Date(midnight - 30 * MIN));
    await cronjobs().create(NS, makeCronJob('tokyo', '0 9 * * *').zone('Asia/Tokyo').obj());
    await settle();
    expect(await jobNames('tokyo')).toEqual([]);
    clock.set(new Date(midnight + 20_000));
    const name = `tokyo-${minuteOf(midnight)}`;
    await waitForJobs('tokyo', [name]);
    const job = await jobs().get(NS, name);
    const day = new Date(midnight).toISOString().slice(0, 10);
    expect(job.metadata?.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION]).toBe(`${day}T09:00:00+09:00`);
    await cronjobs().patch(NS, 'tokyo', 'merge', { spec: { suspend: true } });
  });

  it('warns about an unknown time zone and creates nothing', async () => {
    await cronjobs().create(NS, makeCronJob('nowhere', '* * * * *').zone('Mars/Olympus_Mons').obj());
    await waitForEvent('nowhere', 'UnknownTimeZone');
    expect(await jobNames('nowhere')).toEqual([]);
  });

  it('kubectl create job --from=cronjob/<name> makes a Job from the template', async () => {
    await cronjobs().create(NS, makeCronJob('manual', '0 0 1 1 *').obj());
    const r = await t.cluster.kubectl(['create', 'job', 'manual-run', '--from=cronjob/manual']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const job = await jobs().get(NS, 'manual-run');
    expect(job.metadata?.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'manual' });
    // Not created by the controller: it says so, and leaves it out of status.active.
    await waitForEvent('manual', 'UnexpectedJob');
  });
});
