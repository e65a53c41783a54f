import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { canonicalJson, computeHash, equalIgnoreHash, fnv32a, safeEncodeString, semanticEqual } from './hash';

const template = (image: string, labels: Record<string, string> = { app: 'web' }): PodTemplateSpec => ({
  metadata: { labels },
  spec: { containers: [{ name: 'app', image }] },
});

describe('fnv32a', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('%j hashes to the published FNV-1a test vector', (input, want) => {
    expect(fnv32a(new TextEncoder().encode(input))).toBe(want);
  });
});

describe('safeEncodeString', () => {
  it('maps digits into the vowel-free alphabet exactly as rand.SafeEncodeString', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });
});

describe('computeHash', () => {
  it('is deterministic and independent of key order', () => {
    const a = template('nginx:1');
    const b: PodTemplateSpec = {
      spec: { containers: [{ image: 'nginx:1', name: 'app' }] },
      metadata: { labels: { app: 'web' } },
    };
    expect(computeHash(a)).toBe(computeHash(b));
    expect(computeHash(a)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it.each([
    ['a different image', template('nginx:2'), undefined],
    ['a collision count of 0', template('nginx:1'), 0],
    ['a collision count of 1', template('nginx:1'), 1],
  ])('changes with %s', (_what, t, collisions) => {
    expect(computeHash(t, collisions)).not.toBe(computeHash(template('nginx:1')));
  });

  it('gives each collision count its own hash', () => {
    expect(computeHash(template('x'), 1)).not.toBe(computeHash(template('x'), 2));
  });
});

describe('semanticEqual', () => {
  it.each([
    [{ a: [] }, {}, true],
    [{ a: {} }, { a: null }, true],
    [{ a: undefined }, {}, true],
    [{ a: 0 }, {}, false],
    [{ a: [1, 2] }, { a: [2, 1] }, false],
    [{ a: { b: 'x' } }, { a: { b: 'x' } }, true],
    [{ a: { b: 'x' } }, { a: { b: 'y' } }, false],
  ])('%j vs %j → %s', (a, b, want) => {
    expect(semanticEqual(a, b)).toBe(want);
    expect(semanticEqual(b, a)).toBe(want);
  });
});

describe('equalIgnoreHash', () => {
  it.each([
    [
      'only the hash label differs',
      template('a', { app: 'web', 'pod-template-hash': 'abc' }),
      template('a'),
      true,
    ],
    ['the images differ', template('a', { app: 'web', 'pod-template-hash': 'abc' }), template('b'), false],
    ['another label differs', template('a', { app: 'web', tier: 'x' }), template('a'), false],
  ])('%s → %s', (_what, t1, t2, want) => {
    expect(equalIgnoreHash(t1, t2)).toBe(want);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
