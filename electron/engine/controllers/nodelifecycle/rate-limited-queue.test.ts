import { describe, expect, it } from 'vitest';
import { RateLimitedTimedQueue, TokenBucket } from './rate-limited-queue';

describe('TokenBucket', () => {
  it('admits the burst at once, then qps per second', () => {
    const b = new TokenBucket(2, 1, 0);
    expect(b.tryAccept(0)).toBe(true);
    expect(b.tryAccept(100)).toBe(false);
    expect(b.tryAccept(500)).toBe(true);
    expect(b.tryAccept(600)).toBe(false);
  });

  it('rejects everything at qps 0', () => {
    expect(new TokenBucket(0, 1, 0).tryAccept(10_000)).toBe(false);
  });
});

describe('RateLimitedTimedQueue', () => {
  it('drains unique entries in order, at the limiter rate', async () => {
    let now = 0;
    const q = new RateLimitedTimedQueue(0.1, 1, () => now);
    expect(q.add('a', 'ua')).toBe(true);
    expect(q.add('b', 'ub')).toBe(true);
    expect(q.add('a', 'ua')).toBe(false);
    const done: string[] = [];
    const take = () =>
      q.tryEach(async (v) => {
        done.push(v);
        return { done: true };
      });
    await take();
    expect(done).toEqual(['a']);
    now = 5_000;
    await take();
    expect(done).toEqual(['a']);
    now = 10_000;
    await take();
    expect(done).toEqual(['a', 'b']);
    expect(q.size).toBe(0);
  });

  it('retries an entry after its delay, and swapping to 0 stops everything', async () => {
    let now = 0;
    const q = new RateLimitedTimedQueue(1000, 1, () => now);
    q.add('a', '');
    let calls = 0;
    const fn = async () => ({ done: ++calls > 1, retryAfterMs: 50 });
    await q.tryEach(fn);
    expect(calls).toBe(1);
    now = 10;
    await q.tryEach(fn);
    expect(calls).toBe(1);
    now = 60;
    await q.tryEach(fn);
    expect(calls).toBe(2);
    expect(q.has('a')).toBe(false);

    q.add('b', '');
    q.swapLimiter(0);
    now = 100_000;
    await q.tryEach(fn);
    expect(q.has('b')).toBe(true);
    // Back from "never", the new bucket starts drained (SwapLimiter), then fills at 1/s.
    q.swapLimiter(1);
    await q.tryEach(fn);
    expect(q.has('b')).toBe(true);
    now += 1_000;
    await q.tryEach(fn);
    expect(q.has('b')).toBe(false);
  });
});
