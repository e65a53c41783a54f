import { describe, expect, it } from 'vitest';
import { PatchError } from './errors';
import { MAX_JSON_PATCH_OPERATIONS, applyJsonPatch } from './json-patch';

const deployment = () => ({
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    template: { spec: { containers: [{ name: 'a', args: ['x', 'y'] }, { name: 'b' }] } },
  },
});

type Doc = ReturnType<typeof deployment>;
const edit = (change: (d: Doc) => void) => {
  const d = deployment();
  change(d);
  return d;
};
const withArgs = (args: unknown[]) =>
  edit((d) => (d.spec.template.spec.containers = [{ name: 'a', args }, { name: 'b' }] as never));

const ARGS = '/spec/template/spec/containers/0/args';

const cases: { name: string; patch: unknown[]; want: unknown }[] = [
  {
    name: 'add a member',
    patch: [{ op: 'add', path: '/metadata/labels/tier', value: 'front' }],
    want: edit((d) => Object.assign(d.metadata.labels, { tier: 'front' })),
  },
  {
    name: 'add inserts into an array, - appends',
    patch: [
      { op: 'add', path: `${ARGS}/1`, value: 'm' },
      { op: 'add', path: `${ARGS}/-`, value: 'z' },
    ],
    want: withArgs(['x', 'm', 'y', 'z']),
  },
  {
    name: 'negative indices count from the end (evanphx extension)',
    patch: [{ op: 'remove', path: `${ARGS}/-1` }],
    want: withArgs(['x']),
  },
  {
    name: 'remove a member',
    patch: [{ op: 'remove', path: '/metadata/labels/app' }],
    want: edit((d) => (d.metadata.labels = {} as Doc['metadata']['labels'])),
  },
  {
    name: 'replace a value',
    patch: [{ op: 'replace', path: '/spec/replicas', value: 5 }],
    want: edit((d) => (d.spec.replicas = 5)),
  },
  {
    name: 'replace of a missing member adds it (as kube-apiserver does)',
    patch: [{ op: 'replace', path: '/metadata/labels/new', value: 'v' }],
    want: edit((d) => Object.assign(d.metadata.labels, { new: 'v' })),
  },
  {
    name: 'test then replace',
    patch: [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
    ],
    want: edit((d) => (d.spec.replicas = 3)),
  },
  {
    name: 'test of a missing member against null passes',
    patch: [{ op: 'test', path: '/metadata/labels/none', value: null }],
    want: deployment(),
  },
  {
    name: 'move and copy',
    patch: [
      { op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' },
      { op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/moved' },
    ],
    want: edit((d) => (d.metadata.labels = { copy: 'web', moved: 'web' } as never)),
  },
  {
    name: 'escaped segments (~1 is /, ~0 is ~)',
    patch: [{ op: 'add', path: '/metadata/labels/example.com~1a~0b', value: '1' }],
    want: edit((d) => Object.assign(d.metadata.labels, { 'example.com/a~b': '1' })),
  },
  {
    name: 'an empty patch changes nothing',
    patch: [],
    want: deployment(),
  },
];

describe('applyJsonPatch', () => {
  it.each(cases)('$name', ({ patch, want }) => {
    expect(applyJsonPatch(deployment(), patch)).toEqual(want);
  });

  it('modifies neither argument, and the result shares nothing with the patch', () => {
    const original = deployment();
    const value = { deep: true };
    const result = applyJsonPatch(original, [{ op: 'add', path: `${ARGS}/0`, value }]);
    expect(original).toEqual(deployment());
    expect(result).toEqual(withArgs([{ deep: true }, 'x', 'y']));
    value.deep = false;
    expect(result).toEqual(withArgs([{ deep: true }, 'x', 'y']));
  });

  // Messages are evanphx/json-patch v4's, which kube-apiserver puts in the 422's cause.
  const failures: [string, unknown[], string][] = [
    [
      'a failed test',
      [{ op: 'test', path: '/spec/replicas', value: 3 }],
      'testing value /spec/replicas failed: test failed',
    ],
    [
      'a test of a missing member',
      [{ op: 'test', path: '/metadata/labels/x', value: 'a' }],
      'testing value /metadata/labels/x failed: test failed',
    ],
    [
      'a remove of a missing member',
      [{ op: 'remove', path: '/metadata/labels/x' }],
      "error in remove for path: '/metadata/labels/x': Unable to remove nonexistent key: x: missing value",
    ],
    [
      'a remove under a missing parent',
      [{ op: 'remove', path: '/metadata/x/y' }],
      'remove operation does not apply: doc is missing path: "/metadata/x/y": missing value',
    ],
    [
      'an add under a missing parent',
      [{ op: 'add', path: '/spec/x/y', value: 1 }],
      'add operation does not apply: doc is missing path: "/spec/x/y": missing value',
    ],
    [
      'a replace under a missing parent',
      [{ op: 'replace', path: '/spec/x/y', value: 1 }],
      'replace operation does not apply: doc is missing path: /spec/x/y: missing value',
    ],
    [
      'a replace past the end of an array',
      [{ op: 'replace', path: `${ARGS}/5`, value: 1 }],
      `replace operation does not apply: doc is missing key: ${ARGS}/5: missing value`,
    ],
    [
      'an add past the end of an array',
      [{ op: 'add', path: `${ARGS}/3`, value: 1 }],
      `error in add for path: '${ARGS}/3': Unable to access invalid index: 3: invalid index referenced`,
    ],
    [
      'an add at a non-numeric index',
      [{ op: 'add', path: `${ARGS}/x`, value: 1 }],
      `error in add for path: '${ARGS}/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`,
    ],
    [
      'a move from a missing parent',
      [{ op: 'move', from: '/nope/a', path: '/b' }],
      'move operation does not apply: doc is missing from path: /nope/a: missing value',
    ],
    ['an unknown op', [{ op: 'frob', path: '/a' }], 'Unexpected kind: frob'],
    ['an op without path', [{ op: 'add', value: 1 }], 'add operation failed to decode path: missing value'],
    [
      'a write below __proto__',
      [{ op: 'add', path: '/__proto__/polluted', value: 1 }],
      'add operation does not apply: doc is missing path: "/__proto__/polluted": missing value',
    ],
  ];

  it.each(failures)('answers 422 with the library message in the cause for %s', (_name, patch, cause) => {
    expect(() => applyJsonPatch(deployment(), patch)).toThrow(
      expect.objectContaining({
        code: 422,
        reason: 'Invalid',
        message: 'the server rejected our request due to an error in our request',
        causes: [{ reason: 'UnexpectedServerResponse', message: cause }],
      }),
    );
  });

  it('refuses to write __proto__ (fast-json-patch bans it)', () => {
    const patch = [{ op: 'add', path: '/__proto__', value: { polluted: true } }];
    expect(() => applyJsonPatch({}, patch)).toThrow(
      expect.objectContaining({
        code: 422,
        causes: [expect.objectContaining({ message: expect.stringContaining('banned') })],
      }),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('stops at the first failing operation and changes nothing', () => {
    const original = deployment();
    const patch = [
      { op: 'replace', path: '/spec/replicas', value: 9 },
      { op: 'test', path: '/spec/replicas', value: 2 },
    ];
    expect(() => applyJsonPatch(original, patch)).toThrow(PatchError);
    expect(original.spec.replicas).toBe(2);
  });

  it.each([
    ['an object body', { op: 'add' }, 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'],
    [
      'a string operation',
      ['add'],
      'json: cannot unmarshal string into Go value of type jsonpatch.Operation',
    ],
  ])('answers 400 for %s', (_name, patch, message) => {
    expect(() => applyJsonPatch(deployment(), patch)).toThrow(
      expect.objectContaining({ code: 400, reason: 'BadRequest', message }),
    );
  });

  it('answers 413 for more than 10000 operations', () => {
    const patch = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '/spec/replicas',
      value: 2,
    }));
    expect(() => applyJsonPatch(deployment(), patch)).toThrow(
      expect.objectContaining({
        code: 413,
        message: 'The allowed maximum operations in a JSON patch is 10000, got 10001',
      }),
    );
    expect(() => applyJsonPatch(deployment(), patch.slice(1))).not.toThrow();
  });
});
