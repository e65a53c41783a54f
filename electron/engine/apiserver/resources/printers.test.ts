import { describe, expect, it } from 'vitest';
import { humanDuration, since } from './printers';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (apimachinery duration.HumanDuration)', () => {
  it.each([
    [-3 * s, '<invalid>'],
    [-1 * s, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [3 * m + 12 * s, '3m12s'],
    [5 * m, '5m'],
    [42 * m + 30 * s, '42m'],
    [3 * h + 20 * m, '3h20m'],
    [5 * h, '5h'],
    [20 * h + 5 * m, '20h'],
    [2 * d + 3 * h, '2d3h'],
    [3 * d, '3d'],
    [100 * d + 5 * h, '100d'],
    [3 * 365 * d + 10 * d, '3y10d'],
    [9 * 365 * d, '9y'],
  ])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it('prints <unknown> without a timestamp', () => {
    expect(since(undefined, 0)).toBe('<unknown>');
    expect(since('2024-01-01T00:00:00Z', Date.parse('2024-01-01T00:01:30Z'))).toBe('90s');
  });
});
