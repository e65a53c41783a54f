import { describe, expect, it } from 'vitest';
import { WorkQueue } from './workqueue';

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue({ name: 't' });
    const seen: string[] = [];
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    q.run(1, async (k) => {
      seen.push(k);
    });
    await tick(10);
    expect(seen).toEqual(['a', 'b']);
    await q.shutDown();
  });

  it('never hands one key to two workers; a key added while processing runs again after', async () => {
    const q = new WorkQueue({ name: 't' });
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    q.run(4, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      await tick(20);
      active--;
    });
    q.add('k');
    await tick(5);
    q.add('k');
    q.add('k');
    await tick(80);
    expect(maxActive).toBe(1);
    expect(runs).toBe(2);
    await q.shutDown();
  });

  it('retries a failing key with growing back-off and forgets it after success', async () => {
    const q = new WorkQueue({ name: 't', baseDelayMs: 5 });
    let attempts = 0;
    q.run(1, async () => {
      attempts++;
      if (attempts < 3) throw new Error('not yet');
    });
    q.add('k');
    await tick(100);
    expect(attempts).toBe(3);
    expect(q.numRequeues('k')).toBe(0);
    await q.shutDown();
  });

  it('addAfter keeps the earliest due time', async () => {
    const q = new WorkQueue({ name: 't' });
    const seen: number[] = [];
    const start = Date.now();
    q.run(1, async () => {
      seen.push(Date.now() - start);
    });
    q.addAfter('k', 2_000);
    q.addAfter('k', 10);
    await tick(60);
    expect(seen).toHaveLength(1);
    await q.shutDown();
  });

  it('shutDown waits for the key in progress and takes no more', async () => {
    const q = new WorkQueue({ name: 't' });
    let finished = false;
    q.run(1, async () => {
      await tick(30);
      finished = true;
    });
    q.add('k');
    await tick(5);
    await q.shutDown();
    expect(finished).toBe(true);
    q.add('later');
    expect(q.length).toBe(0);
  });
});
