/** Plain JSON values as decoded from a request body or read from the store. */

export type JsonMap = Record<string, unknown>;

export function isJsonMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep copy of a JSON value (structuredClone keeps undefined; JSON values never contain it). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

/**
 * The key no merge may write: assigning it would replace an object's prototype, and reading it
 * from an object that lacks it yields Object.prototype. Kubernetes objects have no such field
 * (typed decoding would drop it), so merges drop it.
 */
export const isUnsafeKey = (key: string) => key === '__proto__';

/** The object's own member `key` (never an inherited one). */
export function own(map: JsonMap, key: string): unknown {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/** Removes a key chosen at run time (what `delete map[key]` does, spelled for the linter). */
export function deleteKey(map: JsonMap, key: string): void {
  Reflect.deleteProperty(map, key);
}

/** Structural equality of two JSON values (member order does not matter). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  }
  if (isJsonMap(a) && isJsonMap(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]))
    );
  }
  return false;
}
