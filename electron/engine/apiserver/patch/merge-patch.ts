/**
 * JSON merge patch (RFC 7386, `application/merge-patch+json`) as kube-apiserver applies it with
 * evanphx/json-patch's MergePatch: objects merge recursively, `null` removes a member, anything
 * else (arrays included) replaces, and nulls inside a value that is added are dropped.
 *
 * Errors: a patch that is `null` or a scalar is a 400 "Invalid JSON Patch", as in Kubernetes.
 * An array patch would replace the whole object, which can never decode into a Kubernetes object;
 * it is refused with a 422 instead of the decoding error Kubernetes reports later.
 */
import { PatchError, badRequest } from './errors';
import { type JsonMap, cloneJson, deleteKey, isJsonMap, isUnsafeKey, own } from './json';

/** Applies `patch` to `original` and returns the result; neither argument is modified. */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    throw new PatchError(
      422,
      'Invalid',
      'patch: Invalid value: a JSON array cannot be merged into an object',
    );
  }
  if (!isJsonMap(patch)) throw badRequest('Invalid JSON Patch');
  // A document that is not an object is replaced by the patch (without its nulls).
  if (!isJsonMap(original)) return pruneNulls(cloneJson(patch));
  return mergeInto(cloneJson(original), patch);
}

function mergeInto(target: JsonMap, patch: JsonMap): JsonMap {
  for (const [key, value] of Object.entries(patch)) {
    if (isUnsafeKey(key)) continue;
    const current = own(target, key);
    if (value === null) {
      deleteKey(target, key);
    } else if (isJsonMap(current) && isJsonMap(value)) {
      target[key] = mergeInto(current, value);
    } else if (isJsonMap(current)) {
      // evanphx replaces an object by a non-object patch value as is, nulls included.
      target[key] = cloneJson(value);
    } else {
      target[key] = pruneNulls(cloneJson(value));
    }
  }
  return target;
}

/** Removes null members of objects, at any depth (null array elements stay, as upstream). */
function pruneNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    for (const item of value) pruneNulls(item);
  } else if (isJsonMap(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (v === null) deleteKey(value, key);
      else pruneNulls(v);
    }
  }
  return value;
}
