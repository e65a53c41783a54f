/**
 * A small Kubernetes client: what the scheduler, the controllers, simulated nodes, the agent
 * and the UI backend need from an API server, and nothing more. Plain Node (https), no native
 * modules, so the agent bundle can carry it.
 *
 * Why not @kubernetes/client-node: its generated ObjectSerializer walks and converts every object
 * on every response and watch event (dates to Date, field renames), which costs more CPU than the
 * scheduler's own work at thousands of pods a second; its informer keeps no indexes; and the
 * agent must run on Node 18 as one bundle. This client moves plain JSON (`kubernetes-types`
 * shapes) and leaves the objects as the server sent them.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';

/** A Kubernetes object as plain JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Which REST resource: enough to build its paths. */
export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Kind of one object (for events and ownerReferences). */
  kind: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** '' / undefined: consistent read; '0': any (from the watch cache). */
  resourceVersion?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T> {
  type: WatchEventType;
  /** For ERROR, a metav1.Status. */
  object: T;
}

/** An open watch. `done` settles when the stream ends: resolves on a clean end, rejects on error. */
export interface WatchHandle {
  close(): void;
  readonly done: Promise<void>;
}

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

export interface PatchOptions {
  /** Server-side apply: required field manager; force takes conflicting fields. */
  fieldManager?: string;
  force?: boolean;
  subresource?: string;
}

/** Typed operations on one resource. `namespace` is ignored for cluster-scoped resources. */
export interface ResourceClient<T extends KubeObject> {
  readonly ref: ResourceRef;
  get(namespace: string, name: string): Promise<T>;
  list(namespace: string | null, opts?: ListOptions): Promise<ListResult<T>>;
  /** Pages through the whole list with `limit` (default 500) and `continue`. */
  listAll(namespace: string | null, opts?: Omit<ListOptions, 'limit' | 'continue'>): Promise<ListResult<T>>;
  create(namespace: string, obj: T): Promise<T>;
  /** PUT of the whole object; `metadata.resourceVersion` makes it conditional (409 on conflict). */
  update(obj: T): Promise<T>;
  updateStatus(obj: T): Promise<T>;
  patch(namespace: string, name: string, type: PatchType, patch: unknown, opts?: PatchOptions): Promise<T>;
  /** Resolves with what the server answered (the object, or a Status). */
  delete(namespace: string, name: string, opts?: DeleteOptions): Promise<unknown>;
  /** Calls `onEvent` for each event in order; never calls it after close(). */
  watch(namespace: string | null, opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void): WatchHandle;
  /** POST to a subresource (binding, eviction, …) of `name`. */
  createSubresource(namespace: string, name: string, subresource: string, body: unknown): Promise<unknown>;
}

export interface KubeClient {
  /** The API server's URL (for messages and logs). */
  readonly server: string;
  /** Who this client acts as, for messages (a user name or 'token'). */
  readonly identity: string;
  resource<T extends KubeObject>(ref: ResourceRef): ResourceClient<T>;
  /** A raw JSON request; throws KubeApiError for non-2xx. */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
  /** Closes pooled connections and every open watch. */
  close(): void;
}

/** What the client needs to reach an API server. */
export interface Connection {
  server: string;
  caPem: string;
  /** Client certificate and key, or a bearer token. */
  certPem?: string;
  keyPem?: string;
  token?: string;
  /** Concurrent connections per client (default 64). */
  maxSockets?: number;
  /** Per-request timeout for non-watch calls (default 30 s). */
  timeoutMs?: number;
}
