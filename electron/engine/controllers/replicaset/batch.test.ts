import { describe, expect, it } from 'vitest';
import { settleLimit, slowStartBatch } from './batch';

describe('slowStartBatch', () => {
  it.each([
    // count, failing call (1-based) or 0, expected successes, expected calls
    [0, 0, 0, 0],
    [10, 0, 10, 10],
    [10, 1, 0, 1], // the first batch (1 call) fails: nothing more is tried
    [10, 2, 2, 3], // batch 2 (calls 2-3) has a failure: batch 1's success and call 3 count
    [10, 5, 6, 7], // batches 1, 2 ok (calls 1-3); batch 3 (calls 4-7) has one failure
  ])('count %d failing at call %d → %d successes', async (count, failAt, successes, calls) => {
    let n = 0;
    const result = await slowStartBatch(count, 1, async () => {
      n++;
      if (n === failAt) throw new Error('nope');
    });
    expect(result.successes).toBe(successes);
    expect(n).toBe(calls);
    expect(result.error === undefined).toBe(failAt === 0);
  });

  it('grows batches 1, 2, 4, … and never runs more than the limit at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const r = await slowStartBatch(
      100,
      1,
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((res) => setImmediate(res));
        inFlight--;
      },
      8,
    );
    expect(r.successes).toBe(100);
    expect(peak).toBe(8);
  });
});

describe('settleLimit', () => {
  it('keeps results in order and reports failures without rejecting', async () => {
    const out = await settleLimit([1, 2, 3, 4], 2, async (x) => {
      if (x === 3) throw new Error('three');
      return x * 10;
    });
    expect(out.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      'three',
      40,
    ]);
  });
});
