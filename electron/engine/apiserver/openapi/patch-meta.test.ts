import { describe, expect, it } from 'vitest';
import { annotatedDefinitions, annotatePatchMeta, type PatchMetaNode } from './patch-meta';
import { allDefinitions, type Definitions } from './schemas';

const POD = 'io.k8s.api.core.v1.Pod';
const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
const CONTAINER = 'io.k8s.api.core.v1.Container';

/** Annotates a copy of the generated definitions along `tree` from Pod. */
function annotated(tree: PatchMetaNode): Definitions {
  const copy = structuredClone(allDefinitions()) as Definitions;
  annotatePatchMeta(copy, POD, tree);
  return copy;
}

const field = (defs: Definitions, definition: string, name: string) => defs[definition]?.properties?.[name];

describe('annotatePatchMeta', () => {
  it.each<[string, PatchMetaNode, string, string, object]>([
    [
      'a merge list through a $ref',
      {
        fields: {
          spec: { fields: { containers: { meta: { patchStrategy: 'merge', patchMergeKey: 'name' } } } },
        },
      },
      POD_SPEC,
      'containers',
      { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'name' },
    ],
    [
      'a keyed list inside list items',
      {
        fields: {
          spec: {
            fields: {
              containers: {
                items: {
                  fields: {
                    ports: { meta: { listType: 'map', listMapKeys: ['containerPort', 'protocol'] } },
                  },
                },
              },
            },
          },
        },
      },
      CONTAINER,
      'ports',
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'] },
    ],
    [
      'an atomic map',
      { fields: { spec: { fields: { nodeSelector: { meta: { mapType: 'atomic' } } } } } },
      POD_SPEC,
      'nodeSelector',
      { 'x-kubernetes-map-type': 'atomic' },
    ],
  ])('puts %s on the property', (_name, tree, definition, name, expected) => {
    expect(field(annotated(tree), definition, name)).toMatchObject(expected);
  });

  it('ignores fields the schema does not have', () => {
    const defs = annotated({ fields: { spec: { fields: { nope: { meta: { patchStrategy: 'merge' } } } } } });
    expect(defs[POD_SPEC]?.properties?.nope).toBeUndefined();
  });

  it('leaves the shared definitions untouched', () => {
    const kinds = [{ group: '', kind: 'Pod', definition: POD }];
    const tree = { fields: { spec: { fields: { containers: { meta: { patchMergeKey: 'name' } } } } } };
    const copy = annotatedDefinitions(allDefinitions(), kinds, () => tree);
    expect(field(copy, POD_SPEC, 'containers')?.['x-kubernetes-patch-merge-key']).toBe('name');
    expect(
      allDefinitions()[POD_SPEC]?.properties?.containers?.['x-kubernetes-patch-merge-key'],
    ).toBeUndefined();
  });
});
