import { describe, expect, it } from 'vitest';
import { makeDeployment, makeRS } from './testing';
import {
  findActiveOrLatest,
  findNewReplicaSet,
  findOldReplicaSets,
  getProportion,
  isSaturated,
  maxSurge,
  maxUnavailable,
  newRSNewReplicas,
  resolveFenceposts,
  valueFromIntOrPercent,
} from './util';

describe('valueFromIntOrPercent', () => {
  it.each([
    [3, 10, true, 3],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['100%', 7, false, 7],
    ['nonsense', 10, true, 0],
    [undefined, 10, true, 0],
  ])('%j of %i (round up %s) = %i', (v, total, up, want) => {
    expect(valueFromIntOrPercent(v, total, up)).toBe(want);
  });
});

describe('resolveFenceposts (surge rounds up, unavailable down, never both 0)', () => {
  it.each([
    ['25%', '25%', 10, [3, 2]],
    ['25%', '25%', 1, [1, 0]],
    ['0%', '1%', 2, [0, 1]],
    ['1%', '0%', 2, [1, 0]],
    [0, 0, 5, [0, 1]],
    [3, 2, 10, [3, 2]],
  ])('surge %j unavailable %j of %i → %j', (surge, unavailable, desired, want) => {
    expect(resolveFenceposts(surge, unavailable, desired)).toEqual(want);
  });
});

describe('maxSurge / maxUnavailable of a deployment', () => {
  it.each([
    ['rolling 25%/25% of 10', makeDeployment('web').replicas(10).rolling('25%', '25%'), 3, 2],
    ['rolling, unavailable capped at replicas', makeDeployment('web').replicas(2).rolling(0, 5), 0, 2],
    ['rolling with 0 replicas', makeDeployment('web').replicas(0).rolling(1, 1), 1, 0],
    ['recreate', makeDeployment('web').replicas(10).recreate(), 0, 0],
  ])('%s', (_what, b, surge, unavailable) => {
    const d = b.obj();
    expect(maxSurge(d)).toBe(surge);
    expect(maxUnavailable(d)).toBe(unavailable);
  });
});

describe('newRSNewReplicas', () => {
  const d = makeDeployment('web').replicas(10).rolling(3, 2).obj();
  it.each([
    ['first step: surge only', [makeRS('old', { replicas: 10 })], 0, 3],
    ['room after old scaled down', [makeRS('old', { replicas: 8 })], 3, 5],
    ['at the surge limit', [makeRS('old', { replicas: 10 })], 3, 3],
    ['never beyond spec.replicas', [makeRS('old', { replicas: 0 })], 9, 10],
  ])('%s', (_what, olds, newSize, want) => {
    const newRS = makeRS('new', { replicas: newSize });
    expect(newRSNewReplicas(d, [...olds, newRS], newRS)).toBe(want);
  });

  it('scales a Recreate deployment to the full size at once', () => {
    const r = makeDeployment('web').replicas(4).recreate().obj();
    const newRS = makeRS('new');
    expect(newRSNewReplicas(r, [newRS], newRS)).toBe(4);
  });
});

describe('findNewReplicaSet / findOldReplicaSets', () => {
  const d = makeDeployment('web').obj();
  const template = makeRS('x', { image: 'busybox:2' }).spec?.template;
  if (d.spec && template) d.spec.template = template;
  const old = makeRS('web-1', { image: 'busybox:1', created: 1000 });
  const newer = makeRS('web-2', { image: 'busybox:2', created: 3000 });
  const newest = makeRS('web-3', { image: 'busybox:2', created: 2000 });
  it('picks the oldest ReplicaSet with the same template; the rest are old', () => {
    expect(findNewReplicaSet(d, [old, newer, newest])?.metadata?.name).toBe('web-3');
    expect(findOldReplicaSets(d, [old, newer, newest]).map((rs) => rs.metadata?.name)).toEqual([
      'web-1',
      'web-2',
    ]);
  });
  it('finds none when no template matches', () => {
    expect(findNewReplicaSet(d, [old])).toBeUndefined();
  });
});

describe('findActiveOrLatest', () => {
  it.each([
    ['the only active one', makeRS('n', { replicas: 0 }), [makeRS('o', { replicas: 2 })], 'o'],
    ['the new one when none is active', makeRS('n'), [makeRS('o', { created: 5000 })], 'n'],
    [
      'the newest old one without a new one',
      undefined,
      [makeRS('a', { created: 1 }), makeRS('b', { created: 9000 })],
      'b',
    ],
    ['nothing when two are active', makeRS('n', { replicas: 1 }), [makeRS('o', { replicas: 1 })], undefined],
  ])('%s', (_what, newRS, olds, want) => {
    expect(findActiveOrLatest(newRS, olds)?.metadata?.name).toBe(want);
  });
});

describe('getProportion (proportional scaling)', () => {
  const d = makeDeployment('web').replicas(15).rolling(3, 2).obj();
  const ann = (max: number) => ({ 'deployment.kubernetes.io/max-replicas': String(max) });
  it.each([
    ['old RS of 8 in 13 grows to 11 of 18', makeRS('o', { replicas: 8, annotations: ann(13) }), 5, 0, 3],
    ['new RS of 5 in 13 takes the remaining 2', makeRS('n', { replicas: 5, annotations: ann(13) }), 5, 3, 2],
    ['never more than what is left', makeRS('n', { replicas: 5, annotations: ann(13) }), 5, 4, 1],
    ['an empty ReplicaSet gets nothing', makeRS('z', { replicas: 0, annotations: ann(13) }), 5, 0, 0],
  ])('%s', (_what, rs, toAdd, added, want) => {
    expect(getProportion(rs, d, toAdd, added)).toBe(want);
  });

  it('scales down proportionally too, bounded by what is left to remove', () => {
    const small = makeDeployment('web').replicas(5).rolling(3, 2).obj(); // allowed 8
    const rs = makeRS('o', { replicas: 8, annotations: ann(13) });
    expect(getProportion(rs, small, -5, 0)).toBe(-3); // round(8*8/13)=5 → -3
    expect(getProportion(rs, small, -5, -4)).toBe(-1);
  });

  it('removes everything when the deployment goes to 0', () => {
    const zero = makeDeployment('web').replicas(0).obj();
    expect(getProportion(makeRS('o', { replicas: 4 }), zero, -4, 0)).toBe(-4);
  });
});

describe('isSaturated', () => {
  const d = makeDeployment('web').replicas(3).obj();
  const desired = { 'deployment.kubernetes.io/desired-replicas': '3' };
  it.each([
    [
      'size, annotation and availability all 3',
      makeRS('n', { replicas: 3, available: 3, annotations: desired }),
      true,
    ],
    ['not all available', makeRS('n', { replicas: 3, available: 2, annotations: desired }), false],
    ['no desired-replicas annotation', makeRS('n', { replicas: 3, available: 3 }), false],
    ['no new ReplicaSet', undefined, false],
  ])('%s', (_what, rs, want) => {
    expect(isSaturated(d, rs)).toBe(want);
  });
});
