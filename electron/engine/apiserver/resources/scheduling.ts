/**
 * scheduling.k8s.io/v1 priorityclasses: `/registry/priorityclasses/<name>`. Pods name a class in
 * spec.priorityClassName; the Priority admission step (admission/priority.ts) resolves it to
 * spec.priority, which orders the scheduler's queue and decides preemption.
 */
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';
import { forbidden, immutable, invalid, notSupported, required } from '../admission/field';
import { defineResource, validator, type Obj } from './define';
import { AGE_COLUMN, col, since } from './printers';
import type { FieldError, ResourceDefinition } from './types';

type P = Obj<PriorityClass>;

/** scheduling.HighestUserDefinablePriority: larger values are reserved for the system classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-node-critical': 2_000_001_000,
  'system-cluster-critical': 2_000_000_000,
};
const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'];

function validatePriorityClass(pc: P, old?: P): FieldError[] {
  const errs: FieldError[] = [];
  const name = pc.metadata?.name ?? '';
  const system = SYSTEM_PRIORITY_CLASSES[name];
  if (typeof pc.value !== 'number') errs.push(required('value'));
  else if (system !== undefined) {
    if (pc.value !== system) errs.push(invalid('value', pc.value, `value of ${name} must be ${system}`));
  } else {
    if (name.startsWith('system-')) {
      errs.push(invalid('metadata.name', name, "priority class names with 'system-' prefix are reserved"));
    }
    if (pc.value > HIGHEST_USER_DEFINABLE_PRIORITY) {
      errs.push(
        forbidden(
          'value',
          `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`,
        ),
      );
    }
  }
  if (pc.preemptionPolicy !== undefined && !PREEMPTION_POLICIES.includes(pc.preemptionPolicy)) {
    errs.push(notSupported('preemptionPolicy', pc.preemptionPolicy, PREEMPTION_POLICIES));
  }
  if (old) {
    errs.push(...immutable('value', pc.value, old.value));
    errs.push(...immutable('preemptionPolicy', pc.preemptionPolicy, old.preemptionPolicy));
  }
  return errs;
}

export const priorityclasses = defineResource<P>({
  group: 'scheduling.k8s.io',
  version: 'v1',
  kind: 'PriorityClass',
  plural: 'priorityclasses',
  singular: 'priorityclass',
  shortNames: ['pc'],
  namespaced: false,
  storagePrefix: 'priorityclasses',
  defaults(pc) {
    pc.preemptionPolicy ??= 'PreemptLowerPriority';
  },
  validate: validator<P>({ namespaced: false }, validatePriorityClass),
  columns: [
    col('Value', 'value is the integer value of this priority class.', { type: 'integer' }),
    col(
      'Global-Default',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority.',
      { type: 'boolean' },
    ),
    AGE_COLUMN,
    col('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority.'),
  ],
  row: (pc, now) => [
    pc.value,
    pc.globalDefault ?? false,
    since(pc.metadata?.creationTimestamp, now),
    pc.preemptionPolicy ?? 'PreemptLowerPriority',
  ],
});

export const SCHEDULING_RESOURCES: ResourceDefinition[] = [priorityclasses];
