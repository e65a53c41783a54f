/**
 * Compute resources as kube-scheduler counts them (framework.Resource in types.go): integer
 * milli-CPU, bytes of memory and ephemeral storage, a pod count, and scalar resources (extended
 * resources such as `example.com/gpu`, `hugepages-*`, `attachable-volumes-*`).
 */
import type { Container, Pod } from 'kubernetes-types/core/v1';
import { parseQuantity } from '../../../kube/quantity';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** kube-scheduler's defaults for a container without a request, used only for scoring
 * (schedutil.DefaultMilliCPURequest = 100m, DefaultMemoryRequest = 200 MiB). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A quantity as whole milli-units, rounded up as resource.Quantity.MilliValue() does. */
export function milliValue(q: string | number | undefined): number {
  const v = parseQuantity(q);
  if (v === undefined) return 0;
  return roundUp(v * 1000);
}

/** A quantity as a whole number, rounded up as resource.Quantity.Value() does. */
export function value(q: string | number | undefined): number {
  const v = parseQuantity(q);
  if (v === undefined) return 0;
  return roundUp(v);
}

/** Ceil, but forgiving float noise (0.1 * 1000 is 100.00000000000001, which is 100m). */
function roundUp(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-6 ? r : Math.ceil(x);
}

/** schedutil.IsScalarResourceName: extended, hugepages, prefixed-native and attachable volumes. */
export function isScalarResourceName(name: string): boolean {
  return name.includes('/') || name.startsWith('hugepages-') || name.startsWith('attachable-volumes-');
}

export class Resource {
  milliCPU = 0;
  memory = 0;
  ephemeralStorage = 0;
  allowedPodNumber = 0;
  /** Scalar resources by name; null while there are none (the common case). */
  scalar: Map<string, number> | null = null;

  /** A Resource from a ResourceList (requests, allocatable). Unknown names are ignored. */
  static fromList(list: Record<string, string | number> | undefined): Resource {
    const r = new Resource();
    if (list) for (const name in list) r.addNamed(name, list[name]);
    return r;
  }

  addNamed(name: string, q: string | number | undefined): void {
    switch (name) {
      case CPU:
        this.milliCPU += milliValue(q);
        break;
      case MEMORY:
        this.memory += value(q);
        break;
      case EPHEMERAL_STORAGE:
        this.ephemeralStorage += value(q);
        break;
      case PODS:
        this.allowedPodNumber += value(q);
        break;
      default:
        if (isScalarResourceName(name)) this.addScalar(name, value(q));
    }
  }

  addScalar(name: string, v: number): void {
    const m = (this.scalar ??= new Map());
    m.set(name, (m.get(name) ?? 0) + v);
  }

  getScalar(name: string): number {
    return this.scalar?.get(name) ?? 0;
  }

  add(o: Resource): void {
    this.milliCPU += o.milliCPU;
    this.memory += o.memory;
    this.ephemeralStorage += o.ephemeralStorage;
    this.allowedPodNumber += o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, v);
  }

  sub(o: Resource): void {
    this.milliCPU -= o.milliCPU;
    this.memory -= o.memory;
    this.ephemeralStorage -= o.ephemeralStorage;
    this.allowedPodNumber -= o.allowedPodNumber;
    if (o.scalar) for (const [k, v] of o.scalar) this.addScalar(k, -v);
  }

  /** Raise each field to at least o's (used for init containers: max, not sum). */
  setMax(o: Resource): void {
    this.milliCPU = Math.max(this.milliCPU, o.milliCPU);
    this.memory = Math.max(this.memory, o.memory);
    this.ephemeralStorage = Math.max(this.ephemeralStorage, o.ephemeralStorage);
    this.allowedPodNumber = Math.max(this.allowedPodNumber, o.allowedPodNumber);
    if (o.scalar)
      for (const [k, v] of o.scalar) {
        const m = (this.scalar ??= new Map());
        m.set(k, Math.max(m.get(k) ?? 0, v));
      }
  }

  clone(): Resource {
    const r = new Resource();
    r.milliCPU = this.milliCPU;
    r.memory = this.memory;
    r.ephemeralStorage = this.ephemeralStorage;
    r.allowedPodNumber = this.allowedPodNumber;
    r.scalar = this.scalar ? new Map(this.scalar) : null;
    return r;
  }
}

/** What a container asks for; with `nonZero`, missing cpu/memory count as the scoring defaults. */
function containerRequests(c: Container, nonZero: boolean): Resource {
  const req = c.resources?.requests;
  const r = Resource.fromList(req);
  if (nonZero) {
    if (req?.[CPU] === undefined) r.milliCPU = DEFAULT_MILLI_CPU_REQUEST;
    if (req?.[MEMORY] === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

/**
 * A pod's effective requests, as component-helpers resource.PodRequests: the sum of its
 * containers; restartable init containers (sidecars, restartPolicy Always) run alongside them and
 * add up; each other init container runs alone (with the sidecars started before it), so the pod
 * needs the max of that and the sum; plus spec.overhead. `nonZero` applies the scoring defaults
 * per container (NonMissingContainerRequests).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const reqs = new Resource();
  for (const c of pod.spec?.containers ?? []) reqs.add(containerRequests(c, nonZero));
  const init = pod.spec?.initContainers;
  if (init && init.length > 0) {
    const sidecars = new Resource();
    const initMax = new Resource();
    for (const c of init) {
      const cr = containerRequests(c, nonZero);
      if (c.restartPolicy === 'Always') {
        reqs.add(cr);
        sidecars.add(cr);
        initMax.setMax(sidecars);
      } else {
        cr.add(sidecars);
        initMax.setMax(cr);
      }
    }
    reqs.setMax(initMax);
  }
  const overhead = pod.spec?.overhead;
  if (overhead) reqs.add(Resource.fromList(overhead));
  return reqs;
}
