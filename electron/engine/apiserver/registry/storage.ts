/**
 * Reads and optimistic writes of one resource's objects in the store, at Kubernetes' keys
 * (`/registry/<prefix>/<ns>/<name>`). Values are the object's JSON without
 * metadata.resourceVersion, which is the key's mod revision on the way out — as
 * kube-apiserver's etcd3 storage does. Every write is one store transaction guarded by the
 * key's create or mod revision, so concurrent writers (other requests, other API servers on
 * one etcd) conflict instead of overwriting each other.
 */
import type { Compare, RequestOp, Store } from '../../store/types';
import { StoreError } from '../../store/types';
import {
  ApiError,
  MODIFIED,
  type Resource,
  alreadyExists,
  conflict,
  internal,
  notFound,
  unavailable,
} from '../errors';
import type { KubeObject } from '../resources/types';

/** Extra compares and operations to commit atomically with a write (IP/port reservations). */
export interface TxnExtras {
  compare: Compare[];
  success: RequestOp[];
}

export interface Stored {
  object: KubeObject;
  rv: number;
}

const enc = (s: string) => Buffer.from(s, 'utf8');

export function encodeObject(obj: KubeObject): Buffer {
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  return enc(JSON.stringify({ ...obj, metadata: meta }));
}

export function decodeObject(value: Uint8Array, rv: number): KubeObject {
  const obj = JSON.parse(
    Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'),
  ) as KubeObject;
  obj.metadata = { ...(obj.metadata ?? {}), resourceVersion: String(rv) };
  return obj;
}

/** Store failures as API errors: lost quorum → 503 so clients retry, the rest → 500. */
export function storeFailure(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) {
    if (err.code === 'unavailable' || err.code === 'closed')
      return unavailable(`storage is unavailable: ${err.message}`);
    if (err.code === 'request-too-large')
      return new ApiError(413, 'RequestEntityTooLarge', `etcdserver: ${err.message}`);
    if (err.code === 'compacted') return new ApiError(410, 'Expired', err.message);
  }
  return internal((err as Error).message ?? String(err));
}

export class ResourceStorage {
  constructor(
    private readonly store: Store,
    /** `/registry/pods/` */
    readonly prefix: string,
    readonly namespaced: boolean,
    readonly resource: Resource,
  ) {}

  key(namespace: string, name: string): string {
    return this.namespaced ? `${this.prefix}${namespace}/${name}` : `${this.prefix}${name}`;
  }

  async get(namespace: string, name: string, revision?: number): Promise<Stored | null> {
    try {
      const r = await this.store.range({
        key: enc(this.key(namespace, name)),
        ...(revision ? { revision } : {}),
      });
      const kv = r.kvs[0];
      return kv ? { object: decodeObject(kv.value, kv.modRevision), rv: kv.modRevision } : null;
    } catch (err) {
      throw storeFailure(err);
    }
  }

  /** The store's current revision (a consistent read's "now"). */
  async currentRevision(): Promise<number> {
    try {
      const r = await this.store.range({ key: enc(`${this.prefix}\u0000`), keysOnly: true, limit: 1 });
      return r.header.revision;
    } catch (err) {
      throw storeFailure(err);
    }
  }

  /** Create; 409 AlreadyExists if the key exists. Returns the object with its resourceVersion. */
  async create(namespace: string, name: string, obj: KubeObject, extras?: TxnExtras): Promise<KubeObject> {
    const key = enc(this.key(namespace, name));
    const r = await this.txn(
      [{ key, target: 'create', result: 'equal', value: 0 }, ...(extras?.compare ?? [])],
      [{ put: { key, value: encodeObject(obj) } }, ...(extras?.success ?? [])],
    );
    if (!r.succeeded) {
      if (extras && (await this.get(namespace, name)) === null) {
        throw conflict(this.resource, name, 'a reservation it needs was taken concurrently; retry');
      }
      throw alreadyExists(this.resource, name);
    }
    return withRv(obj, r.header.revision);
  }

  /** Replace if the key is still at `expectedRv`; 409 Conflict otherwise, 404 if it is gone. */
  async update(
    namespace: string,
    name: string,
    obj: KubeObject,
    expectedRv: number,
    extras?: TxnExtras,
  ): Promise<KubeObject> {
    const key = enc(this.key(namespace, name));
    const r = await this.txn(
      [{ key, target: 'mod', result: 'equal', value: expectedRv }, ...(extras?.compare ?? [])],
      [{ put: { key, value: encodeObject(obj) } }, ...(extras?.success ?? [])],
    );
    if (!r.succeeded) await this.explainFailedWrite(namespace, name);
    return withRv(obj, r.header.revision);
  }

  /** Delete if still at `expectedRv`; returns the delete's revision. */
  async delete(namespace: string, name: string, expectedRv: number, extras?: TxnExtras): Promise<number> {
    const key = enc(this.key(namespace, name));
    const r = await this.txn(
      [{ key, target: 'mod', result: 'equal', value: expectedRv }, ...(extras?.compare ?? [])],
      [{ deleteRange: { key } }, ...(extras?.success ?? [])],
    );
    if (!r.succeeded) await this.explainFailedWrite(namespace, name);
    return r.header.revision;
  }

  private async explainFailedWrite(namespace: string, name: string): Promise<never> {
    const now = await this.get(namespace, name);
    if (!now) throw notFound(this.resource, name);
    throw conflict(this.resource, name, MODIFIED);
  }

  private async txn(compare: Compare[], success: RequestOp[]) {
    try {
      return await this.store.txn({ compare, success, failure: [] });
    } catch (err) {
      throw storeFailure(err);
    }
  }
}

export function withRv(obj: KubeObject, rv: number): KubeObject {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
}
