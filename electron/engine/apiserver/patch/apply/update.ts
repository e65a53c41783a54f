/**
 * Managed-fields bookkeeping for ordinary writes (create, update, patch, and subresource writes
 * such as `kubectl scale`), as kube-apiserver's field manager does it for operation Update:
 * the writer gains the fields it added or changed; every other manager loses them (an update
 * always wins, which is why a later apply by another manager conflicts on them).
 */
import type { PatchMetaNode } from '../meta';
import type { KubeObject } from '../../resources/types';
import { type JsonMap, isJsonMap, sameJson } from '../json';
import { type FieldSet, fieldsOf, pathOf, resolve } from './fieldset';
import {
  type Manager,
  dropMissing,
  identity,
  metaOf,
  readManagers,
  withManagedFields,
} from './managed-fields';

export interface UpdateOptions {
  manager: string;
  operation: 'Update';
  apiVersion: string;
  now: string;
  subresource?: string;
  /** patchMetaFor the kind; defaults to the one of the object's apiVersion and kind. */
  meta?: PatchMetaNode;
}

/**
 * `updated` with managedFields recording this write. `old` is undefined for a create.
 *
 * Client-sent managedFields replace the stored ones (a list with one empty entry, `[{}]`, strips
 * them, as in Kubernetes); an absent or empty list keeps the stored ones. Never throws: when the
 * fields cannot be computed (a list-map element without its key), the stored managedFields are
 * kept, as kube-apiserver's UpdateNoErrors does.
 */
export function updateManagedFields(
  old: KubeObject | undefined,
  updated: KubeObject,
  opts: UpdateOptions,
): KubeObject {
  const sent = updated.metadata?.managedFields;
  const stored = old?.metadata?.managedFields;
  if (Array.isArray(sent) && sent.length > 0 && sent.every((e) => !isJsonMap(e) || !e.operation)) {
    return withManagedFields(updated as JsonMap, new Map()) as KubeObject;
  }
  const managers = readManagers(Array.isArray(sent) && sent.length > 0 ? sent : stored);
  const meta = opts.meta ?? metaOf(updated as JsonMap);
  try {
    const changed = changedFields(old as JsonMap | undefined, updated as JsonMap, meta, opts.subresource);
    const me: Manager = {
      manager: opts.manager,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      subresource: opts.subresource,
      fields: new Set(),
    };
    const id = identity(me);
    for (const [otherId, other] of managers) {
      if (otherId !== id) for (const key of changed) other.fields.delete(key);
    }
    if (changed.size > 0) {
      const previous = managers.get(id);
      me.fields = new Set([...(previous?.fields ?? []), ...changed]);
      me.time = opts.now;
      managers.set(id, me);
    }
    dropMissing(managers, updated as JsonMap, meta);
    return withManagedFields(updated as JsonMap, managers) as KubeObject;
  } catch {
    return withManagedFields(updated as JsonMap, readManagers(stored)) as KubeObject;
  }
}

/** Fields of `updated` that `old` lacks or holds with another value. */
function changedFields(
  old: JsonMap | undefined,
  updated: JsonMap,
  meta: PatchMetaNode,
  subresource: string | undefined,
): FieldSet {
  const now = fieldsOf(updated, meta, subresource);
  if (!old) return now;
  const before = fieldsOf(old, meta, subresource);
  const changed: FieldSet = new Set();
  for (const key of now) {
    if (!before.has(key)) {
      changed.add(key);
      continue;
    }
    const path = pathOf(key);
    const last = path.at(-1) ?? '';
    if (last.startsWith('k:') || last.startsWith('v:')) continue;
    if (!sameJson(resolve(old, meta, path)?.value, resolve(updated, meta, path)?.value)) changed.add(key);
  }
  return changed;
}
