import { describe, expect, it } from 'vitest';
import { PatchError } from './errors';
import { patchMetaFor } from './meta';
import { applyStrategicMergePatch } from './strategic-merge';

const POD = patchMetaFor('', 'Pod');
const DEPLOYMENT = patchMetaFor('apps', 'Deployment');

/** Containers named by `names`, each `{ name, image: '<name>:1' }` unless given as objects. */
const containers = (...items: (string | Record<string, unknown>)[]) =>
  items.map((c) => (typeof c === 'string' ? { name: c, image: `${c}:1` } : c));
const podSpec = (spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', spec });
const podMeta = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata });

// Expected results follow kube-apiserver's strategic merge patch (the behaviour its
// strategicpatch tests pin down: merge order, directives, deletion lists).
const cases: { name: string; original: unknown; patch: unknown; want: unknown }[] = [
  {
    name: 'maps merge key by key and null deletes',
    original: podMeta({ name: 'p', labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { b: null, c: '3' } } },
    want: podMeta({ name: 'p', labels: { a: '1', c: '3' } }),
  },
  {
    name: 'null for a missing key is ignored',
    original: podMeta({ name: 'p' }),
    patch: { metadata: { annotations: null, labels: { x: null, y: '1' } } },
    want: podMeta({ name: 'p', labels: { y: '1' } }),
  },
  {
    name: 'a value of another type replaces',
    original: podSpec({ nodeName: 'n1', hostNetwork: true }),
    patch: { spec: { hostNetwork: 'yes', nodeName: { a: 1 } } },
    want: podSpec({ nodeName: { a: 1 }, hostNetwork: 'yes' }),
  },
  {
    name: 'containers merge by name; new ones are appended',
    original: podSpec({ containers: containers('a', 'b') }),
    patch: {
      spec: {
        containers: [
          { name: 'b', image: 'b:2' },
          { name: 'c', image: 'c:1' },
        ],
      },
    },
    want: podSpec({ containers: containers('a', { name: 'b', image: 'b:2' }, 'c') }),
  },
  {
    name: 'patch elements keep the patch order, server-only ones slot in where they were',
    original: podSpec({ containers: containers('a', 'b', 'c') }),
    patch: {
      spec: {
        containers: [
          { name: 'c', image: 'c:2' },
          { name: 'a', image: 'a:2' },
        ],
      },
    },
    want: podSpec({
      containers: containers('b', { name: 'c', image: 'c:2' }, { name: 'a', image: 'a:2' }),
    }),
  },
  {
    name: 'nested merge lists merge too (env by name inside a container)',
    original: podSpec({
      containers: [
        {
          name: 'a',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '2' },
          ],
        },
      ],
    }),
    patch: { spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '3' }] }] } },
    want: podSpec({
      containers: [
        {
          name: 'a',
          env: [
            { name: 'X', value: '1' },
            { name: 'Y', value: '3' },
          ],
        },
      ],
    }),
  },
  {
    name: '$patch: delete removes the element with that merge key',
    original: podSpec({ containers: containers('a', 'b', 'c') }),
    patch: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } },
    want: podSpec({ containers: containers('a', 'c') }),
  },
  {
    name: '$patch: replace in a list replaces it with the other elements',
    original: podSpec({ containers: containers('a', 'b') }),
    patch: { spec: { containers: [{ $patch: 'replace' }, { name: 'z', image: 'z:1' }] } },
    want: podSpec({ containers: containers('z') }),
  },
  {
    name: '$patch: replace alone empties the list',
    original: podSpec({ containers: containers('a', 'b') }),
    patch: { spec: { containers: [{ $patch: 'replace' }] } },
    want: podSpec({ containers: [] }),
  },
  {
    name: '$patch: replace on a map replaces the map',
    original: podMeta({ name: 'p', labels: { a: '1', b: '2' } }),
    patch: { metadata: { labels: { c: '3', $patch: 'replace' } } },
    want: podMeta({ name: 'p', labels: { c: '3' } }),
  },
  {
    name: '$patch: delete on a map leaves it empty',
    original: podMeta({ name: 'p', labels: { a: '1' } }),
    patch: { metadata: { labels: { $patch: 'delete' } } },
    want: podMeta({ name: 'p', labels: {} }),
  },
  {
    name: 'lists without a merge strategy are replaced (tolerations are atomic)',
    original: podSpec({ tolerations: [{ key: 'a', operator: 'Exists' }] }),
    patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    want: podSpec({ tolerations: [{ key: 'b', operator: 'Exists' }] }),
  },
  {
    name: 'merged scalar lists are a union in patch order, server-only values interleaved',
    original: podMeta({ finalizers: ['a', 'b', 'c'] }),
    patch: { metadata: { finalizers: ['c', 'a', 'd'] } },
    want: podMeta({ finalizers: ['b', 'c', 'a', 'd'] }),
  },
  {
    name: '$deleteFromPrimitiveList removes every listed value',
    original: podMeta({ finalizers: ['a', 'b', 'b', 'c'] }),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: podMeta({ finalizers: ['a', 'c'] }),
  },
  {
    name: '$deleteFromPrimitiveList for a missing list does nothing',
    original: podMeta({ name: 'p' }),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } },
    want: podMeta({ name: 'p' }),
  },
  {
    // The new 5 sorts before the server-only 4: Kubernetes puts patch elements the server does
    // not know ahead of server-only ones, then $setElementOrder only orders the listed ones.
    name: '$setElementOrder orders the merged scalar list, then deletions apply',
    original: podMeta({ finalizers: ['1', '2', '3', '4'] }),
    patch: {
      metadata: {
        '$setElementOrder/finalizers': ['1', '2', '5'],
        '$deleteFromPrimitiveList/finalizers': ['3'],
        finalizers: ['5'],
      },
    },
    want: podMeta({ finalizers: ['1', '2', '5', '4'] }),
  },
  {
    name: '$setElementOrder places new elements among existing ones',
    original: podSpec({ containers: containers('a', 'b') }),
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'd' }, { name: 'a' }, { name: 'b' }, { name: 'c' }],
        containers: [
          { name: 'd', image: 'd:1' },
          { name: 'c', image: 'c:1' },
        ],
      },
    },
    want: podSpec({ containers: containers('d', 'a', 'b', 'c') }),
  },
  {
    name: '$setElementOrder alone reorders, ignoring names the list lacks',
    original: podSpec({ containers: containers('a', 'b') }),
    patch: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'x' }, { name: 'a' }] } },
    want: podSpec({ containers: containers('b', 'a') }),
  },
  {
    name: '$retainKeys clears the keys it does not list (Deployment strategy)',
    original: {
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }, replicas: 2 },
    },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    want: { spec: { strategy: { type: 'Recreate' }, replicas: 2 } },
  },
  {
    name: '$retainKeys inside a merge-list element (volume source switched)',
    original: podSpec({
      volumes: [
        { name: 'v', emptyDir: {} },
        { name: 'w', emptyDir: {} },
      ],
    }),
    patch: {
      spec: { volumes: [{ name: 'v', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/x' } }] },
    },
    want: podSpec({
      volumes: [
        { name: 'v', hostPath: { path: '/x' } },
        { name: 'w', emptyDir: {} },
      ],
    }),
  },
  {
    name: 'container ports merge by containerPort',
    original: podSpec({
      containers: [{ name: 'a', ports: [{ containerPort: 80 }, { containerPort: 443 }] }],
    }),
    patch: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }] }] } },
    want: podSpec({
      containers: [{ name: 'a', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }],
    }),
  },
  {
    name: 'a new merge list from the patch loses its directive elements',
    original: podSpec({}),
    patch: {
      spec: {
        containers: [
          { name: 'a', image: 'a:1' },
          { name: 'b', $patch: 'delete' },
        ],
      },
    },
    want: podSpec({ containers: containers('a') }),
  },
  {
    name: 'a replaced list keeps no directives or nulls',
    original: podSpec({ tolerations: [] }),
    patch: { spec: { tolerations: [{ key: 'a', value: null, $patch: 'x' }] } },
    want: podSpec({ tolerations: [{ key: 'a' }] }),
  },
  {
    name: 'a null patch changes nothing (Go decodes it into a nil map)',
    original: podMeta({ name: 'p' }),
    patch: null,
    want: podMeta({ name: 'p' }),
  },
  {
    name: '$patch: delete at the root empties the object',
    original: podMeta({ name: 'p' }),
    patch: { $patch: 'delete' },
    want: {},
  },
];

describe('applyStrategicMergePatch', () => {
  it.each(cases)('$name', ({ original, patch, want }) => {
    expect(applyStrategicMergePatch(original, patch, POD)).toEqual(want);
  });

  it('uses the kind: a Deployment pod template merges its containers', () => {
    const original = { spec: { template: { spec: { containers: containers('a', 'b') } } } };
    const patch = { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:9' }] } } } };
    expect(applyStrategicMergePatch(original, patch, DEPLOYMENT)).toEqual({
      spec: { template: { spec: { containers: containers({ name: 'a', image: 'a:9' }, 'b') } } },
    });
  });

  it('replaces lists and merges maps for kinds without metadata', () => {
    const original = { spec: { items: [{ name: 'a' }], map: { a: 1 } } };
    const patch = { spec: { items: [{ name: 'b' }], map: { b: 2 } } };
    expect(applyStrategicMergePatch(original, patch, patchMetaFor('example.com', 'Widget'))).toEqual({
      spec: { items: [{ name: 'b' }], map: { a: 1, b: 2 } },
    });
  });

  it('modifies neither argument', () => {
    const original = podSpec({ containers: containers('a', 'b') });
    const patch = { spec: { containers: [{ name: 'b', $patch: 'delete' }], nodeName: 'n' } };
    const before = structuredClone({ original, patch });
    applyStrategicMergePatch(original, patch, POD);
    expect({ original, patch }).toEqual(before);
  });

  const errors: { name: string; original?: unknown; patch: unknown; code: number; message: string }[] = [
    {
      name: 'a patch that is not an object',
      patch: [{ op: 'add' }],
      code: 400,
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
    {
      name: 'a merge-list element without its merge key',
      patch: { spec: { containers: [{ image: 'x' }] } },
      code: 500,
      message: 'map: map[image:x] does not contain declared merge key: name',
    },
    {
      name: 'a delete directive without the merge key',
      patch: { spec: { containers: [{ $patch: 'delete' }] } },
      code: 500,
      message: 'map: map[$patch:delete] does not contain declared merge key: name',
    },
    {
      name: 'an unknown $patch value on a map',
      patch: { metadata: { labels: { $patch: 'frobnicate', a: 'b' } } },
      code: 500,
      message: 'unknown patch type: frobnicate in map: map[$patch:frobnicate a:b]',
    },
    {
      name: 'an unknown $patch value in a list',
      patch: { spec: { containers: [{ name: 'a', $patch: 'frobnicate' }] } },
      code: 500,
      message: 'unknown patch type: frobnicate in map: map[$patch:frobnicate name:a]',
    },
    {
      name: '$patch: merge in a list',
      patch: { spec: { containers: [{ $patch: 'merge' }] } },
      code: 500,
      message: 'merging lists cannot yet be specified in the patch',
    },
    {
      name: '$retainKeys that is not a list',
      patch: { spec: { $retainKeys: 'nodeName' } },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a patch setting a key $retainKeys does not list',
      patch: { spec: { $retainKeys: ['nodeName'], hostname: 'h' } },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a $deleteFromPrimitiveList without a field',
      patch: { metadata: { $deleteFromPrimitiveList: ['a'] } },
      code: 400,
      message: 'invalid patch format of primitive list',
    },
    {
      name: 'a patch list out of the $setElementOrder order',
      patch: {
        spec: {
          '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
          containers: [
            { name: 'b', image: 'b:2' },
            { name: 'a', image: 'a:2' },
          ],
        },
      },
      code: 500,
      message: "doesn't match $setElementOrder list",
    },
    {
      name: 'a list of lists in a merge list',
      original: podMeta({ finalizers: [] }),
      patch: { metadata: { finalizers: [['a']] } },
      code: 422,
      message: 'the server rejected our request due to an error in our request',
    },
    {
      name: 'mixed element types in a merge list',
      original: podMeta({ finalizers: ['a'] }),
      patch: { metadata: { finalizers: [1] } },
      code: 500,
      message: 'list element types are not identical: [[a] [1]]',
    },
  ];

  it.each(errors)('rejects $name', ({ original, patch, code, message }) => {
    const base = original ?? podSpec({ containers: containers('a', 'b') });
    let caught: unknown;
    try {
      applyStrategicMergePatch(base, patch, POD);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PatchError);
    expect((caught as PatchError).code).toBe(code);
    expect((caught as PatchError).message).toContain(message);
  });

  it('puts the library message of a 422 in its cause', () => {
    const run = () =>
      applyStrategicMergePatch(podMeta({ finalizers: [] }), { metadata: { finalizers: [['a']] } }, POD);
    expect(run).toThrow(
      expect.objectContaining({
        reason: 'Invalid',
        causes: [{ reason: 'UnexpectedServerResponse', message: 'lists of lists are not supported' }],
      }),
    );
  });
});
