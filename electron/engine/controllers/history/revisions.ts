/**
 * ControllerRevision history shared by the DaemonSet and StatefulSet controllers, following
 * kube-controller-manager's pkg/controller/history:
 * - a revision's `data` is a strategic-merge patch that replaces `spec.template`
 *   (`{"spec":{"template":{…,"$patch":"replace"}}}`), so `kubectl rollout undo` can apply it;
 * - names are `<parent>-<hash>` (parent name cut to 223 characters), the hash being FNV-1 32 of
 *   the data plus the parent's collisionCount, printed in apimachinery's "safe" alphabet;
 * - two revisions are equal when their data is equal (the hash label is not a number, so
 *   Kubernetes' hash comparison never applies either);
 * - revisions sort by revision number, then creation time, then name;
 * - a name already taken by different data is a collision: collisionCount goes up and the
 *   create is retried with the new hash.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import { isAlreadyExists } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import type { KubeClient, KubeObject } from '../../../kube/types';
import { newControllerRef } from '../util/owners';

/** apps.ControllerRevisionHashLabelKey: on pods and on revisions. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';
/** history.ControllerRevisionHashLabel: on revisions made by history.NewControllerRevision. */
export const HISTORY_HASH_LABEL = 'controller.kubernetes.io/hash';

/** Longest parent-name prefix of a revision name (history.ControllerRevisionName). */
const MAX_PREFIX = 223;
/** rand.SafeEncodeString's alphabet: no vowels, no look-alike digits. */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
/** Bound on collision retries; each one is a real name clash, so a few always suffice. */
const MAX_COLLISIONS = 20;

/** rand.SafeEncodeString: maps each character to the safe alphabet. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted, so equal values always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, o[k]]),
      );
    }
    return v;
  });
}

/** FNV-1 (fnv.New32) or FNV-1a (fnv.New32a) over bytes, continuing from `h`. */
function fnv32(bytes: Uint8Array, variantA: boolean, h = 0x811c9dc5): number {
  for (const b of bytes) {
    if (variantA) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    else h = (Math.imul(h, 0x01000193) ^ b) >>> 0;
  }
  return h >>> 0;
}

/**
 * history.HashControllerRevision: FNV-1 of the data, then of collisionCount in decimal,
 * safe-encoded. Used for StatefulSet revisions.
 */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let h = fnv32(Buffer.from(canonicalJson(data)), false);
  if (collisionCount !== undefined) h = fnv32(Buffer.from(String(collisionCount)), false, h);
  return safeEncodeString(String(h));
}

/**
 * controller.ComputeHash: FNV-1a of the pod template, then of collisionCount as 4
 * little-endian bytes, safe-encoded. Used for DaemonSet revisions and pod labels.
 * (Kubernetes hashes the Go struct dump; we hash canonical JSON, so values differ from a real
 * cluster's but are just as stable.)
 */
export function computeTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32(Buffer.from(canonicalJson(template ?? {})), true);
  if (collisionCount !== undefined) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    h = fnv32(b, true, h);
  }
  return safeEncodeString(String(h));
}

/** history.ControllerRevisionName. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, MAX_PREFIX)}-${hash}`;
}

/** The patch a revision stores: replace spec.template with the owner's current one. */
export function templatePatch(template: PodTemplateSpec | undefined): { spec: { template: unknown } } {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision stores (its patch without the `$patch` directive). */
export function revisionTemplate(rev: ControllerRevision): PodTemplateSpec {
  const data = rev.data as { spec?: { template?: Record<string, unknown> } } | undefined;
  const { $patch: _p, ...template } = data?.spec?.template ?? {};
  return structuredClone(template) as PodTemplateSpec;
}

/** history.EqualRevision: same data (compared as JSON values). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data ?? null) === canonicalJson(b.data ?? null);
}

export function findEqualRevisions(
  revisions: ControllerRevision[],
  needle: ControllerRevision,
): ControllerRevision[] {
  const want = canonicalJson(needle.data ?? null);
  return revisions.filter((r) => canonicalJson(r.data ?? null) === want);
}

/** history.SortControllerRevisions: by revision, then creation time, then name (in place). */
export function sortRevisions(revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions.sort(
    (a, b) =>
      a.revision - b.revision ||
      (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? '') ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
}

/** The revision number after the highest of sorted `revisions` (1 for none). */
export function nextRevision(sorted: ControllerRevision[]): number {
  const last = sorted[sorted.length - 1];
  return last ? last.revision + 1 : 1;
}

/**
 * history.NewControllerRevision: a revision of `parent` (which must carry kind and
 * apiVersion) holding `data`, labelled with the template's labels and the hash label, owned
 * by `parent` as its controller.
 */
export function newControllerRevision(
  parent: KubeObject,
  templateLabels: Record<string, string> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number,
): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata?.name ?? '', hash),
      namespace: parent.metadata?.namespace,
      labels: { ...templateLabels, [HISTORY_HASH_LABEL]: hash },
      annotations: parent.metadata?.annotations ? { ...parent.metadata.annotations } : undefined,
      ownerReferences: [newControllerRef(parent)],
    },
    data: data as ControllerRevision['data'],
    revision,
  };
}

/**
 * history.CreateControllerRevision: creates `revision` under the name its data and
 * `collision.count` give; when that name holds different data, bumps `collision.count` and
 * tries again. Resolves with the stored revision (an existing equal one counts).
 */
export async function createControllerRevision(
  client: KubeClient,
  parent: KubeObject,
  revision: ControllerRevision,
  collision: { count: number },
): Promise<ControllerRevision> {
  const api = client.resource<ControllerRevision>(R.controllerrevisions);
  const namespace = parent.metadata?.namespace ?? '';
  for (let i = 0; i < MAX_COLLISIONS; i++) {
    const hash = hashRevisionData(revision.data, collision.count);
    const name = controllerRevisionName(parent.metadata?.name ?? '', hash);
    const body: ControllerRevision = {
      ...revision,
      metadata: {
        ...revision.metadata,
        name,
        labels: { ...revision.metadata?.labels, [HISTORY_HASH_LABEL]: hash },
      },
    };
    try {
      return await api.create(namespace, body);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await api.get(namespace, name);
      if (equalRevision(existing, body)) return existing;
      collision.count++;
    }
  }
  throw new Error(`controllerrevision for ${namespace}/${parent.metadata?.name}: too many hash collisions`);
}
