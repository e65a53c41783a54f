/**
 * Indexed completion mode (indexed_job_utils.go): each pod carries a completion index in
 * [0, completions) in the `batch.kubernetes.io/job-completion-index` annotation and label, and
 * status.completedIndexes lists the succeeded ones as intervals ("0-2,4,6,7").
 */
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1';
import { COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_LABEL } from './job-util';

export const UNKNOWN_INDEX = -1;

export function isIndexedJob(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

/** getCompletionIndex: the pod's index, or UNKNOWN_INDEX when missing or malformed. */
export function completionIndex(pod: Pod): number {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (v === undefined || !/^\d+$/.test(v)) return UNKNOWN_INDEX;
  return Number(v);
}

/** Parses "0-2,4" into a sorted set of indexes below `completions` (bad parts are skipped). */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = m[2] === undefined ? first : Number(m[2]);
    for (let i = first; i <= Math.min(last, completions - 1); i++) out.add(i);
  }
  return out;
}

/** orderedIntervals.String(): runs of 3+ as "a-b", pairs as "a,b". */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    const first = sorted[i] as number;
    const last = sorted[j] as number;
    if (last === first) parts.push(String(first));
    else if (last === first + 1) parts.push(`${first},${last}`);
    else parts.push(`${first}-${last}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The lowest `n` indexes that neither succeeded nor have an active pod (firstPendingIndexes). */
export function firstPendingIndexes(
  active: Pod[],
  succeeded: Set<number>,
  n: number,
  completions: number,
): number[] {
  const busy = new Set(active.map(completionIndex));
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < n; i++) if (!succeeded.has(i) && !busy.has(i)) out.push(i);
  return out;
}

/**
 * appendDuplicatedIndexPodsForRemoval: active pods with no valid index, or a second pod for an
 * index (the one to keep is the first in `order`), must go.
 */
export function invalidOrDuplicatePods(
  active: Pod[],
  completions: number,
  order: (a: Pod, b: Pod) => number,
) {
  const remove: Pod[] = [];
  const keep: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of active) {
    const ix = completionIndex(p);
    if (ix === UNKNOWN_INDEX || ix >= completions) remove.push(p);
    else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
  }
  for (const pods of byIndex.values()) {
    // `order` puts the best pod to remove first; keep the last one.
    const sorted = [...pods].sort(order);
    keep.push(sorted.pop() as Pod);
    remove.push(...sorted);
  }
  return { remove, keep };
}

/**
 * The pod template for one index: the annotation and label, hostname `<job>-<index>`, and the
 * JOB_COMPLETION_INDEX variable read from the annotation through the downward API.
 */
export function indexedTemplate(job: Job, template: PodTemplateSpec, index: number): PodTemplateSpec {
  const t = structuredClone(template);
  const meta = (t.metadata ??= {});
  meta.annotations = { ...meta.annotations, [COMPLETION_INDEX_ANNOTATION]: String(index) };
  meta.labels = { ...meta.labels, [COMPLETION_INDEX_LABEL]: String(index) };
  if (t.spec) {
    t.spec.hostname = `${job.metadata?.name ?? ''}-${index}`;
    const env = {
      name: 'JOB_COMPLETION_INDEX',
      valueFrom: {
        fieldRef: { apiVersion: 'v1', fieldPath: `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']` },
      },
    };
    for (const c of [...(t.spec.initContainers ?? []), ...t.spec.containers]) {
      if (!(c.env ?? []).some((e) => e.name === env.name)) c.env = [...(c.env ?? []), env];
    }
  }
  return t;
}
