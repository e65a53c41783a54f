import type { Job } from 'kubernetes-types/batch/v1';
import type { Event, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { TestClock } from '../cronjob/test-clock';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { jobController } from './job-controller';
import { COMPLETION_INDEX_ANNOTATION, JOB_TRACKING_FINALIZER } from './job-util';
import { setPodState } from './test-pods';

/** Fixture builder for Jobs. */
function makeJob(name: string) {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
      },
    },
  };
  const spec = job.spec as NonNullable<Job['spec']>;
  const b = {
    completions(n: number | undefined) {
      spec.completions = n;
      return b;
    },
    parallelism(n: number) {
      spec.parallelism = n;
      return b;
    },
    backoffLimit(n: number) {
      spec.backoffLimit = n;
      return b;
    },
    deadline(s: number) {
      spec.activeDeadlineSeconds = s;
      return b;
    },
    suspend(v = true) {
      spec.suspend = v;
      return b;
    },
    indexed() {
      spec.completionMode = 'Indexed';
      return b;
    },
    obj: () => job,
  };
  return b;
}

const NS = 'default';
const clock = new TestClock('2024-05-01T10:00:00Z');
let t: ControllerTest;
let client: KubeClient;
const jobs = () => client.resource<Job>(R.jobs);
const pods = () => client.resource<Pod>(R.pods);

beforeAll(async () => {
  t = await startControllerTest([jobController({ podFailureBackoffMs: 0, maxWaitMs: 100 })], {
    now: clock.now,
  });
  client = t.client;
});
afterAll(async () => {
  await t.stop();
});

async function podsOf(job: string): Promise<Pod[]> {
  const list = await pods().list(NS, { labelSelector: `batch.kubernetes.io/job-name=${job}` });
  return list.items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
}
const live = (list: Pod[]) => list.filter((p) => !p.status?.phase || p.status.phase === 'Pending');
async function waitForLivePods(job: string, n: number): Promise<Pod[]> {
  return waitFor(`${n} live pods of ${job}`, async () => {
    const l = live(await podsOf(job)).filter((p) => !p.metadata?.deletionTimestamp);
    return l.length === n ? l : undefined;
  });
}
async function finish(pod: Pod, phase: 'Succeeded' | 'Failed') {
  await setPodState(client, NS, pod.metadata?.name ?? '', { phase });
}
const condition = (job: Job, type: string) => job.status?.conditions?.find((c) => c.type === type);
async function waitForCondition(name: string, type: string): Promise<Job> {
  return waitFor(`job ${name} condition ${type}`, async () => {
    const job = await jobs().get(NS, name);
    return condition(job, type)?.status === 'True' ? job : undefined;
  });
}
async function eventsFor(name: string): Promise<Event[]> {
  return (await client.resource<Event>(R.events).list(NS)).items.filter(
    (e) => e.involvedObject.name === name,
  );
}

describe('job controller', () => {
  it('runs completions with bounded parallelism, counts through the tracking finalizer, completes', async () => {
    await jobs().create(NS, makeJob('pi').completions(3).parallelism(2).obj());
    const first = await waitForLivePods('pi', 2);
    for (const p of first) {
      expect(p.metadata?.finalizers).toContain(JOB_TRACKING_FINALIZER);
      expect(p.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'pi', controller: true });
      expect(p.metadata?.labels?.['batch.kubernetes.io/job-name']).toBe('pi');
      expect(p.metadata?.generateName).toBe('pi-');
    }
    await waitFor('active=2', async () => (await jobs().get(NS, 'pi')).status?.active === 2);
    await finish(first[0] as Pod, 'Succeeded');
    // One done, one running: a third pod starts, never more than parallelism.
    const second = await waitForLivePods('pi', 2);
    expect(second.map((p) => p.metadata?.name)).not.toContain(first[0]?.metadata?.name);
    for (const p of second) await finish(p, 'Succeeded');
    const done = await waitForCondition('pi', 'Complete');
    expect(done.status?.succeeded).toBe(3);
    expect(done.status?.failed ?? 0).toBe(0);
    expect(done.status?.active).toBe(0);
    expect(done.status?.completionTime).toBeTruthy();
    expect(done.status?.startTime).toBe('2024-05-01T10:00:00Z');
    expect(condition(done, 'SuccessCriteriaMet')?.reason).toBe('CompletionsReached');
    expect(done.status?.uncountedTerminatedPods?.succeeded ?? []).toEqual([]);
    // Counted pods lose the finalizer, so they can be deleted.
    await waitFor('finalizers removed', async () =>
      (await podsOf('pi')).every((p) => !p.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER)),
    );
    const events = await waitFor('Completed event', async () => {
      const e = await eventsFor('pi');
      return e.some((x) => x.reason === 'Completed') ? e : undefined;
    });
    expect(events.filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.message)).toHaveLength(3);
    expect(events.find((e) => e.reason === 'SuccessfulCreate')?.message).toMatch(/^Created pod: pi-/);
  });

  it('replaces failed pods until backoffLimit is exceeded, then fails the job', async () => {
    await jobs().create(NS, makeJob('flaky').completions(1).backoffLimit(1).obj());
    const [p1] = await waitForLivePods('flaky', 1);
    await finish(p1 as Pod, 'Failed');
    const [p2] = await waitFor('a replacement pod', async () => {
      const l = await waitForLivePods('flaky', 1);
      return l[0]?.metadata?.name !== p1?.metadata?.name ? l : undefined;
    });
    await finish(p2 as Pod, 'Failed');
    const failed = await waitForCondition('flaky', 'Failed');
    expect(condition(failed, 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(condition(failed, 'FailureTarget')?.status).toBe('True');
    expect(failed.status?.failed).toBe(2);
    expect(failed.status?.completionTime).toBeUndefined();
    await waitFor('BackoffLimitExceeded event', async () =>
      (await eventsFor('flaky')).some((e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning'),
    );
  });

  it('fails a job active longer than activeDeadlineSeconds and removes its pods', async () => {
    await jobs().create(NS, makeJob('slow').completions(2).parallelism(2).deadline(30).obj());
    await waitForLivePods('slow', 2);
    clock.advance(31_000);
    const failed = await waitForCondition('slow', 'Failed');
    expect(condition(failed, 'Failed')?.reason).toBe('DeadlineExceeded');
    expect(failed.status?.active).toBe(0);
    // The running pods were deleted, counted as failed, and (unbound) are gone.
    expect(failed.status?.failed).toBe(2);
    await waitFor('pods gone', async () => (await podsOf('slow')).length === 0);
  });

  it('suspends (no pods, Suspended=True) and resumes (pods, Suspended=False, new startTime)', async () => {
    await jobs().create(NS, makeJob('later').completions(2).parallelism(2).suspend().obj());
    const suspended = await waitForCondition('later', 'Suspended');
    expect(condition(suspended, 'Suspended')?.reason).toBe('JobSuspended');
    expect(suspended.status?.startTime).toBeUndefined();
    expect(await podsOf('later')).toHaveLength(0);
    clock.advance(5_000);
    await jobs().patch(NS, 'later', 'merge', { spec: { suspend: false } });
    await waitForLivePods('later', 2);
    const resumed = await waitFor('Suspended=False', async () => {
      const j = await jobs().get(NS, 'later');
      return condition(j, 'Suspended')?.status === 'False' ? j : undefined;
    });
    expect(condition(resumed, 'Suspended')?.reason).toBe('JobResumed');
    expect(resumed.status?.startTime).toBe(
      clock
        .now()
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
    );
    // Suspending again deletes the running pods without counting them as failures.
    await jobs().patch(NS, 'later', 'merge', { spec: { suspend: true } });
    await waitFor('pods deleted', async () => (await podsOf('later')).length === 0);
    const again = await waitForCondition('later', 'Suspended');
    expect(again.status?.failed ?? 0).toBe(0);
    expect(again.status?.active).toBe(0);
    const reasons = (await eventsFor('later')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Suspended', 'Resumed', 'SuccessfulDelete']));
  });

  it('gives indexed pods their index, hostname and JOB_COMPLETION_INDEX; tracks completedIndexes', async () => {
    await jobs().create(NS, makeJob('idx').completions(3).parallelism(3).indexed().obj());
    const list = await waitForLivePods('idx', 3);
    const byIndex = new Map(list.map((p) => [p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION], p]));
    expect([...byIndex.keys()].sort()).toEqual(['0', '1', '2']);
    const p1 = byIndex.get('1') as Pod;
    expect(p1.metadata?.generateName).toBe('idx-1-');
    expect(p1.spec?.hostname).toBe('idx-1');
    expect(p1.metadata?.labels?.[COMPLETION_INDEX_ANNOTATION]).toBe('1');
    expect(p1.spec?.containers[0]?.env).toContainEqual({
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: {
        fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` },
      },
    });
    await finish(p1, 'Succeeded');
    await waitFor(
      'completedIndexes=1',
      async () => (await jobs().get(NS, 'idx')).status?.completedIndexes === '1',
    );
    // A failed index is retried with the same index.
    await finish(byIndex.get('2') as Pod, 'Failed');
    const retried = await waitFor('index 2 again', async () => {
      const l = live(await podsOf('idx')).filter(
        (p) => p.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION] === '2',
      );
      return l.length === 1 && l[0]?.metadata?.uid !== byIndex.get('2')?.metadata?.uid ? l[0] : undefined;
    });
    await finish(byIndex.get('0') as Pod, 'Succeeded');
    await finish(retried, 'Succeeded');
    const done = await waitForCondition('idx', 'Complete');
    expect(done.status?.completedIndexes).toBe('0-2');
    expect(done.status?.succeeded).toBe(3);
    expect(done.status?.failed).toBe(1);
  });

  it('removes the tracking finalizer from the pods of a deleted job', async () => {
    await jobs().create(NS, makeJob('gone').completions(1).obj());
    const [p] = await waitForLivePods('gone', 1);
    await jobs().delete(NS, 'gone', { propagationPolicy: 'Orphan' });
    await waitFor('finalizer removed', async () => {
      const cur = await pods().get(NS, p?.metadata?.name ?? '');
      return !cur.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER);
    });
  });

  it('runs a work-queue job (no completions) until one pod succeeds and the rest finish', async () => {
    await jobs().create(NS, makeJob('queue').completions(undefined).parallelism(2).obj());
    const [a, b] = await waitForLivePods('queue', 2);
    await finish(a as Pod, 'Succeeded');
    // No replacement starts after a success; the job waits for the other pod.
    await waitFor('succeeded=1', async () => (await jobs().get(NS, 'queue')).status?.succeeded === 1);
    expect(condition(await jobs().get(NS, 'queue'), 'Complete')).toBeUndefined();
    expect(live(await podsOf('queue'))).toHaveLength(1);
    await finish(b as Pod, 'Succeeded');
    const done = await waitForCondition('queue', 'Complete');
    expect(done.status?.succeeded).toBe(2);
  });
});
