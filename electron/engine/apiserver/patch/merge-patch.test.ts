import { describe, expect, it } from 'vitest';
import { PatchError } from './errors';
import { applyMergePatch } from './merge-patch';

const cases: { name: string; original: unknown; patch: unknown; want: unknown }[] = [
  {
    name: 'objects merge recursively',
    original: { metadata: { labels: { a: '1' } }, spec: { replicas: 1 } },
    patch: { metadata: { labels: { b: '2' } } },
    want: { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1 } },
  },
  {
    name: 'null removes a member, also a missing one',
    original: { metadata: { labels: { a: '1', b: '2' } } },
    patch: { metadata: { labels: { a: null, z: null } } },
    want: { metadata: { labels: { b: '2' } } },
  },
  {
    name: 'arrays are replaced whole (no merge keys in RFC 7386)',
    original: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ name: 'c' }] } },
    want: { spec: { containers: [{ name: 'c' }] } },
  },
  {
    name: 'an added object loses its null members',
    original: { spec: {} },
    patch: { spec: { template: { metadata: { labels: { a: null, b: '1' } } } } },
    want: { spec: { template: { metadata: { labels: { b: '1' } } } } },
  },
  {
    name: 'a scalar replaces an object',
    original: { spec: { strategy: { type: 'Recreate' } } },
    patch: { spec: { strategy: 'x' } },
    want: { spec: { strategy: 'x' } },
  },
  {
    name: 'an empty patch changes nothing',
    original: { a: 1 },
    patch: {},
    want: { a: 1 },
  },
];

describe('applyMergePatch', () => {
  it.each(cases)('$name', ({ original, patch, want }) => {
    expect(applyMergePatch(original, patch)).toEqual(want);
  });

  it('modifies neither argument', () => {
    const original = { a: { b: 1, c: 2 } };
    const patch = { a: { b: null, d: { e: null } } };
    const before = structuredClone({ original, patch });
    expect(applyMergePatch(original, patch)).toEqual({ a: { c: 2, d: {} } });
    expect({ original, patch }).toEqual(before);
  });

  it.each([
    ['null', null, 400, 'Invalid JSON Patch'],
    ['a string', 'x', 400, 'Invalid JSON Patch'],
    ['a number', 3, 400, 'Invalid JSON Patch'],
    ['an array', [1], 422, 'patch: Invalid value'],
  ])('rejects %s as the patch', (_name, patch, code, message) => {
    expect(() => applyMergePatch({ a: 1 }, patch)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(message) }),
    );
    expect(() => applyMergePatch({ a: 1 }, patch)).toThrow(PatchError);
  });
});
