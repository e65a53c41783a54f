import type { ControllerRevision } from 'kubernetes-types/apps/v1';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  computeTemplateHash,
  controllerRevisionName,
  equalRevision,
  hashRevisionData,
  newControllerRevision,
  nextRevision,
  revisionTemplate,
  safeEncodeString,
  sortRevisions,
  templatePatch,
} from './revisions';

const rev = (
  name: string,
  revision: number,
  created = '2025-01-01T00:00:00Z',
  data: unknown = {},
): ControllerRevision => ({
  metadata: { name, creationTimestamp: created },
  revision,
  data: data as ControllerRevision['data'],
});

describe('revision names and hashes', () => {
  it('safe-encodes into the consonant-and-digit alphabet', () => {
    expect(safeEncodeString('0123456789')).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{10}$/);
    expect(safeEncodeString('0')).toBe('4'); // '0' is 48; 48 % 27 = 21, the 22nd symbol
  });

  it('hashes equal data equally whatever the key order, and differently per collision count', () => {
    const a = hashRevisionData({ spec: { a: 1, b: 2 } });
    expect(hashRevisionData({ spec: { b: 2, a: 1 } })).toBe(a);
    expect(hashRevisionData({ spec: { a: 1, b: 2 } }, 1)).not.toBe(
      hashRevisionData({ spec: { a: 1, b: 2 } }, 0),
    );
    expect(computeTemplateHash({ metadata: { labels: { x: 'y' } } })).toBe(
      computeTemplateHash({ metadata: { labels: { x: 'y' } } }),
    );
    expect(computeTemplateHash({}, 1)).not.toBe(computeTemplateHash({}, 2));
  });

  it('cuts long parent names to 223 characters', () => {
    expect(controllerRevisionName('x'.repeat(300), 'abc')).toBe(`${'x'.repeat(223)}-abc`);
    expect(controllerRevisionName('web', 'abc')).toBe('web-abc');
  });

  it('canonical JSON sorts keys at every depth but keeps array order', () => {
    expect(canonicalJson({ b: [2, 1], a: { d: 1, c: 2 } })).toBe('{"a":{"c":2,"d":1},"b":[2,1]}');
  });
});

describe('revision data', () => {
  it('stores a template-replacing patch and reads the template back', () => {
    const template = {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    };
    const patch = templatePatch(template);
    expect(patch).toEqual({ spec: { template: { ...template, $patch: 'replace' } } });
    expect(revisionTemplate(rev('r', 1, undefined, patch))).toEqual(template);
  });

  it('builds a revision owned by its parent with the template labels and hash label', () => {
    const parent = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
    };
    const cr = newControllerRevision(parent, { app: 'web' }, { x: 1 }, 3, 0);
    const hash = hashRevisionData({ x: 1 }, 0);
    expect(cr.metadata).toMatchObject({
      name: `web-${hash}`,
      namespace: 'ns',
      labels: { app: 'web', 'controller.kubernetes.io/hash': hash },
      ownerReferences: [{ kind: 'StatefulSet', name: 'web', uid: 'u1', controller: true }],
    });
    expect(cr.revision).toBe(3);
  });
});

describe('revision ordering', () => {
  it('sorts by revision, then creation time, then name; next is last + 1', () => {
    const sorted = sortRevisions([
      rev('c', 2),
      rev('b', 1, '2025-01-02T00:00:00Z'),
      rev('a', 1, '2025-01-02T00:00:00Z'),
      rev('z', 1, '2025-01-01T00:00:00Z'),
    ]);
    expect(sorted.map((r) => r.metadata?.name)).toEqual(['z', 'a', 'b', 'c']);
    expect(nextRevision(sorted)).toBe(3);
    expect(nextRevision([])).toBe(1);
  });

  it('equal revisions are those with equal data', () => {
    expect(equalRevision(rev('a', 1, undefined, { k: [1] }), rev('b', 5, undefined, { k: [1] }))).toBe(true);
    expect(equalRevision(rev('a', 1, undefined, { k: [1] }), rev('a', 1, undefined, { k: [2] }))).toBe(false);
  });
});
