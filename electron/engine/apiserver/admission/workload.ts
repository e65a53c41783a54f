/**
 * Checks shared by the controllers' objects (ReplicaSet, Deployment, StatefulSet, DaemonSet,
 * Job, ReplicationController): a selector that is present, non-empty and selects the template's
 * labels, a non-negative replica count, and the selector's immutability (apps/v1, batch/v1).
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1';
import type { FieldError } from '../resources/types';
import { immutable, invalid, nonNegative, required } from './field';
import { selectorIsEmpty, selectorMatches } from '../../../kube/selectors';
import { validateLabelSelector } from './selectors';

/**
 * The selector rules of ValidateReplicaSetSpec / ValidateDeploymentSpec: required, not empty
 * (`empty selector is invalid for <kind>`), valid, and matching the template's labels.
 */
export function validateSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  what: string,
): FieldError[] {
  if (!selector) return [required('spec.selector')];
  const errs = validateLabelSelector(selector, 'spec.selector');
  if (selectorIsEmpty(selector)) {
    errs.push(invalid('spec.selector', selector, `empty selector is invalid for ${what}`));
  } else if (template && !selectorMatches(selector, template.metadata?.labels)) {
    errs.push(
      invalid(
        'spec.template.metadata.labels',
        template.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  return errs;
}

export function validateReplicas(replicas: number | undefined): FieldError[] {
  return nonNegative('spec.replicas', replicas);
}

export function validateSelectorImmutable(
  next: LabelSelector | undefined,
  prev: LabelSelector | undefined,
): FieldError[] {
  return immutable('spec.selector', next, prev);
}
