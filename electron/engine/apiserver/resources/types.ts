/**
 * How a served resource is declared. Each resource is declared once (resources/<group>.ts) and
 * the generic machinery — storage, watch cache, REST handlers, discovery, OpenAPI, Table
 * printing, admission — reads everything it needs from the declaration.
 *
 * Objects are plain JSON (`KubeObject`); typed views come from the `kubernetes-types` package.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';

/** kubernetes-types marks server-set fields readonly; the API server is the one that sets them. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Any Kubernetes object as stored and served: JSON with apiVersion, kind and metadata. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: Mutable<ObjectMeta>;
  [field: string]: unknown;
}

/** One field problem, as Kubernetes' field.Error (type names are its ErrorType strings). */
export interface FieldError {
  /** Path like `spec.containers[0].image` or `metadata.labels`. */
  field: string;
  type:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueDuplicate'
    | 'FieldValueForbidden'
    | 'FieldValueTooLong'
    | 'FieldValueTooMany';
  /** What kubectl prints after the path, e.g. `Required value` or `Invalid value: "x": …`. */
  message: string;
}

/** A server-side Table column (meta.k8s.io/v1 TableColumnDefinition). */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  /** 0 = shown by `kubectl get`; 1 = only with `-o wide` (Kubernetes' convention). */
  priority: number;
}

/** The scale subresource's mapping onto the object (autoscaling/v1 Scale). */
export interface ScaleSpec {
  /** Dotted path of the desired replicas, e.g. `spec.replicas`. */
  specReplicasPath: string;
  statusReplicasPath: string;
  /** Dotted path to the label selector object (scale reports it as a string). */
  labelSelectorPath?: string;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** Subresources beyond status/scale that the API server routes to special handlers. */
export type SpecialSubresource =
  'binding' | 'eviction' | 'log' | 'exec' | 'attach' | 'portforward' | 'proxy' | 'token' | 'finalize';

export interface ResourceDefinition<T extends KubeObject = KubeObject> {
  /** API group; '' is the core (legacy) group served under /api. */
  group: string;
  version: string;
  kind: string;
  /** Resource name in URLs (lowercase plural), e.g. `pods`. */
  plural: string;
  singular: string;
  shortNames?: string[];
  /** e.g. ['all'] so `kubectl get all` includes it. */
  categories?: string[];
  namespaced: boolean;
  /**
   * Key prefix under /registry, without slashes at either end: `pods`, `minions`,
   * `services/specs`, `deployments`. Objects live at `/registry/<prefix>/<ns>/<name>` (namespaced)
   * or `/registry/<prefix>/<name>`. Two definitions of one kind in different groups (events,
   * core/v1 and events.k8s.io/v1) share a prefix, as in Kubernetes.
   */
  storagePrefix: string;
  /** Served verbs; default: all of them. */
  verbs?: Verb[];
  /** The status subresource exists: main-resource writes keep the old status, status writes keep the rest. */
  status?: boolean;
  /**
   * Keep the status a client sends on create (Kubernetes does this for Nodes, whose agent
   * registers with its status); other resources with a status start with an empty one.
   */
  keepStatusOnCreate?: boolean;
  scale?: ScaleSpec;
  special?: SpecialSubresource[];
  /**
   * metadata.generation is bumped when anything outside metadata and status changes (Kubernetes
   * does this for objects with a spec). Default true when `status` is set.
   */
  generation?: boolean;
  /** Fills defaults in place, as Kubernetes' defaulting functions. Must be idempotent. */
  defaults?(obj: T): void;
  /** Validates a create (old undefined) or update. Returns every problem, not just the first. */
  validate?(obj: T, old?: T): FieldError[];
  /** Extra field selectors beyond metadata.name / metadata.namespace: name → value of the object. */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
  /** Table columns after NAME (Kubernetes prints NAME itself as the first column). */
  columns?: TableColumn[];
  /**
   * `columns` carry Kubernetes' own Name column (events print it last, as a wide column), so the
   * Table code must not put NAME first. Default false.
   */
  columnsIncludeName?: boolean;
  /** Cells for `columns`, in order; `now` for ages. */
  row?(obj: T, now: number): unknown[];
  /** Another group/version serves the same objects (e.g. events.k8s.io/v1 Event ↔ core/v1). */
  convert?: { toStored(obj: T): KubeObject; fromStored(obj: KubeObject): T };
}

/** `apps/v1` or `v1` for the core group. */
export function groupVersion(def: Pick<ResourceDefinition, 'group' | 'version'>): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}
