/**
 * The write path's adapters onto the patch, server-side-apply and schema modules: one place
 * that maps a served resource to its patch metadata and OpenAPI kind, and their errors to API
 * errors.
 */
import type { WriteDeps } from './handlers/write-deps';
import { ApiError } from './errors';
import { unknownFields } from './openapi/schemas';
import { ApplyConflictError, serverSideApply, updateManagedFields } from './patch/apply';
import { PatchError } from './patch/errors';
import { applyPatch } from './patch';
import { patchMetaFor } from './patch/meta';
import type { KubeObject } from './resources/types';
import { nowTimestamp } from './registry/object-meta';

export type Patcher = Pick<WriteDeps, 'patch' | 'apply' | 'manageFields' | 'unknownFields'>;

function asApiError(err: unknown): never {
  if (err instanceof ApplyConflictError) {
    throw new ApiError(409, 'Conflict', err.message, { causes: err.causes });
  }
  if (err instanceof PatchError) {
    // Kubernetes answers some malformed strategic patches with 500 and an empty reason; keep that.
    throw new ApiError(err.code, err.reason, err.message, err.causes ? { causes: err.causes } : undefined);
  }
  throw err;
}

export function createPatcher(): Patcher {
  return {
    patch(kind, original, patch, served) {
      try {
        return applyPatch(
          kind,
          original,
          patch,
          patchMetaFor(served.def.group, served.def.kind),
        ) as KubeObject;
      } catch (err) {
        return asApiError(err);
      }
    },
    apply(live, applied, { manager, force, served, subresource }) {
      try {
        return serverSideApply(live, applied, {
          manager,
          force,
          meta: patchMetaFor(served.def.group, served.def.kind),
          apiVersion: served.gv,
          now: nowTimestamp(),
          ...(subresource ? { subresource } : {}),
        }).object;
      } catch (err) {
        return asApiError(err);
      }
    },
    manageFields(old, obj, { manager, served, subresource }) {
      return updateManagedFields(old, obj, {
        manager,
        operation: 'Update',
        apiVersion: served.gv,
        now: nowTimestamp(),
        meta: patchMetaFor(served.def.group, served.def.kind),
        ...(subresource ? { subresource } : {}),
      });
    },
    unknownFields(obj, served) {
      return unknownFields(obj, served.def.group, served.def.version, served.def.kind);
    },
  };
}
