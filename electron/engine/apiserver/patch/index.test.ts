import { describe, expect, it } from 'vitest';
import { applyPatch, patchMetaFor, patchTypeOf } from './index';

describe('patchTypeOf', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/Strategic-Merge-Patch+JSON', 'strategic'],
    ['application/apply-patch+yaml', undefined],
    ['application/json', undefined],
  ])('%s → %s', (contentType, want) => {
    expect(patchTypeOf(contentType)).toBe(want);
  });
});

describe('applyPatch', () => {
  // The same containers change reads differently under each type: json patch edits by index,
  // merge patch replaces the list, strategic merge patch merges it by name.
  const original = {
    spec: {
      containers: [
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:1' },
      ],
    },
  };
  const meta = patchMetaFor('', 'Pod');

  it.each([
    [
      'json',
      [{ op: 'replace', path: '/spec/containers/1/image', value: 'b:2' }],
      [
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:2' },
      ],
    ],
    ['merge', { spec: { containers: [{ name: 'b', image: 'b:2' }] } }, [{ name: 'b', image: 'b:2' }]],
    [
      'strategic',
      { spec: { containers: [{ name: 'b', image: 'b:2' }] } },
      [
        { name: 'a', image: 'a:1' },
        { name: 'b', image: 'b:2' },
      ],
    ],
  ] as const)('%s', (type, patch, containers) => {
    expect(applyPatch(type, original, patch, meta)).toEqual({ spec: { containers } });
  });
});
