/**
 * The scheduling framework's contracts, shaped as kube-scheduler's
 * (pkg/scheduler/framework/interface.go): one interface per extension point, a Status per result,
 * a CycleState per attempt, NodeInfos in a Snapshot taken once per cycle.
 *
 * Calling conventions every plugin may rely on, and must honour:
 * - One scheduling cycle runs for one pod at a time: PreFilter → Filter (per node) → PostFilter
 *   (only when no node fits) → PreScore → Score (per feasible node) → NormalizeScore → Reserve →
 *   Permit; then, possibly concurrently with the next pod's cycle, PreBind → Bind → PostBind.
 * - Filter and Score run for hundreds of nodes per pod: they must not mutate the pod, the
 *   NodeInfo or the snapshot, should read per-pod work from the CycleState (computed once in
 *   PreFilter/PreScore) and should not allocate on the success path.
 * - A `null` Status is Success. Plugins need not set `Status.plugin`; the framework does.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import type { StorageClass } from 'kubernetes-types/storage/v1';
import type { CycleState } from './cycle-state';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { MaybeStatus, Status } from './status';

export * from './status';
export * from './cycle-state';
export * from './resource';
export * from './pod-info';
export * from './node-info';

/** Highest score a Score plugin may give after normalisation (framework.MaxNodeScore). */
export const MAX_NODE_SCORE = 100;
export const MIN_NODE_SCORE = 0;
/** Highest total score a profile may produce (framework.MaxTotalScore). */
export const MAX_TOTAL_SCORE = Number.MAX_SAFE_INTEGER;

/** All nodes of a cycle, frozen for its duration (framework.SharedLister / NodeInfoLister). */
export interface Snapshot {
  /** Every node, in a stable order (the round-robin start index walks it). */
  nodeInfos(): readonly NodeInfo[];
  get(nodeName: string): NodeInfo | undefined;
  /** Nodes with at least one pod that has pod (anti-)affinity terms. */
  havePodsWithAffinity(): readonly NodeInfo[];
  /** Nodes with at least one pod that has required anti-affinity terms. */
  havePodsWithRequiredAntiAffinity(): readonly NodeInfo[];
}

/** What VolumeBinding needs to look up: the loop provides it from informer caches. */
export interface VolumeLister {
  getPVC(namespace: string, name: string): PersistentVolumeClaim | undefined;
  getPV(name: string): PersistentVolume | undefined;
  /** Undefined when the class is unknown (then binding is treated as Immediate). */
  getStorageClass?(name: string): StorageClass | undefined;
  /** Every PV, for claims with WaitForFirstConsumer binding (static PVs matched per node). */
  listPVs?(): readonly PersistentVolume[];
}

/** Runs a profile's plugins for one node; preemption uses it to test nodes with victims removed. */
export interface PluginsRunner {
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  runPreFilterExtensionAddPod(
    state: CycleState,
    podToSchedule: PodInfo,
    podToAdd: PodInfo,
    nodeInfo: NodeInfo,
  ): MaybeStatus;
  runPreFilterExtensionRemovePod(
    state: CycleState,
    podToSchedule: PodInfo,
    podToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): MaybeStatus;
}

/** What plugins may use from the framework (framework.Handle). */
export interface Handle extends PluginsRunner {
  /** The current cycle's snapshot; the loop refreshes it before each cycle. */
  snapshot(): Snapshot;
  readonly volumes: VolumeLister;
  /** Labels of a namespace, for affinity terms with a namespaceSelector (undefined: unknown). */
  namespaceLabels(namespace: string): Record<string, string> | undefined;
}

export interface Plugin {
  readonly name: string;
}

/** PreFilter's narrowing of the nodes to try; absent means all nodes. */
export interface PreFilterResult {
  /** Only these nodes can fit (e.g. spec.nodeName, a metadata.name matchFields term). */
  nodeNames?: ReadonlySet<string>;
  status: MaybeStatus;
}

/** Incremental updates of PreFilter state when preemption simulates adding/removing a pod. */
export interface PreFilterExtensions {
  addPod(state: CycleState, podToSchedule: PodInfo, podToAdd: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
  removePod(state: CycleState, podToSchedule: PodInfo, podToRemove: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
}

export interface PreFilterPlugin extends Plugin {
  /** Once per pod per cycle. Skip means: do not run my Filter for this pod. */
  preFilter(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterResult;
  /** Present when the plugin keeps state that AddPod/RemovePod must update. */
  preFilterExtensions?: PreFilterExtensions;
}

export interface FilterPlugin extends Plugin {
  /** Whether the pod fits nodeInfo. Unschedulable / UnschedulableAndUnresolvable with reasons. */
  filter(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus;
}

/** Why each node was rejected: a map plus the status for nodes not in it (filtered by PreFilter). */
export interface NodeToStatus {
  readonly map: ReadonlyMap<string, Status>;
  /** Status of nodes not in `map` (UnschedulableAndUnresolvable after a PreFilter narrowing). */
  readonly absent: Status | null;
}

export interface NominatingInfo {
  nominatedNodeName: string;
  /** Override: set the nominated node; Noop: keep what the pod has. */
  mode: 'Override' | 'Noop';
}

export interface PostFilterResult {
  nominatingInfo: NominatingInfo | null;
  status: MaybeStatus;
}

export interface PostFilterPlugin extends Plugin {
  /** Called when no node fits (DefaultPreemption). May run async (API calls to evict victims). */
  postFilter(state: CycleState, pod: PodInfo, filtered: NodeToStatus): Promise<PostFilterResult>;
}

export interface PreScorePlugin extends Plugin {
  /** Once per pod with the feasible nodes. Skip means: do not run my Score for this pod. */
  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus;
}

export interface NodeScore {
  name: string;
  score: number;
}

export interface ScoreExtensions {
  /** Rewrites `scores` in place into [0, MAX_NODE_SCORE]. */
  normalizeScore(state: CycleState, pod: PodInfo, scores: NodeScore[]): MaybeStatus;
}

export interface ScorePlugin extends Plugin {
  /** A raw score for one feasible node (an integer), or a Status on error. */
  score(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): number | Status;
  scoreExtensions?: ScoreExtensions;
}

export interface ReservePlugin extends Plugin {
  /** Claims resources for the pod on nodeName before binding; must be undone by unreserve. */
  reserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus;
  /** Idempotent; called when a later step fails, in reverse plugin order. */
  unreserve(state: CycleState, pod: PodInfo, nodeName: string): void;
}

export interface PermitPlugin extends Plugin {
  /** Success, Unschedulable, or Wait with a timeout in milliseconds. */
  permit(state: CycleState, pod: PodInfo, nodeName: string): { status: MaybeStatus; timeoutMs: number };
}

export interface PreBindPlugin extends Plugin {
  preBind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface BindPlugin extends Plugin {
  /** Skip passes to the next bind plugin; Success means bound. */
  bind(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus>;
}

export interface PostBindPlugin extends Plugin {
  postBind(state: CycleState, pod: PodInfo, nodeName: string): void;
}

/** Which cluster changes may make a pod this plugin rejected schedulable (EnqueueExtensions). */
export type ClusterEventResource =
  'Pod' | 'Node' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'Namespace';
export type ActionType = 'Add' | 'Delete' | 'Update' | 'All';
export interface ClusterEvent {
  resource: ClusterEventResource;
  actions: readonly ActionType[];
}
export interface EnqueueExtensions extends Plugin {
  eventsToRegister(): readonly ClusterEvent[];
}

/** Builds a plugin from its args (already defaulted: see plugin files) and the handle. */
export type PluginFactory = (args: unknown, handle: Handle) => Plugin;
/** Plugin name → factory (runtime.Registry). */
export type Registry = Readonly<Record<string, PluginFactory>>;

/** Narrowing helpers: a plugin implements an extension point when it has its method. */
export const isPreFilter = (p: Plugin): p is PreFilterPlugin => 'preFilter' in p;
export const isFilter = (p: Plugin): p is FilterPlugin => 'filter' in p;
export const isPostFilter = (p: Plugin): p is PostFilterPlugin => 'postFilter' in p;
export const isPreScore = (p: Plugin): p is PreScorePlugin => 'preScore' in p;
export const isScore = (p: Plugin): p is ScorePlugin => 'score' in p;
export const isReserve = (p: Plugin): p is ReservePlugin => 'reserve' in p;
export const isPermit = (p: Plugin): p is PermitPlugin => 'permit' in p;
export const isPreBind = (p: Plugin): p is PreBindPlugin => 'preBind' in p;
export const isBind = (p: Plugin): p is BindPlugin => 'bind' in p;
export const isPostBind = (p: Plugin): p is PostBindPlugin => 'postBind' in p;
export const isEnqueueExtensions = (p: Plugin): p is EnqueueExtensions => 'eventsToRegister' in p;
