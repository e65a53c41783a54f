import type { Job } from 'kubernetes-types/batch/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import { TestClock } from '../cronjob/test-clock';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { ttlAfterFinishedController } from './ttl-after-finished';

const NS = 'default';
const clock = new TestClock('2024-05-01T10:00:00Z');
let t: ControllerTest;
const jobs = () => t.client.resource<Job>(R.jobs);

beforeAll(async () => {
  t = await startControllerTest([ttlAfterFinishedController({ maxWaitMs: 100 })], { now: clock.now });
});
afterAll(async () => {
  await t.stop();
});

/** A job whose status says it finished at `at` (written by the test, as the Job controller would). */
async function finishedJob(name: string, ttl: number | undefined, type: 'Complete' | 'Failed', at: string) {
  const job = await jobs().create(NS, {
    metadata: { name },
    spec: {
      ttlSecondsAfterFinished: ttl,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
    },
  });
  return jobs().updateStatus({
    ...job,
    status: {
      startTime: at,
      completionTime: type === 'Complete' ? at : undefined,
      conditions: [{ type, status: 'True', lastTransitionTime: at, lastProbeTime: at }],
    },
  });
}

const isDeleting = async (name: string) => Boolean((await jobs().get(NS, name)).metadata?.deletionTimestamp);

describe('ttl-after-finished controller', () => {
  it('deletes finished jobs (Foreground, as Kubernetes) only once their TTL has run out', async () => {
    await finishedJob('done', 60, 'Complete', '2024-05-01T10:00:00Z');
    await finishedJob('broken', 120, 'Failed', '2024-05-01T10:00:00Z');
    await finishedJob('keep', undefined, 'Complete', '2024-05-01T10:00:00Z');
    clock.advance(30_000);
    // Give the controller a few wake-ups at this time before asserting nothing happened.
    await new Promise((r) => setTimeout(r, 400));
    expect(await isDeleting('done')).toBe(false);
    clock.advance(31_000);
    await waitFor('done deleted', () => isDeleting('done'));
    const done = await jobs().get(NS, 'done');
    expect(done.metadata?.finalizers).toContain('foregroundDeletion');
    expect(await isDeleting('broken')).toBe(false);
    clock.advance(60_000);
    await waitFor('broken deleted', () => isDeleting('broken'));
    expect(await isDeleting('keep')).toBe(false);
  });

  it('re-reads the TTL before deleting: a raised TTL postpones the deletion', async () => {
    await finishedJob('raised', 10, 'Complete', clock.now().toISOString());
    await jobs().patch(NS, 'raised', 'merge', { spec: { ttlSecondsAfterFinished: 1000 } });
    clock.advance(20_000);
    await new Promise((r) => setTimeout(r, 400));
    expect(await isDeleting('raised')).toBe(false);
    clock.advance(1000_000);
    await waitFor('raised deleted', () => isDeleting('raised'));
  });
});
