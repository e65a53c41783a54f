/**
 * PATCH request bodies applied to stored objects, one entry for the three patch content types
 * kube-apiserver accepts besides apply (server-side apply lives in ./apply):
 *
 *   application/json-patch+json            → 'json'      (RFC 6902)
 *   application/merge-patch+json           → 'merge'     (RFC 7386)
 *   application/strategic-merge-patch+json → 'strategic' (Kubernetes' strategic merge patch)
 *
 * All functions are pure: they take decoded JSON, return a new object and never modify their
 * arguments. Failures throw PatchError carrying the status code, reason and message that
 * kube-apiserver answers with.
 */
import { applyJsonPatch } from './json-patch';
import { applyMergePatch } from './merge-patch';
import type { PatchMetaNode } from './meta';
import { applyStrategicMergePatch } from './strategic-merge';

export { PatchError } from './errors';
export type { PatchErrorCause, PatchErrorCode } from './errors';
export { type FieldPatchMeta, type PatchMetaNode, patchMetaFor } from './meta';
export { applyJsonPatch, applyMergePatch, applyStrategicMergePatch };

export type PatchType = 'json' | 'merge' | 'strategic';

/** The patch type of a PATCH request's Content-Type (parameters ignored), if it is one of ours. */
export function patchTypeOf(contentType: string): PatchType | undefined {
  switch (contentType.split(';')[0]?.trim().toLowerCase()) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      return undefined;
  }
}

/**
 * Applies a decoded patch body to `original`. `meta` (patchMetaFor of the object's kind) is read
 * only by strategic merge patch. Throws PatchError.
 */
export function applyPatch(type: PatchType, original: unknown, patch: unknown, meta: PatchMetaNode): unknown {
  switch (type) {
    case 'json':
      return applyJsonPatch(original, patch);
    case 'merge':
      return applyMergePatch(original, patch);
    case 'strategic':
      return applyStrategicMergePatch(original, patch, meta);
  }
}
