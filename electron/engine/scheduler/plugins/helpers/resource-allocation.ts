/**
 * Shared scoring over resources (noderesources/resource_allocation.go and its scorers):
 * LeastAllocated, MostAllocated, RequestedToCapacityRatio and BalancedAllocation all score a
 * node from per-resource (requested, allocatable) pairs, with Go's integer arithmetic.
 */
import {
  CPU,
  EPHEMERAL_STORAGE,
  MAX_NODE_SCORE,
  MEMORY,
  isScalarResourceName,
  type NodeInfo,
  type PodInfo,
} from '../../framework/types';

export interface ResourceSpec {
  name: string;
  weight: number;
}

/** Default resources and weights of NodeResourcesFit and BalancedAllocation: cpu 1, memory 1. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: CPU, weight: 1 },
  { name: MEMORY, weight: 1 },
];

export type Scorer = (requested: Float64Array, allocatable: Float64Array) => number;

/**
 * The pod's request for each resource: with `useRequested` false (NodeResourcesFit scoring),
 * containers without cpu/memory requests count as 100m / 200Mi (calculatePodResourceRequest).
 */
export function podRequestList(
  pod: PodInfo,
  resources: readonly ResourceSpec[],
  useRequested: boolean,
): Float64Array {
  const out = new Float64Array(resources.length);
  resources.forEach((r, i) => {
    switch (r.name) {
      case CPU:
        out[i] = useRequested ? pod.requests.milliCPU : pod.nonZeroCPU;
        break;
      case MEMORY:
        out[i] = useRequested ? pod.requests.memory : pod.nonZeroMemory;
        break;
      case EPHEMERAL_STORAGE:
        out[i] = pod.requests.ephemeralStorage;
        break;
      default:
        out[i] = pod.requests.getScalar(r.name);
    }
  });
  return out;
}

/**
 * Fills requested/allocatable for one node (calculateResourceAllocatableRequest); a resource the
 * node does not have, or a scalar resource the pod does not ask for, gets allocatable 0 and is
 * then left out by every scorer. Reuses the caller's arrays: no allocation per node.
 */
export function fillNode(
  nodeInfo: NodeInfo,
  resources: readonly ResourceSpec[],
  podRequests: Float64Array,
  useRequested: boolean,
  requested: Float64Array,
  allocatable: Float64Array,
): void {
  const used = useRequested ? nodeInfo.requested : nodeInfo.nonZeroRequested;
  const alloc = nodeInfo.allocatable;
  for (let i = 0; i < resources.length; i++) {
    const name = (resources[i] as ResourceSpec).name;
    const pr = podRequests[i] ?? 0;
    let a = 0;
    let r = 0;
    if (name === CPU) {
      a = alloc.milliCPU;
      r = used.milliCPU + pr;
    } else if (name === MEMORY) {
      a = alloc.memory;
      r = used.memory + pr;
    } else if (name === EPHEMERAL_STORAGE) {
      a = alloc.ephemeralStorage;
      r = nodeInfo.requested.ephemeralStorage + pr;
    } else if (!(pr === 0 && isScalarResourceName(name)) && alloc.scalar?.has(name)) {
      a = alloc.getScalar(name);
      r = nodeInfo.requested.getScalar(name) + pr;
    }
    allocatable[i] = a;
    requested[i] = a === 0 ? 0 : r;
  }
}

export const leastRequestedScore = (requested: number, capacity: number): number =>
  capacity === 0 || requested > capacity
    ? 0
    : Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);

export const mostRequestedScore = (requested: number, capacity: number): number =>
  capacity === 0 ? 0 : Math.trunc((Math.min(requested, capacity) * MAX_NODE_SCORE) / capacity);

function weighted(resources: readonly ResourceSpec[], f: (r: number, a: number) => number): Scorer {
  return (requested, allocatable) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      const a = allocatable[i] ?? 0;
      if (a === 0) continue;
      const w = (resources[i] as ResourceSpec).weight;
      score += f(requested[i] ?? 0, a) * w;
      weights += w;
    }
    return weights === 0 ? 0 : Math.trunc(score / weights);
  };
}

export const leastAllocatedScorer = (resources: readonly ResourceSpec[]): Scorer =>
  weighted(resources, leastRequestedScore);
export const mostAllocatedScorer = (resources: readonly ResourceSpec[]): Scorer =>
  weighted(resources, mostRequestedScore);

export interface UtilizationShapePoint {
  /** 0–100. */
  utilization: number;
  /** 0–10 (MaxCustomPriorityScore), scaled by 10 to the node score range. */
  score: number;
}

/** helper.BuildBrokenLinearFunction over (utilization, score) points sorted by utilization. */
export function brokenLinear(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      const cur = shape[i] as UtilizationShapePoint;
      if (p <= cur.utilization) {
        if (i === 0) return cur.score;
        const prev = shape[i - 1] as UtilizationShapePoint;
        return (
          prev.score +
          Math.trunc(
            ((cur.score - prev.score) * (p - prev.utilization)) / (cur.utilization - prev.utilization),
          )
        );
      }
    }
    return (shape[shape.length - 1] as UtilizationShapePoint).score;
  };
}

/** RequestedToCapacityRatio: a user-defined utilisation → score curve, weights rounded. */
export function requestedToCapacityRatioScorer(
  resources: readonly ResourceSpec[],
  shape: readonly UtilizationShapePoint[],
): Scorer {
  const scaled = shape.map((p) => ({ utilization: p.utilization, score: p.score * (MAX_NODE_SCORE / 10) }));
  const f = brokenLinear(scaled);
  const resourceScore = (r: number, c: number) => (c === 0 || r > c ? f(100) : f(Math.trunc((r * 100) / c)));
  return (requested, allocatable) => {
    let score = 0;
    let weights = 0;
    for (let i = 0; i < requested.length; i++) {
      const a = allocatable[i] ?? 0;
      if (a === 0) continue;
      const w = (resources[i] as ResourceSpec).weight;
      const s = resourceScore(requested[i] ?? 0, a);
      if (s > 0) {
        score += s * w;
        weights += w;
      }
    }
    return weights === 0 ? 0 : Math.round(score / weights);
  };
}

/** balancedResourceScorer: 100 × (1 − standard deviation of the usage fractions). */
export const balancedScorer: Scorer = (requested, allocatable) => {
  let n = 0;
  let total = 0;
  let f0 = 0;
  let f1 = 0;
  for (let i = 0; i < requested.length; i++) {
    const a = allocatable[i] ?? 0;
    if (a === 0) continue;
    const f = Math.min((requested[i] ?? 0) / a, 1);
    if (n === 0) f0 = f;
    else if (n === 1) f1 = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((f0 - f1) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      const a = allocatable[i] ?? 0;
      if (a === 0) continue;
      const f = Math.min((requested[i] ?? 0) / a, 1);
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
};
