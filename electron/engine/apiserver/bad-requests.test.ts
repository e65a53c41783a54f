import { describe, expect, it, vi } from 'vitest';
import type { Logger } from '../log';
import { BAD_REQUEST_THRESHOLD, BAD_REQUEST_WINDOW_MS, BadRequestMeter } from './bad-requests';

function meter() {
  const warn = vi.fn();
  let t = 0;
  const m = new BadRequestMeter({ warn } as unknown as Logger, () => t);
  return { m, warn, advance: (ms: number) => (t += ms) };
}

describe('BadRequestMeter', () => {
  it('reports a client once when it reaches the threshold within a window', () => {
    const { m, warn } = meter();
    for (let i = 0; i < BAD_REQUEST_THRESHOLD - 1; i++) m.record('bob', 401);
    expect(warn).not.toHaveBeenCalled();
    m.record('bob', 403);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({
      client: 'bob',
      refused: BAD_REQUEST_THRESHOLD,
      byCode: { 401: BAD_REQUEST_THRESHOLD - 1, 403: 1 },
    });
    m.record('bob', 403);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('counts clients apart and starts over each window', () => {
    const { m, warn, advance } = meter();
    for (let i = 0; i < BAD_REQUEST_THRESHOLD - 1; i++) {
      m.record('a', 400);
      m.record('b', 400);
    }
    advance(BAD_REQUEST_WINDOW_MS);
    m.record('a', 400);
    expect(warn).not.toHaveBeenCalled();
  });
});
