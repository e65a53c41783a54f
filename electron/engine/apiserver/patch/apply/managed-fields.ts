/**
 * `metadata.managedFields` read into field sets and written back, with Kubernetes' rules for
 * which entries are the same manager and in which order entries are listed
 * (k8s.io/apiserver fieldmanager: BuildManagerIdentifier, sortEncodedManagedFields).
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import { type JsonMap, isJsonMap } from '../json';
import { type PatchMetaNode, patchMetaFor } from '../meta';
import { type FieldSet, fromFieldsV1, pathOf, resolve, toFieldsV1 } from './fieldset';

export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  /** Empty for appliers' identity, kept on the entry. */
  apiVersion: string;
  time?: string;
  subresource?: string;
  fields: FieldSet;
}

/**
 * One identity per manager name + operation + subresource, and for Update also per apiVersion:
 * an applier keeps its identity when it applies another version.
 */
export function identity(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  // Field order as Go marshals ManagedFieldsEntry, so sorting by identity sorts as Kubernetes does.
  return JSON.stringify({
    manager: m.manager || undefined,
    operation: m.operation,
    apiVersion: m.operation === 'Update' ? m.apiVersion || undefined : undefined,
    subresource: m.subresource || undefined,
  });
}

/** The managers of an object; malformed entries are dropped, entries of one identity united. */
export function readManagers(entries: unknown): Map<string, Manager> {
  const out = new Map<string, Manager>();
  if (!Array.isArray(entries)) return out;
  for (const entry of entries) {
    if (!isJsonMap(entry)) continue;
    const e = entry as ManagedFieldsEntry;
    if (e.operation !== 'Apply' && e.operation !== 'Update') continue;
    const manager: Manager = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion ?? '',
      time: e.time,
      subresource: e.subresource || undefined,
      fields: fromFieldsV1(e.fieldsV1),
    };
    const id = identity(manager);
    const previous = out.get(id);
    if (previous) for (const f of manager.fields) previous.fields.add(f);
    else out.set(id, manager);
  }
  return out;
}

/** Entries for `metadata.managedFields`, empty managers left out, in Kubernetes' order. */
export function writeManagers(managers: Iterable<Manager>): ManagedFieldsEntry[] {
  const seconds = (t?: string) => (t ? Math.floor(Date.parse(t) / 1000) || 0 : 0);
  const list = [...managers].filter((m) => m.fields.size > 0);
  list.sort(
    (p, q) =>
      compare(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      compare(p.manager, q.manager) ||
      compare(p.apiVersion, q.apiVersion) ||
      compare(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((m) => {
    const entry: ManagedFieldsEntry = {
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
    };
    if (m.time) entry.time = m.time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = toFieldsV1(m.fields);
    if (m.subresource) entry.subresource = m.subresource;
    return entry;
  });
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * How Kubernetes names a manager in conflict messages: `"kubectl"` for an applier,
 * `"kube-controller-manager" using apps/v1` for an updater, with ` with subresource "status"`.
 */
export function describeManager(m: Manager): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') text += ` using ${m.apiVersion}`;
  return text;
}

/** Drops from every manager the fields `obj` no longer has: nobody owns what is gone. */
export function dropMissing(managers: Map<string, Manager>, obj: JsonMap, meta: PatchMetaNode): void {
  for (const m of managers.values()) {
    for (const key of m.fields) if (!resolve(obj, meta, pathOf(key))) m.fields.delete(key);
  }
}

/** `obj` with its managedFields set from `managers` (the key removed when none is left). */
export function withManagedFields(obj: JsonMap, managers: Map<string, Manager>): JsonMap {
  const entries = writeManagers(managers.values());
  const metadata: JsonMap = isJsonMap(obj.metadata) ? { ...obj.metadata } : {};
  if (entries.length > 0) metadata.managedFields = entries;
  else delete metadata.managedFields;
  return { ...obj, metadata };
}

/** patchMetaFor the object's own apiVersion and kind. */
export function metaOf(obj: JsonMap): PatchMetaNode {
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  return patchMetaFor(group, typeof obj.kind === 'string' ? obj.kind : '');
}
