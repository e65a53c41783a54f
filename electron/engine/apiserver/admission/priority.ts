/**
 * The Priority admission plugin (plugin/pkg/admission/priority): a new pod's
 * spec.priorityClassName is resolved to spec.priority and spec.preemptionPolicy from the
 * PriorityClass; without a class the globalDefault class applies, else priority 0. A missing
 * class, or a spec.priority that disagrees with the class, is refused with Kubernetes' messages.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1';

export interface PriorityLookup {
  priorityClass(name: string): PriorityClass | undefined;
  /** The class with globalDefault: true (the oldest if several), if any. */
  globalDefault(): PriorityClass | undefined;
}

/** Sets priority fields on `pod`; returns a Forbidden message when it must be refused. */
export function admitPodPriority(pod: Pod, lookup: PriorityLookup): string | null {
  const spec = pod.spec;
  if (!spec) return null;
  let value = 0;
  let policy: string | undefined;
  if (spec.priorityClassName) {
    const pc = lookup.priorityClass(spec.priorityClassName);
    if (!pc) return `no PriorityClass with name ${spec.priorityClassName} was found`;
    value = pc.value;
    policy = pc.preemptionPolicy;
  } else {
    const pc = lookup.globalDefault();
    if (pc) {
      spec.priorityClassName = pc.metadata?.name;
      value = pc.value;
      policy = pc.preemptionPolicy;
    }
  }
  if (spec.priority !== undefined && spec.priority !== value) {
    return `the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`;
  }
  spec.priority = value;
  spec.preemptionPolicy ??= policy ?? 'PreemptLowerPriority';
  return null;
}
