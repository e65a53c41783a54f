/**
 * Server-side printing: meta.k8s.io Table responses (what `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) and PartialObjectMetadata, built
 * from each resource's declared columns. NAME is always the first column, as in Kubernetes.
 */
import type { KubeObject, ResourceDefinition, TableColumn } from '../resources/types';
import { groupVersion } from '../resources/types';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Cannot be updated.',
  priority: 0,
};

/** Columns for resources that declare none (Kubernetes' default table: Name, Created At). */
const DEFAULT_COLUMNS: TableColumn[] = [
  { name: 'Created At', type: 'date', description: 'When the object was created.', priority: 0 },
];

export function partialMetadata(obj: KubeObject, version: string): KubeObject {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: obj.metadata,
  };
}

function rowFor(
  def: ResourceDefinition,
  obj: KubeObject,
  now: number,
  include: IncludeObject,
  version: string,
) {
  const cells = def.columns && def.row ? def.row(obj, now) : [obj.metadata?.creationTimestamp ?? ''];
  const row: Record<string, unknown> = {
    cells: def.columnsIncludeName ? cells : [obj.metadata?.name ?? '', ...cells],
  };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialMetadata(obj, version);
  return row;
}

export function toTable(
  def: ResourceDefinition,
  objects: KubeObject[],
  opts: {
    include: IncludeObject;
    version: string;
    listMeta?: Record<string, unknown>;
    withColumns?: boolean;
  },
): KubeObject {
  const now = Date.now();
  const columns = def.columnsIncludeName
    ? (def.columns ?? [])
    : [NAME_COLUMN, ...(def.columns ?? DEFAULT_COLUMNS)];
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: (opts.listMeta ?? {}) as KubeObject['metadata'],
    columnDefinitions: opts.withColumns === false ? [] : columns,
    rows: objects.map((o) => rowFor(def, o, now, opts.include, opts.version)),
  };
}

export function parseIncludeObject(v: string | null, def: IncludeObject = 'Metadata'): IncludeObject {
  return v === 'None' || v === 'Object' || v === 'Metadata' ? v : def;
}

export function listKind(def: ResourceDefinition): { kind: string; apiVersion: string } {
  return { kind: `${def.kind}List`, apiVersion: groupVersion(def) };
}
