import { describe, expect, it } from 'vitest';
import {
  lastRevision,
  maxRevision,
  setDeploymentAnnotationsTo,
  setNewReplicaSetAnnotations,
} from './annotations';
import { makeDeployment, makeRS } from './testing';

const REV = 'deployment.kubernetes.io/revision';
const HISTORY = 'deployment.kubernetes.io/revision-history';

describe('maxRevision / lastRevision', () => {
  it.each([
    [[1, 2, 3], 3, 2],
    [[5], 5, 0],
    [[3, 3], 3, 3],
    [[], 0, 0],
  ])('revisions %j → max %i, last %i', (revs, max, last) => {
    const rss = revs.map((r, i) => makeRS(`rs-${i}`, { revision: r }));
    expect(maxRevision(rss)).toBe(max);
    expect(lastRevision(rss)).toBe(last);
  });

  it('skips unparsable revisions', () => {
    const rss = [makeRS('a', { revision: 2 }), makeRS('b', { annotations: { [REV]: 'x' } })];
    expect(maxRevision(rss)).toBe(2);
  });
});

describe('setNewReplicaSetAnnotations', () => {
  const d = makeDeployment('web')
    .replicas(3)
    .annotation('kubernetes.io/change-cause', 'kubectl set image')
    .annotation(REV, '7')
    .annotation('kubectl.kubernetes.io/last-applied-configuration', '{}')
    .obj();

  it('on creation: copies the deployment annotations except skipped ones, sets revision and replicas', () => {
    const rs = makeRS('new');
    expect(setNewReplicaSetAnnotations(d, rs, '4', false, { desired: 3, max: 4 })).toBe(true);
    expect(rs.metadata?.annotations).toEqual({
      'kubernetes.io/change-cause': 'kubectl set image',
      [REV]: '4',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
  });

  it('on rollback to an old ReplicaSet: raises its revision and records the old one in the history', () => {
    const rs = makeRS('old', { revision: 2, annotations: { [HISTORY]: '1' } });
    setNewReplicaSetAnnotations(d, rs, '5', true, { desired: 3, max: 4 });
    expect(rs.metadata?.annotations?.[REV]).toBe('5');
    expect(rs.metadata?.annotations?.[HISTORY]).toBe('1,2');
  });

  it('never lowers a revision, and reports no change when there is none', () => {
    const rs = makeRS('cur', {
      revision: 6,
      annotations: { 'kubernetes.io/change-cause': 'kubectl set image' },
    });
    expect(setNewReplicaSetAnnotations(d, rs, '5', true, { desired: 3, max: 4 })).toBe(false);
    expect(rs.metadata?.annotations?.[REV]).toBe('6');
  });

  it('drops the oldest history entries past the length limit', () => {
    const rs = makeRS('old', { revision: 40, annotations: { [HISTORY]: '10,20,30' } });
    setNewReplicaSetAnnotations(d, rs, '50', true, { desired: 3, max: 4 }, 9);
    expect(rs.metadata?.annotations?.[HISTORY]).toBe('20,30,40');
  });
});

describe('setDeploymentAnnotationsTo', () => {
  it('takes the ReplicaSet annotations but keeps the deployment-only ones', () => {
    const d = makeDeployment('web').annotation(REV, '3').annotation('kubernetes.io/change-cause', 'v3').obj();
    const rs = makeRS('old', {
      revision: 1,
      annotations: { 'kubernetes.io/change-cause': 'v1', other: 'x' },
    });
    setDeploymentAnnotationsTo(d, rs);
    expect(d.metadata?.annotations).toEqual({ [REV]: '3', 'kubernetes.io/change-cause': 'v1', other: 'x' });
  });
});
