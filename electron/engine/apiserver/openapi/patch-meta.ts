/**
 * Puts the strategic-merge metadata on the published schemas: `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
 * `x-kubernetes-map-type`, on the property schema of each annotated field — where kube-openapi
 * puts them and where kubectl's strategic merge (PatchMetaFromOpenAPI / PatchMetaFromOpenAPIV3)
 * reads them when `kubectl apply` computes a patch.
 *
 * The metadata itself comes from the patch engine (patch/meta.ts, `patchMetaFor(group, kind)`), a
 * tree rooted at the kind. Definitions are shared between kinds (Container is inside Pod and inside
 * every pod template); Kubernetes declares patch metadata on the Go struct field, so a field gets
 * the same annotation whichever kind's tree reaches it.
 */
import { type Definitions, type Schema, refName } from './schemas';

/** Structurally the patch engine's node type (patch/meta.ts). */
export interface PatchMetaNode {
  meta?: {
    patchStrategy?: string;
    patchMergeKey?: string;
    listType?: 'atomic' | 'set' | 'map';
    listMapKeys?: string[];
    mapType?: string;
  };
  fields?: Record<string, PatchMetaNode>;
  /** The element of a list, or the value of a map. */
  items?: PatchMetaNode;
}

/** The patch engine's lookup; undefined (or an empty node) when the kind has no metadata. */
export type PatchMetaLookup = (group: string, kind: string) => PatchMetaNode | undefined;

/** Sets the node's extensions on `schema` (in place). */
function applyMeta(schema: Schema, meta: PatchMetaNode['meta']) {
  if (!meta) return;
  if (meta.patchStrategy) schema['x-kubernetes-patch-strategy'] = meta.patchStrategy;
  if (meta.patchMergeKey) schema['x-kubernetes-patch-merge-key'] = meta.patchMergeKey;
  if (meta.listType) schema['x-kubernetes-list-type'] = meta.listType;
  if (meta.listMapKeys) schema['x-kubernetes-list-map-keys'] = [...meta.listMapKeys];
  if (meta.mapType) schema['x-kubernetes-map-type'] = meta.mapType;
}

/**
 * Annotates `definitions` in place (pass a copy) along `tree`, starting at the definition
 * `rootName`. Fields the schema does not have are ignored. Cycles (JSONSchemaProps) are safe:
 * the walk follows the tree, which is finite.
 */
export function annotatePatchMeta(definitions: Definitions, rootName: string, tree: PatchMetaNode): void {
  const root = definitions[rootName];
  if (root) descend(definitions, root, tree);
}

/** The schema a (possibly `$ref`) schema stands for, as a mutable object inside `definitions`. */
function target(definitions: Definitions, schema: Schema): Schema | undefined {
  if (schema.$ref === undefined) return schema;
  return definitions[refName(schema.$ref)];
}

function descend(definitions: Definitions, schema: Schema, node: PatchMetaNode) {
  const resolved = target(definitions, schema);
  if (!resolved) return;
  for (const [field, child] of Object.entries(node.fields ?? {})) {
    const prop = resolved.properties?.[field];
    if (!prop) continue;
    applyMeta(prop, child.meta);
    descend(definitions, prop, child);
  }
  if (node.items) {
    const element =
      resolved.items ??
      (typeof resolved.additionalProperties === 'object' ? resolved.additionalProperties : undefined);
    if (!element) return;
    applyMeta(element, node.items.meta);
    descend(definitions, element, node.items);
  }
}

/**
 * A copy of `definitions` with the patch metadata of every resource's kind applied. Resources
 * whose kind has no definition, or no metadata, are skipped.
 */
export function annotatedDefinitions(
  definitions: Readonly<Definitions>,
  kinds: Iterable<{ group: string; kind: string; definition: string }>,
  lookup: PatchMetaLookup,
): Definitions {
  const copy = structuredClone(definitions) as Definitions;
  for (const { group, kind, definition } of kinds) {
    const tree = lookup(group, kind);
    if (tree) annotatePatchMeta(copy, definition, tree);
  }
  return copy;
}
