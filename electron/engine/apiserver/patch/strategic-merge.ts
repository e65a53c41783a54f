/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), applied the way
 * kube-apiserver applies it (k8s.io/apimachinery util/strategicpatch, StrategicMergeMapPatch):
 *
 * - maps merge key by key; `null` deletes a key; a value of another type replaces;
 * - lists are replaced, unless their field has patchStrategy `merge`: lists of objects then merge
 *   element by element on the patchMergeKey, lists of scalars become the union;
 * - directives: `$patch: replace | delete` in a map, `$patch: delete | replace` as a merge-list
 *   element, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>`;
 * - merged lists keep Kubernetes' order: patch elements in patch order (or `$setElementOrder`),
 *   the elements only the server has interleaved where they were.
 *
 * Errors carry kube-apiserver's code and wording (see errors.ts).
 *
 * Known limitations, all where Kubernetes relies on typed decoding to clean up after it:
 * - A value copied from the patch because the original lacks the field goes through the same
 *   merge against an empty value, so nested nulls and directives are dropped. Kubernetes copies it
 *   verbatim and its typed decoding drops the directives but turns nulls into zero values.
 * - `$deleteFromPrimitiveList/<field>` for a field the object lacks does nothing (Kubernetes sets
 *   the field to the values to delete, an upstream bug we do not copy).
 * - Keys starting with `$` that are not directives are dropped (typed decoding drops them too).
 */
import { badRequest, goFormat, jsonTypeName, unclassified } from './errors';
import { badArgType, elementKind, kindOf, noMergeKey, normalizeOrder, partition } from './list-order';
import { type JsonMap, cloneJson, deleteKey, isJsonMap, isUnsafeKey, own } from './json';
import { type PatchMetaNode, fieldNode } from './meta';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

/**
 * Applies `patch` to `original` and returns the result; neither argument is modified.
 * `meta` is the object's root node (patchMetaFor). Throws PatchError.
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMetaNode): unknown {
  // Go decodes the JSON `null` into a nil map: there is nothing to merge.
  if (patch === null) return cloneJson(original);
  if (!isJsonMap(patch)) {
    throw badRequest(
      `json: cannot unmarshal ${jsonTypeName(patch)} into Go value of type map[string]interface {}`,
    );
  }
  if (!isJsonMap(original)) throw badRequest('invalid JSON document');
  return mergeMap(cloneJson(original), cloneJson(patch), meta);
}

// ---- maps -----------------------------------------------------------------------------------

/** Merges `patch` into `original`; both are private copies and may be modified. */
function mergeMap(original: JsonMap, patch: JsonMap, node: PatchMetaNode | undefined): JsonMap {
  if (DIRECTIVE in patch) return mapDirective(patch);
  applyRetainKeys(original, patch);
  applyElementOrder(original, patch, node);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith(DELETE_FROM_LIST)) {
      deleteFromPrimitiveList(original, key, value);
    } else if (key.startsWith('$') || isUnsafeKey(key)) {
      continue;
    } else if (value === null) {
      deleteKey(original, key);
    } else {
      original[key] = mergeValue(own(original, key), value, fieldNode(node, key));
    }
  }
  return original;
}

function mapDirective(patch: JsonMap): JsonMap {
  const directive = patch[DIRECTIVE];
  if (directive === 'replace') {
    deleteKey(patch, DIRECTIVE);
    return clean(patch) as JsonMap;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

function mergeValue(original: unknown, value: unknown, node: PatchMetaNode | undefined): unknown {
  if (original === undefined || kindOf(original) !== kindOf(value)) return fresh(value, node);
  if (isJsonMap(original) && isJsonMap(value)) {
    return node?.meta?.patchStrategy === 'replace' ? clean(value) : mergeMap(original, value, node);
  }
  if (Array.isArray(original) && Array.isArray(value)) {
    return isMergeList(node) ? mergeList(original, value, node) : clean(value);
  }
  return value;
}

/** A patch value for a field the original lacks: merged against nothing (see Known limitations). */
function fresh(value: unknown, node: PatchMetaNode | undefined): unknown {
  if (isJsonMap(value)) return mergeMap({}, value, node);
  if (!Array.isArray(value)) return value;
  if (!isMergeList(node)) return clean(value);
  // Directive elements (`$patch: delete|replace`) have nothing to act on in an empty list.
  return value.filter((e) => !(isJsonMap(e) && DIRECTIVE in e)).map((e) => fresh(e, node?.items));
}

/** `$retainKeys`: keys of the original not listed are cleared; the patch may set only listed keys. */
function applyRetainKeys(original: JsonMap, patch: JsonMap): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  deleteKey(patch, RETAIN_KEYS);
  if (!Array.isArray(retain)) throw badRequest('invalid patch format of retainKeys');
  const keep = new Set(retain);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key.startsWith(DELETE_FROM_LIST) || key.startsWith(SET_ELEMENT_ORDER)) {
      continue;
    }
    if (!keep.has(key)) throw badRequest('invalid patch format of retainKeys');
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) deleteKey(original, key);
}

function deleteFromPrimitiveList(original: JsonMap, key: string, toDelete: unknown): void {
  const field = directiveField(key, DELETE_FROM_LIST, 'invalid patch format of primitive list');
  if (toDelete === null) {
    deleteKey(original, field);
    return;
  }
  if (!Array.isArray(toDelete)) throw badRequest('invalid patch format of primitive list');
  const list = own(original, field);
  if (!Array.isArray(list)) return;
  original[field] = list.filter((v) => isJsonMap(v) || !toDelete.includes(v));
}

/** `$setElementOrder/<field>`: merges that list now and orders it as the directive says. */
function applyElementOrder(original: JsonMap, patch: JsonMap, node: PatchMetaNode | undefined): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    deleteKey(patch, key);
    if (!Array.isArray(order)) throw badArgType('[]interface {}', order);
    const field = directiveField(key, SET_ELEMENT_ORDER, 'invalid patch format of setElementOrder list');
    const child = fieldNode(node, field);
    const mergeKey = child?.meta?.patchMergeKey ?? '';
    const hasOriginal = Object.hasOwn(original, field);
    const hasPatch = Object.hasOwn(patch, field);
    const originalList = listAt(original, field);
    const patchList = listAt(patch, field);
    validateElementOrder(patchList, order, mergeKey);

    let merged: unknown[];
    if (hasOriginal && hasPatch) {
      merged = isMergeList(child)
        ? mergeList(originalList, patchList, child)
        : (clean(patchList) as unknown[]);
    } else if (hasOriginal) {
      merged = originalList;
    } else if (hasPatch) {
      merged = fresh(patchList, child) as unknown[];
    } else {
      continue;
    }
    deleteKey(patch, field);
    const kind = elementKind([originalList, patchList]);
    if (kind === 'map' && !mergeKey) {
      original[field] = merged;
      continue;
    }
    const [inOrder, serverOnly] = partition(merged, order, mergeKey, kind);
    original[field] = normalizeOrder(inOrder, serverOnly, order, originalList, mergeKey, kind);
  }
}

function listAt(map: JsonMap, field: string): unknown[] {
  if (!Object.hasOwn(map, field)) return [];
  const value = map[field];
  if (!Array.isArray(value)) throw badArgType('[]interface {}', value);
  return value;
}

/** The patch list's elements must appear in `$setElementOrder` in the same relative order. */
function validateElementOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let kept = patchList;
  if (mergeKey) {
    for (const item of patchList) if (!isJsonMap(item)) throw badArgType('map[string]interface {}', item);
    kept = patchList.filter((item) => (item as JsonMap)[DIRECTIVE] !== 'delete');
  }
  let p = 0;
  let s = 0;
  while (p < kept.length && s < order.length) {
    const item = kept[p];
    if (isJsonMap(item) && DIRECTIVE in item) {
      p++;
      continue;
    }
    if (sameMergeKey(item, order[s], mergeKey)) p++;
    s++;
  }
  if (p < kept.length) {
    throw unclassified(
      `The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`,
    );
  }
}

function sameMergeKey(left: unknown, right: unknown, mergeKey: string): boolean {
  if (!mergeKey) return left === right;
  if (!isJsonMap(left)) throw badArgType('map[string]interface {}', left);
  if (!isJsonMap(right)) throw badArgType('map[string]interface {}', right);
  if (!(mergeKey in left)) throw noMergeKey(left, mergeKey);
  if (!(mergeKey in right)) throw noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// ---- lists ----------------------------------------------------------------------------------

function isMergeList(node: PatchMetaNode | undefined): boolean {
  const strategy = node?.meta?.patchStrategy;
  return strategy === 'merge' || strategy === 'merge,retainKeys';
}

function mergeList(original: unknown[], patch: unknown[], node: PatchMetaNode | undefined): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([original, patch]);
  const mergeKey = node?.meta?.patchMergeKey ?? '';
  if (kind !== 'map') {
    const merged = [...new Set([...original, ...patch])];
    const [inPatch, serverOnly] = partition(merged, patch, '', kind);
    return normalizeOrder(inPatch, serverOnly, patch, original, '', kind);
  }
  // Kubernetes names the Go element type here; every merge list of ours holds structs.
  if (!mergeKey) throw unclassified('cannot merge lists without merge key for type struct');
  const split = splitDirectiveElements(original as JsonMap[], patch as JsonMap[], mergeKey);
  const merged = mergeByKey(split.original, split.patch, mergeKey, node?.items);
  const [inPatch, serverOnly] = partition(merged, split.patch, mergeKey, kind);
  return normalizeOrder(inPatch, serverOnly, split.patch, split.original, mergeKey, kind);
}

/** Handles `$patch: delete` (drop by merge key) and `$patch: replace` (the patch list wins). */
function splitDirectiveElements(
  original: JsonMap[],
  patch: JsonMap[],
  mergeKey: string,
): { original: JsonMap[]; patch: JsonMap[] } {
  const plain: JsonMap[] = [];
  let replace = false;
  let remaining = original;
  for (const element of patch) {
    if (!(DIRECTIVE in element)) {
      plain.push(element);
      continue;
    }
    const directive = element[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in element)) throw noMergeKey(element, mergeKey);
      remaining = remaining.filter((o) => !(mergeKey in o && o[mergeKey] === element[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw unclassified('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, element);
    }
  }
  if (replace) return { original: plain.map((e) => clean(e) as JsonMap), patch: [] };
  return { original: remaining, patch: plain };
}

function mergeByKey(
  original: JsonMap[],
  patch: JsonMap[],
  mergeKey: string,
  items: PatchMetaNode | undefined,
): JsonMap[] {
  const result = [...original];
  for (const element of patch) {
    if (!(mergeKey in element)) throw noMergeKey(element, mergeKey);
    const at = result.findIndex((o) => mergeKey in o && o[mergeKey] === element[mergeKey]);
    const target = result[at];
    if (target) result[at] = mergeMap(target, element, items);
    else result.push(fresh(element, items) as JsonMap);
  }
  return result;
}

// ---- helpers --------------------------------------------------------------------------------

/** A patch value taken as is: without directives and null members (typed decoding drops both). */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (!isJsonMap(value)) return value;
  const out: JsonMap = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null || key.startsWith('$') || isUnsafeKey(key)) continue;
    out[key] = clean(v);
  }
  return out;
}

/** `$setElementOrder/containers` → `containers`. */
function directiveField(key: string, prefix: string, formatError: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badRequest(formatError);
  return key.slice(slash + 1);
}

function badPatchType(directive: unknown, map: JsonMap) {
  const shown = typeof directive === 'string' ? directive : goFormat(directive);
  return unclassified(`unknown patch type: ${shown} in map: ${goFormat(map)}`);
}
