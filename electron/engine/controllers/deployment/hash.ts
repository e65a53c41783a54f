/**
 * The pod-template-hash and template equality, as kube-controller-manager's
 * controller.ComputeHash and deploymentutil.EqualIgnoreHash.
 *
 * Kubernetes hashes the Go struct of the template (spew-printed) with FNV-32a, appends the
 * collisionCount as 8 little-endian bytes, and writes the decimal of the sum through
 * rand.SafeEncodeString (digits mapped into "bcdfghjklmnpqrstvwxz2456789"). We cannot reproduce
 * Go's struct printing, so we hash a canonical JSON rendering (keys sorted) of the template
 * instead: same algorithm, same alphabet and length, deterministic for equal templates, but not
 * the same hash value a real cluster would print for the same template.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';

/** apps.DefaultDeploymentUniqueLabelKey. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no confusable characters. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits, over `bytes`, continuing from `hash`. */
export function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each byte mapped into ALPHANUMS (so a hash never spells a word). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += ALPHANUMS[s.charCodeAt(i) % ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted at every level; undefined members are left out like JSON.stringify. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] === undefined) continue;
    parts.push(`${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
  }
  return `{${parts.join(',')}}`;
}

/** controller.ComputeHash: the pod-template-hash of `template` given the deployment's collisionCount. */
export function computeHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined && collisionCount !== null) {
    // binary.LittleEndian.PutUint32 into an 8-byte buffer: the upper 4 bytes stay zero.
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(buf, h);
  }
  return safeEncodeString(String(h));
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object')
    return Object.keys(v).every((k) => (v as Record<string, unknown>)[k] === undefined);
  return false;
}

/**
 * apiequality.Semantic.DeepEqual for JSON values: like deep equality, except that an absent
 * member, null, an empty list and an empty object are all equal (Go's nil and empty slices and
 * maps compare equal, and both serialize to nothing). Scalars compare strictly.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isEmpty(a) && isEmpty(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    return a.every((v, i) => semanticEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!semanticEqual(ao[k], bo[k])) return false;
  return true;
}

/** deploymentutil.EqualIgnoreHash: templates equal apart from their pod-template-hash label. */
export function equalIgnoreHash(t1: PodTemplateSpec | undefined, t2: PodTemplateSpec | undefined): boolean {
  return semanticEqual(withoutHash(t1), withoutHash(t2));
}

function withoutHash(t: PodTemplateSpec | undefined): PodTemplateSpec {
  const labels = withoutKey(t?.metadata?.labels, POD_TEMPLATE_HASH_LABEL);
  return { ...t, metadata: { ...t?.metadata, labels } };
}

/** A copy of a label or annotation map without `key`. */
export function withoutKey(map: Record<string, string> | undefined, key: string): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).filter(([k]) => k !== key));
}
