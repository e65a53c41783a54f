/**
 * ValidatePodSpecUpdate: a running pod's spec is immutable except container and init-container
 * images, activeDeadlineSeconds (set, or lowered), tolerations (additions, or shorter
 * tolerationSeconds), terminationGracePeriodSeconds (from negative to 1) and removing scheduling
 * gates. Anything else is refused with Kubernetes' `pod updates may not change fields other than
 * …` message; where Kubernetes appends a Go struct diff we append the changed field paths.
 */
import type { Pod, PodSpec, Toleration } from 'kubernetes-types/core/v1';
import type { FieldError } from '../resources/types';
import { deepEqual, forbidden, invalid, required } from './field';

export const POD_UPDATE_FORBIDDEN =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function onlyAddedTolerations(next: Toleration[], prev: Toleration[]): boolean {
  return prev.every((old) =>
    next.some((t) => deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t)),
  );
}

/** Paths (up to `limit`) where two JSON values differ, for the forbidden-update message. */
export function changedPaths(a: unknown, b: unknown, path: string, limit = 10): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, p: string): void => {
    if (out.length >= limit || deepEqual(x, y)) return;
    if (Array.isArray(x) && Array.isArray(y) && x.length === y.length) {
      x.forEach((v, i) => walk(v, y[i], `${p}[${i}]`));
      return;
    }
    if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      for (const k of [...new Set([...Object.keys(xo), ...Object.keys(yo)])].sort())
        walk(xo[k], yo[k], `${p}.${k}`);
      return;
    }
    out.push(p);
  };
  walk(a, b, path);
  return out;
}

export function validatePodSpecUpdate(pod: Pod, old: Pod): FieldError[] {
  const spec: PodSpec = pod.spec ?? { containers: [] };
  const prev: PodSpec = old.spec ?? { containers: [] };
  const errs: FieldError[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    if ((spec[key] ?? []).length !== (prev[key] ?? []).length) {
      errs.push(forbidden(`spec.${key}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    (spec[key] ?? []).forEach((c, i) => {
      if (!c.image) errs.push(required(`spec.${key}[${i}].image`));
    });
  }
  if (prev.activeDeadlineSeconds !== undefined) {
    if (spec.activeDeadlineSeconds === undefined) {
      errs.push(
        invalid('spec.activeDeadlineSeconds', 'null', 'must not update from a positive integer to nil value'),
      );
    } else if (spec.activeDeadlineSeconds > prev.activeDeadlineSeconds) {
      errs.push(
        invalid(
          'spec.activeDeadlineSeconds',
          spec.activeDeadlineSeconds,
          'must be less than or equal to previous value',
        ),
      );
    }
  }
  if (!onlyAddedTolerations(spec.tolerations ?? [], prev.tolerations ?? [])) {
    errs.push(
      forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'),
    );
  }
  // Put every field that may change back to its old value; what still differs was not allowed.
  const munged: PodSpec = structuredClone(spec);
  for (const key of ['containers', 'initContainers'] as const) {
    (munged[key] ?? []).forEach((c, i) => {
      c.image = prev[key]?.[i]?.image ?? c.image;
    });
  }
  munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  munged.tolerations = prev.tolerations;
  if ((prev.terminationGracePeriodSeconds ?? 0) < 0 && spec.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = prev.terminationGracePeriodSeconds;
  }
  const gates = spec.schedulingGates ?? [];
  if (gates.every((g) => (prev.schedulingGates ?? []).some((o) => o.name === g.name))) {
    munged.schedulingGates = prev.schedulingGates;
  }
  const changed = changedPaths(prev, munged, 'spec');
  if (changed.length > 0 && errs.length === 0) {
    errs.push(
      forbidden('spec', `${POD_UPDATE_FORBIDDEN}\n${changed.map((p) => `  ${p}: changed`).join('\n')}`),
    );
  }
  return errs;
}
