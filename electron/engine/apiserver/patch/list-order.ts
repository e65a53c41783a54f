/**
 * The list mechanics of strategic merge patch that do not merge anything themselves: the element
 * kind check, partitioning by presence, and Kubernetes' element order (normalizeElementOrder in
 * k8s.io/apimachinery util/strategicpatch).
 */
import { goFormat, unclassified, unprocessable } from './errors';
import { type JsonMap, isJsonMap } from './json';

export type Kind = 'map' | 'slice' | 'string' | 'number' | 'bool' | 'nil';

/** Splits `list` into the elements present in `by` and the others, keeping their order. */
export function partition(
  list: unknown[],
  by: unknown[],
  mergeKey: string,
  kind: Kind,
): [unknown[], unknown[]] {
  const present: unknown[] = [];
  const absent: unknown[] = [];
  for (const item of list) {
    let found: boolean;
    if (kind === 'map') {
      if (!isJsonMap(item)) throw badArgType('map[string]interface {}', item);
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      found = by.some((b) => isJsonMap(b) && mergeKey in b && b[mergeKey] === item[mergeKey]);
    } else {
      found = by.includes(item);
    }
    (found ? present : absent).push(item);
  }
  return [present, absent];
}

/**
 * Kubernetes' normalizeElementOrder: `inPatch` sorted by `patchOrder`, `serverOnly` sorted by
 * `serverOrder`, then the server-only elements are slotted in before the first patch element that
 * comes after them in the server's order.
 */
export function normalizeOrder(
  inPatch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: Kind,
): unknown[] {
  const left = sortBy(serverOnly, serverOrder, mergeKey, kind);
  const right = sortBy(inPatch, patchOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) {
      out.push(right[j++]);
    } else if (j >= right.length) {
      out.push(left[i++]);
    } else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Stable sort by position in `order`; elements `order` lacks keep their relative order last. */
function sortBy(list: unknown[], order: unknown[], mergeKey: string, kind: Kind): unknown[] {
  if (kind === 'map') {
    for (const item of [...list, ...order]) {
      if (!isJsonMap(item)) throw badArgType('map[string]interface {}', item);
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    }
  }
  const keyed = list.map((item, at) => {
    const index = indexIn(order, item, mergeKey, kind);
    return { item, at, index: index < 0 ? Number.MAX_SAFE_INTEGER : index };
  });
  keyed.sort((a, b) => a.index - b.index || a.at - b.at);
  return keyed.map((k) => k.item);
}

function indexIn(list: unknown[], value: unknown, mergeKey: string, kind: Kind): number {
  if (kind !== 'map') return list.indexOf(value);
  const wanted = (value as JsonMap)[mergeKey];
  return list.findIndex((v) => isJsonMap(v) && v[mergeKey] === wanted);
}

/** The one kind of all elements; lists of lists and mixed lists are rejected as Kubernetes does. */
export function elementKind(lists: unknown[][]): Kind {
  let kind: Kind | undefined;
  for (const list of lists) {
    for (const item of list) {
      const k = kindOf(item);
      if (kind === undefined) {
        if (k === 'slice') throw unprocessable('lists of lists are not supported');
        kind = k;
      } else if (k !== kind) {
        throw unclassified(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  if (kind === undefined) throw unclassified('no elements in any of the given slices');
  return kind;
}

export function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return 'slice';
  if (typeof value === 'object') return 'map';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  return 'number';
}

export function noMergeKey(map: JsonMap, mergeKey: string) {
  return unclassified(`map: ${goFormat(map)} does not contain declared merge key: ${mergeKey}`);
}

/** Go's reflect type name of a decoded JSON value, for ErrBadArgType messages. */
function goTypeName(value: unknown): string {
  switch (kindOf(value)) {
    case 'map':
      return 'map[string]interface {}';
    case 'slice':
      return '[]interface {}';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int64' : 'float64';
    default:
      return '%!s(<nil>)';
  }
}

export function badArgType(expected: string, actual: unknown) {
  return unclassified(`expected a ${expected}, but received a ${goTypeName(actual)}`);
}
