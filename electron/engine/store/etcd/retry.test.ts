/** The retry policy: what is resent, and that every call ends within its budget. */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../types';
import { EtcdCallError } from './errors';
import { withRetry, type RetryPolicy } from './retry';
import { must } from '../testing/must';

const policy: RetryPolicy = {
  timeoutMs: 300,
  readAttemptTimeoutMs: 100,
  initialBackoffMs: 5,
  maxBackoffMs: 20,
};
const refused = () => new EtcdCallError(status.UNAVAILABLE, 'No connection established', 'http://a:2379');
const timedOut = () =>
  new EtcdCallError(status.UNAVAILABLE, 'etcdserver: request timed out', 'http://a:2379');

/** An attempt function failing with `errors` in turn, then answering 'ok'. */
function flaky(...errors: Error[]) {
  const calls: Date[] = [];
  const fn = (deadline: Date) => {
    calls.push(deadline);
    const err = errors.shift();
    return err ? Promise.reject(err) : Promise.resolve('ok');
  };
  return { fn, calls };
}

describe('withRetry', () => {
  it('resends a read after any transient failure', async () => {
    const { fn, calls } = flaky(refused(), timedOut());
    await expect(withRetry('read', policy, fn)).resolves.toBe('ok');
    expect(calls).toHaveLength(3);
  });

  it('resends a write only when it cannot have been applied', async () => {
    const ok = flaky(refused(), refused());
    await expect(withRetry('write', policy, ok.fn)).resolves.toBe('ok');
    expect(ok.calls).toHaveLength(3);
    const unknown = flaky(timedOut());
    await expect(withRetry('write', policy, unknown.fn)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(/no quorum.*may or may not have been applied/),
    });
    expect(unknown.calls).toHaveLength(1);
  });

  it('passes answers through at once', async () => {
    const answer = new EtcdCallError(
      status.NOT_FOUND,
      'etcdserver: requested lease not found',
      'http://a:2379',
    );
    const { fn, calls } = flaky(answer);
    await expect(withRetry('read', policy, fn)).rejects.toMatchObject({ code: 'lease-not-found' });
    expect(calls).toHaveLength(1);
    const closed = flaky(new StoreError('closed', 'the store is closed'));
    await expect(withRetry('read', policy, closed.fn)).rejects.toMatchObject({ code: 'closed' });
  });

  it('gives up with unavailable within the budget', async () => {
    const started = Date.now();
    const fn = () => Promise.reject(refused());
    await expect(withRetry('write', policy, fn)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringMatching(
        /^the etcd cluster is unreachable after 0\.\d s \(tried http:\/\/a:2379/,
      ),
    });
    expect(Date.now() - started).toBeLessThan(policy.timeoutMs + 100);
  });

  it('bounds each read attempt, and a write by the whole budget', async () => {
    const read = flaky();
    const t0 = Date.now();
    await withRetry('read', policy, read.fn);
    expect(must(read.calls[0]).getTime() - t0).toBeLessThanOrEqual(policy.readAttemptTimeoutMs + 5);
    const write = flaky();
    await withRetry('write', policy, write.fn);
    expect(must(write.calls[0]).getTime() - t0).toBeGreaterThan(policy.readAttemptTimeoutMs);
  });
});
