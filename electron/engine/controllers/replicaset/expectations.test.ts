import { describe, expect, it } from 'vitest';
import { EXPECTATIONS_TTL_MS, Expectations } from './expectations';

describe('Expectations', () => {
  it('is satisfied when nothing is expected', () => {
    expect(new Expectations().satisfied('ns/a')).toBe(true);
  });

  it('waits for every expected creation', () => {
    const e = new Expectations();
    e.expectCreations('ns/a', 3);
    e.creationObserved('ns/a');
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(false);
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('counts each expected deletion once, by pod key', () => {
    const e = new Expectations();
    e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/other');
    expect(e.satisfied('ns/a')).toBe(false);
    expect(e.pending('ns/a')).toEqual({ add: 0, del: 1 });
    e.deletionObserved('ns/a', 'ns/p2');
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('gives up waiting after the TTL, so a lost event cannot stall a controller', () => {
    let now = 1_000;
    const e = new Expectations(() => now);
    e.expectCreations('ns/a', 1);
    now += EXPECTATIONS_TTL_MS;
    expect(e.satisfied('ns/a')).toBe(false);
    now += 1;
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('keeps keys apart and forgets deleted ones', () => {
    const e = new Expectations();
    e.expectCreations('ns/a', 1);
    e.expectCreations('ns/b', 1);
    e.creationObserved('ns/b');
    expect([e.satisfied('ns/a'), e.satisfied('ns/b')]).toEqual([false, true]);
    e.delete('ns/a');
    expect(e.satisfied('ns/a')).toBe(true);
  });
});
