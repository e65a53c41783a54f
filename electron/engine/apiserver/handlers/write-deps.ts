/**
 * What the write handlers need from the rest of the API server, injected by api.ts so each
 * piece (patching, field management, strict decoding, admission, allocation) stays in its
 * own module and is testable alone.
 */
import type { Store } from '../../store/types';
import type { KubeObject } from '../resources/types';
import type { ServedResource } from '../registry/served';
import type { TxnExtras } from '../registry/storage';
import type { RequestContext } from './context';

export type WriteOperation = 'CREATE' | 'UPDATE' | 'DELETE';
export type PatchKind = 'json' | 'merge' | 'strategic';

/** Per-resource behaviour beyond the generic rules (allocation of cluster IPs, node ports…). */
export interface ResourceHooks {
  /** After defaulting and validation of a create; returns reservations to commit with it. */
  beforeCreate?(obj: KubeObject, ctx: RequestContext): Promise<TxnExtras | undefined>;
  /** For an update from `old` to `obj`: reservations to take or release with it. */
  beforeUpdate?(obj: KubeObject, old: KubeObject, ctx: RequestContext): Promise<TxnExtras | undefined>;
  /** For the final removal of `old` from the store: what to release with it. */
  beforeDelete?(old: KubeObject): TxnExtras | undefined;
}

export interface WriteDeps {
  store: Store;
  /** 'missing' when the namespace does not exist (namespace lifecycle admission). */
  namespacePhase(namespace: string): 'missing' | 'Active' | 'Terminating';
  hooks(served: ServedResource): ResourceHooks | undefined;
  /** Admission beyond defaulting/validation (node restriction…); throws ApiError to refuse. */
  admit(
    ctx: RequestContext,
    op: WriteOperation,
    obj: KubeObject | undefined,
    old: KubeObject | undefined,
  ): void;
  /** Apply a JSON, merge or strategic merge patch; throws PatchError-like errors with code. */
  patch(kind: PatchKind, original: KubeObject, patch: unknown, served: ServedResource): KubeObject;
  /** Server-side apply; throws an error with `conflicts` on conflicts. */
  apply(
    live: KubeObject | undefined,
    applied: KubeObject,
    opts: { manager: string; force: boolean; served: ServedResource; subresource?: string },
  ): KubeObject;
  /** Record the manager's changed fields (operation Update) in managedFields. */
  manageFields(
    old: KubeObject | undefined,
    obj: KubeObject,
    opts: { manager: string; served: ServedResource; subresource?: string },
  ): KubeObject;
  /** Paths of fields the schema does not declare (fieldValidation). */
  unknownFields(obj: KubeObject, served: ServedResource): string[];
}
