/**
 * Merging an applied configuration into the live object, as structured-merge-diff merges for
 * server-side apply: objects merge field by field, `listType=map` lists merge element by element
 * on their keys, `listType=set` lists become the union, atomic lists and maps are replaced, and a
 * `null` in the configuration removes the field. Existing elements keep their place; new ones are
 * appended in configuration order.
 */
import { type JsonMap, cloneJson, deleteKey, isJsonMap, isUnsafeKey, own } from '../json';
import { type PatchMetaNode, fieldNode } from '../meta';
import { keyElement, listTypeOf, valueElement } from './fieldset';

/** Returns `live` with `applied` merged in; neither argument is modified. */
export function mergeApplied(live: JsonMap, applied: JsonMap, meta: PatchMetaNode): JsonMap {
  return mergeMap(cloneJson(live), applied, meta);
}

function mergeMap(live: JsonMap, applied: JsonMap, node: PatchMetaNode | undefined): JsonMap {
  for (const [key, value] of Object.entries(applied)) {
    if (isUnsafeKey(key)) continue;
    if (value === null) deleteKey(live, key);
    else live[key] = mergeValue(own(live, key), value, fieldNode(node, key));
  }
  return live;
}

function mergeValue(live: unknown, applied: unknown, node: PatchMetaNode | undefined): unknown {
  if (isJsonMap(live) && isJsonMap(applied) && node?.meta?.mapType !== 'atomic') {
    return mergeMap(live, applied, node);
  }
  if (Array.isArray(live) && Array.isArray(applied)) {
    const type = listTypeOf(node);
    if (type === 'set') {
      const seen = new Set(live.map(valueElement));
      return [...live, ...cloneJson(applied).filter((v) => !seen.has(valueElement(v)))];
    }
    if (type === 'map') return mergeListMap(live, applied, node);
  }
  return withoutNulls(cloneJson(applied));
}

function mergeListMap(live: unknown[], applied: unknown[], node: PatchMetaNode | undefined) {
  const out = [...live];
  for (const item of applied) {
    const key = keyElement(item, node);
    const at = key === undefined ? -1 : out.findIndex((l) => keyElement(l, node) === key);
    const existing = out[at];
    if (at >= 0 && isJsonMap(existing) && isJsonMap(item)) out[at] = mergeMap(existing, item, node?.items);
    else out.push(withoutNulls(cloneJson(item)));
  }
  return out;
}

function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) value.forEach(withoutNulls);
  else if (isJsonMap(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null) deleteKey(value, k);
      else withoutNulls(v);
    }
  }
  return value;
}
