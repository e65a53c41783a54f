/**
 * NodeResourcesFit (plugins/noderesources/fit.go): Filter checks the pod's effective requests
 * (init containers, sidecars and overhead included, precomputed in PodInfo) and the pod count
 * against what is left of the node's allocatable; Score ranks nodes by a scoring strategy:
 * LeastAllocated (default: spread), MostAllocated (bin-pack) or RequestedToCapacityRatio.
 * Scoring counts containers without requests as 100m cpu / 200Mi memory, as kube-scheduler does.
 */
import {
  stateKey,
  unschedulable,
  type FilterPlugin,
  type NodeInfo,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type Resource,
  type ScorePlugin,
} from '../framework/types';
import {
  DEFAULT_RESOURCES,
  fillNode,
  leastAllocatedScorer,
  mostAllocatedScorer,
  podRequestList,
  requestedToCapacityRatioScorer,
  type ResourceSpec,
  type Scorer,
  type UtilizationShapePoint,
} from './helpers/resource-allocation';

export const NAME = 'NodeResourcesFit';
export const REASON_TOO_MANY_PODS = 'Too many pods';
export const REASON_INSUFFICIENT_CPU = 'Insufficient cpu';
export const REASON_INSUFFICIENT_MEMORY = 'Insufficient memory';
export const REASON_INSUFFICIENT_EPHEMERAL_STORAGE = 'Insufficient ephemeral-storage';
export const reasonInsufficient = (resource: string): string => `Insufficient ${resource}`;

export interface NodeResourcesFitArgs {
  /** Extended resources the Filter does not check. */
  ignoredResources?: string[];
  /** Extended resource groups (the part before '/') the Filter does not check. */
  ignoredResourceGroups?: string[];
  scoringStrategy?: {
    type?: 'LeastAllocated' | 'MostAllocated' | 'RequestedToCapacityRatio';
    resources?: ResourceSpec[];
    requestedToCapacityRatio?: { shape: UtilizationShapePoint[] };
  };
}

export interface Ignored {
  resources: ReadonlySet<string>;
  groups: ReadonlySet<string>;
}
const NOTHING_IGNORED: Ignored = { resources: new Set(), groups: new Set() };

/**
 * fitsRequest: the reasons the request does not fit what the node has left (empty: it fits).
 * Allocation-free when it fits.
 */
export function fits(req: Resource, nodeInfo: NodeInfo, ignored: Ignored = NOTHING_IGNORED): string[] {
  let reasons: string[] | null = null;
  const alloc = nodeInfo.allocatable;
  const used = nodeInfo.requested;
  if (nodeInfo.pods.length + 1 > alloc.allowedPodNumber) (reasons ??= []).push(REASON_TOO_MANY_PODS);
  if (req.milliCPU > 0 && req.milliCPU > alloc.milliCPU - used.milliCPU)
    (reasons ??= []).push(REASON_INSUFFICIENT_CPU);
  if (req.memory > 0 && req.memory > alloc.memory - used.memory)
    (reasons ??= []).push(REASON_INSUFFICIENT_MEMORY);
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - used.ephemeralStorage)
    (reasons ??= []).push(REASON_INSUFFICIENT_EPHEMERAL_STORAGE);
  if (req.scalar)
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      if (isExtended(name) && (ignored.resources.has(name) || ignored.groups.has(name.split('/')[0] ?? '')))
        continue;
      if (q > alloc.getScalar(name) - used.getScalar(name)) (reasons ??= []).push(reasonInsufficient(name));
    }
  return reasons ?? EMPTY;
}
const EMPTY: string[] = [];

/** v1helper.IsExtendedResourceName: domain-prefixed, outside kubernetes.io. */
const isExtended = (name: string): boolean =>
  name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.');

class PreScoreState {
  constructor(readonly podRequests: Float64Array) {}
  clone() {
    return this;
  }
}
const PRE_SCORE_KEY = stateKey<PreScoreState>(`PreScore${NAME}`);

export function scorerFor(args: NodeResourcesFitArgs): {
  resources: readonly ResourceSpec[];
  scorer: Scorer;
} {
  const s = args.scoringStrategy;
  const resources = s?.resources && s.resources.length > 0 ? s.resources : DEFAULT_RESOURCES;
  for (const r of resources)
    if (!(r.weight >= 1 && r.weight <= 100))
      throw new Error(`NodeResourcesFit: weight of ${r.name} must be in 1..100, got ${r.weight}`);
  switch (s?.type ?? 'LeastAllocated') {
    case 'LeastAllocated':
      return { resources, scorer: leastAllocatedScorer(resources) };
    case 'MostAllocated':
      return { resources, scorer: mostAllocatedScorer(resources) };
    case 'RequestedToCapacityRatio': {
      const shape = s?.requestedToCapacityRatio?.shape ?? [];
      if (shape.length === 0) throw new Error('NodeResourcesFit: RequestedToCapacityRatio needs a shape');
      return { resources, scorer: requestedToCapacityRatioScorer(resources, shape) };
    }
    default:
      throw new Error(`NodeResourcesFit: unknown scoring strategy ${String(s?.type)}`);
  }
}

export const factory: PluginFactory = (rawArgs) => {
  const args = (rawArgs ?? {}) as NodeResourcesFitArgs;
  const ignored: Ignored = {
    resources: new Set(args.ignoredResources ?? []),
    groups: new Set(args.ignoredResourceGroups ?? []),
  };
  const { resources, scorer } = scorerFor(args);
  // Scratch arrays reused across nodes: Score runs one node at a time.
  const requested = new Float64Array(resources.length);
  const allocatable = new Float64Array(resources.length);
  return {
    name: NAME,
    preFilter() {
      // Requests are precomputed once per pod in PodInfo; nothing more to do per cycle.
      return { status: null };
    },
    filter(_state, pod, nodeInfo) {
      const reasons = fits(pod.requests, nodeInfo, ignored);
      return reasons.length === 0 ? null : unschedulable(...reasons);
    },
    preScore(state, pod) {
      state.write(PRE_SCORE_KEY, new PreScoreState(podRequestList(pod, resources, false)));
      return null;
    },
    score(state, pod, nodeInfo) {
      const podRequests = state.read(PRE_SCORE_KEY)?.podRequests ?? podRequestList(pod, resources, false);
      fillNode(nodeInfo, resources, podRequests, false, requested, allocatable);
      return scorer(requested, allocatable);
    },
  } satisfies PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin;
};
