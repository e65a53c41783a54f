import { describe, expect, it } from 'vitest';
import { messages } from '../resources/testing';
import type { KubeObject } from '../resources/types';
import { formatValue } from './field';
import { validateObjectMeta } from './meta';
import { nameIsDNSLabel, nameIsDNSSubdomain } from './names';

const ns = (metadata: KubeObject['metadata']): KubeObject => ({ metadata });

describe('validateObjectMeta', () => {
  it.each([
    ['valid', { name: 'web', namespace: 'default' }, []],
    [
      'no name',
      { namespace: 'default' },
      ['metadata.name: Required value: name or generateName is required'],
    ],
    [
      'bad name',
      { name: 'Foo', namespace: 'default' },
      [
        `metadata.name: Invalid value: "Foo": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    ],
    ['no namespace', { name: 'web' }, ['metadata.namespace: Required value']],
    [
      'bad label value',
      { name: 'web', namespace: 'default', labels: { app: 'a b' } },
      [expect.stringMatching(/^metadata\.labels: Invalid value: "a b": a valid label must be/)],
    ],
    [
      'bad label key',
      { name: 'web', namespace: 'default', labels: { '-app': 'x' } },
      [expect.stringMatching(/^metadata\.labels: Invalid value: "-app": name part must consist/)],
    ],
    [
      'annotations over 256 KiB',
      { name: 'web', namespace: 'default', annotations: { big: 'x'.repeat(256 * 1024) } },
      ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    ],
    [
      'two controllers',
      {
        name: 'web',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'a', uid: '1', controller: true },
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'b', uid: '2', controller: true },
        ],
      },
      [expect.stringContaining('Only one reference can have Controller set to true')],
    ],
  ])('%s', (_name, meta, want) => {
    expect(messages(validateObjectMeta(ns(meta), { namespaced: true, name: nameIsDNSSubdomain }))).toEqual(
      want,
    );
  });

  it('forbids a namespace on cluster-scoped objects and checks generateName', () => {
    const errs = validateObjectMeta(ns({ name: 'a', namespace: 'x', generateName: 'B-' }), {
      namespaced: false,
      name: nameIsDNSLabel,
    });
    expect(messages(errs)).toEqual([
      expect.stringMatching(/^metadata\.generateName: Invalid value: "B-": a lowercase RFC 1123 label/),
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  it('refuses new finalizers on an object being deleted', () => {
    const old = ns({ name: 'a', finalizers: ['x/a'], deletionTimestamp: '2024-01-01T00:00:00Z' });
    const next = ns({ name: 'a', finalizers: ['x/a', 'x/b'] });
    expect(messages(validateObjectMeta(next, { namespaced: false, name: nameIsDNSLabel }, old))).toEqual([
      'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"x/b"}',
    ]);
  });

  it.each([
    ['x', '"x"'],
    [3, '3'],
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [undefined, 'null'],
  ])('formats %j like field.Error', (value, want) => {
    expect(formatValue(value)).toBe(want);
  });
});
