/**
 * Server-side apply and managed-fields bookkeeping. The API server calls `serverSideApply` for
 * `application/apply-patch+yaml` PATCH requests and `updateManagedFields` after every other
 * write (create, update, patch, status and scale writes), so both sides see the same owners.
 */
export { ApplyConflictError, serverSideApply } from './apply';
export type { ApplyConflict, ApplyOptions } from './apply';
export { updateManagedFields } from './update';
export type { UpdateOptions } from './update';
export { fromFieldsV1, pathString, toFieldsV1 } from './fieldset';
export type { FieldsV1 } from './fieldset';
