/** Metadata rules every resource shares (Kubernetes' rest.BeforeCreate / BeforeUpdate). */
import { randomInt, randomUUID } from 'node:crypto';
import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import type { KubeObject, Mutable } from '../resources/types';

/** The object's metadata, created empty when absent. */
export function metaOf(obj: KubeObject): Mutable<ObjectMeta> {
  obj.metadata ??= {};
  return obj.metadata;
}

/** RFC 3339 with second precision, as metav1.Time serializes. */
export function nowTimestamp(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Five characters from Kubernetes' generateName alphabet (no vowels, no confusable digits). */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
export function generateSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** Name for generateName: the prefix cut to leave room for the suffix within 63 characters. */
export function generatedName(prefix: string): string {
  const max = 63 - 5;
  return (prefix.length > max ? prefix.slice(0, max) : prefix) + generateSuffix();
}

export function newUid(): string {
  return randomUUID();
}

/** Everything but metadata and status: what a generation bump compares. */
export function specPart(obj: KubeObject): string {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return JSON.stringify(rest);
}

/** The object without fields that change on every write, to detect no-op updates. */
export function comparable(obj: KubeObject): string {
  const { resourceVersion: _rv, managedFields, ...meta } = obj.metadata ?? {};
  const mf = (managedFields ?? []).map(({ time: _t, ...rest }) => rest);
  return JSON.stringify({ ...obj, metadata: { ...meta, managedFields: mf } });
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** The value at a dotted path (`spec.replicas`), undefined where the path leaves the object. */
export function valueAt(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}
