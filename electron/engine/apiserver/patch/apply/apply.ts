/**
 * Server-side apply (`application/apply-patch+yaml`, `kubectl apply --server-side`), simplified
 * from structured-merge-diff but with the same contract and managedFields shape:
 *
 * - the applied configuration is merged into the live object (./merge.ts); applying to a missing
 *   object creates it;
 * - the manager then owns exactly the fields of its configuration (operation Apply);
 * - fields it owned before and left out of this configuration are removed from the object, unless
 *   another manager owns them (or something below them);
 * - setting a field another manager owns to a different value is a conflict (409, with
 *   Kubernetes' message) unless `force`, which takes the field over; setting it to the value it
 *   already has shares the ownership.
 */
import { PatchError } from '../errors';
import { type JsonMap, isJsonMap, sameJson } from '../json';
import type { PatchMetaNode } from '../meta';
import type { KubeObject } from '../../resources/types';
import {
  type FieldSet,
  type Path,
  fieldsOf,
  isAtOrBelow,
  pathKey,
  pathOf,
  pathString,
  removeAt,
  resolve,
} from './fieldset';
import {
  type Manager,
  describeManager,
  dropMissing,
  identity,
  readManagers,
  withManagedFields,
} from './managed-fields';
import { mergeApplied } from './merge';

export interface ApplyOptions {
  /** The field manager (`?fieldManager=`); kubectl sends `kubectl`. */
  manager: string;
  /** `?force=true`: take over conflicting fields instead of failing. */
  force: boolean;
  /** patchMetaFor the object's kind. */
  meta: PatchMetaNode;
  /** Group/version of the request, recorded on the entry. */
  apiVersion: string;
  /** RFC 3339 time recorded on the entry. */
  now: string;
  /** `status` when applying to the status subresource. */
  subresource?: string;
}

export interface ApplyConflict {
  /** The other manager's name. */
  manager: string;
  /** Kubernetes' path display, e.g. `.spec.replicas`. */
  field: string;
}

/** 409 Conflict with the message and causes kube-apiserver sends for apply conflicts. */
export class ApplyConflictError extends Error {
  override name = 'ApplyConflictError';
  readonly code = 409;
  readonly reason = 'Conflict';
  readonly conflicts: ApplyConflict[];
  /** metav1.StatusCause entries: `{ reason: 'FieldManagerConflict', message, field }`. */
  readonly causes: { reason: string; message: string; field: string }[];

  constructor(found: { manager: Manager; path: Path }[]) {
    super(conflictMessage(found));
    this.conflicts = found.map((c) => ({ manager: c.manager.manager, field: pathString(c.path) }));
    this.causes = found.map((c) => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${describeManager(c.manager)}`,
      field: pathString(c.path),
    }));
  }
}

function conflictMessage(found: { manager: Manager; path: Path }[]): string {
  const [only] = found;
  if (found.length === 1 && only) {
    return `Apply failed with 1 conflict: conflict with ${describeManager(only.manager)}: ${pathString(only.path)}`;
  }
  const byManager = new Map<string, { manager: Manager; paths: string[] }>();
  for (const c of found) {
    const id = identity(c.manager);
    const group = byManager.get(id) ?? { manager: c.manager, paths: [] };
    group.paths.push(pathString(c.path));
    byManager.set(id, group);
  }
  const lines = [...byManager.keys()].sort().flatMap((id) => {
    const group = byManager.get(id);
    if (!group) return [];
    return [`conflicts with ${describeManager(group.manager)}:`, ...group.paths.map((p) => `- ${p}`)];
  });
  return `Apply failed with ${found.length} conflicts: ${lines.join('\n')}`;
}

/** Applies `applied` for `opts.manager`; throws ApplyConflictError or PatchError. */
export function serverSideApply(
  live: KubeObject | undefined,
  applied: KubeObject,
  opts: ApplyOptions,
): { object: KubeObject } {
  if (applied.metadata?.managedFields !== undefined) {
    throw new PatchError(400, 'BadRequest', 'metadata.managedFields must be nil');
  }
  const { meta } = opts;
  const appliedSet = fieldsOf(applied, meta, opts.subresource);
  const base: JsonMap = live ? (live as JsonMap) : {};
  const managers = readManagers(live?.metadata?.managedFields);
  const me: Manager = {
    manager: opts.manager,
    operation: 'Apply',
    apiVersion: opts.apiVersion,
    time: opts.now,
    subresource: opts.subresource,
    fields: appliedSet,
  };
  const myId = identity(me);
  const previous = managers.get(myId)?.fields ?? new Set<string>();
  managers.delete(myId);

  const merged = mergeApplied(base, applied as JsonMap, meta);

  const conflicts: { manager: Manager; path: Path }[] = [];
  for (const other of managers.values()) {
    for (const key of appliedSet) {
      if (other.fields.has(key) && changes(base, merged, meta, pathOf(key))) {
        conflicts.push({ manager: other, path: pathOf(key) });
      }
    }
  }
  conflicts.sort((a, b) => comparePaths(a.path, b.path));
  if (conflicts.length > 0 && !opts.force) throw new ApplyConflictError(conflicts);
  for (const c of conflicts) c.manager.fields.delete(pathKey(c.path));

  managers.set(myId, me);
  prune(merged, meta, previous, managers);
  dropMissing(managers, merged, meta);
  return { object: withManagedFields(merged, managers) as KubeObject };
}

const isEmptyContainer = (value: unknown) =>
  (Array.isArray(value) && value.length === 0) || (isJsonMap(value) && Object.keys(value).length === 0);

/** structured-merge-diff's path order: element by element. */
function comparePaths(a: Path, b: Path): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Whether applying changes the value at `path`: added, or a different leaf value. */
function changes(before: JsonMap, after: JsonMap, meta: PatchMetaNode, path: Path): boolean {
  const was = resolve(before, meta, path);
  const now = resolve(after, meta, path);
  if (!was || !now) return was !== now;
  // List elements are compared through their own fields, which are separate paths.
  if (path.at(-1)?.startsWith('k:') || path.at(-1)?.startsWith('v:')) return false;
  return !sameJson(was.value, now.value);
}

/** Removes what the applier stopped applying, unless someone still owns it or something below it. */
function prune(obj: JsonMap, meta: PatchMetaNode, previous: FieldSet, managers: Map<string, Manager>) {
  const owned = (key: string) =>
    [...managers.values()].some((m) => [...m.fields].some((f) => isAtOrBelow(f, key)));
  for (const key of previous) {
    if (owned(key)) continue;
    const path = pathOf(key);
    if (!removeAt(obj, meta, path)) continue;
    // Maps and lists left empty by the removal go too (Kubernetes' typed encoding omits them).
    for (let depth = path.length - 1; depth > 0; depth--) {
      const parent = path.slice(0, depth);
      const found = resolve(obj, meta, parent);
      const last = parent.at(-1) ?? '';
      if (!found || !last.startsWith('f:') || !isEmptyContainer(found.value)) break;
      if (owned(pathKey(parent))) break;
      removeAt(obj, meta, parent);
    }
  }
}
