/**
 * An object as the watch cache holds it: parsed once from the store, with its resourceVersion
 * (the store's mod revision) filled in, and serialized at most once — a LIST of 10,000 pods
 * joins cached JSON strings instead of re-encoding every object, and a watch event fans out
 * to any number of watchers from the same string.
 *
 * The object is shared: treat it as immutable (clone before changing).
 */
import type { KubeObject } from '../resources/types';
import { decodeObject } from './storage';

export class CachedObject {
  private encoded: string | undefined;
  constructor(
    /** Full store key, `/registry/pods/default/web-1`. */
    readonly key: string,
    readonly namespace: string,
    readonly name: string,
    /** The revision this state was written at (for a deletion: the delete's revision). */
    readonly rv: number,
    readonly object: KubeObject,
  ) {}

  get json(): string {
    this.encoded ??= JSON.stringify(this.object);
    return this.encoded;
  }

  /** Decode a stored value (JSON without resourceVersion) and stamp its revision. */
  static decode(key: string, value: Uint8Array, rv: number, prefix: string): CachedObject {
    const object = decodeObject(value, rv);
    const [namespace, name] = splitKey(key, prefix);
    return new CachedObject(key, namespace, name, rv, object);
  }

  /** This object as last seen before a delete at `rv` (what DELETED watch events carry). */
  deletedAt(rv: number): CachedObject {
    const object = { ...this.object, metadata: { ...this.object.metadata, resourceVersion: String(rv) } };
    return new CachedObject(this.key, this.namespace, this.name, rv, object);
  }
}

/** `<prefix><ns>/<name>` or `<prefix><name>` → [namespace, name]. */
export function splitKey(key: string, prefix: string): [string, string] {
  const rest = key.slice(prefix.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? ['', rest] : [rest.slice(0, slash), rest.slice(slash + 1)];
}
