/**
 * One pod's placement decision without binding (schedule_one.go: schedulePod,
 * findNodesThatFitPod, findNodesThatPassFilters, prioritizeNodes, selectHost). The loop
 * calls schedulePod with a snapshot already set on the framework, then assumes, reserves
 * and binds. Filtering stops after numFeasibleNodesToFind feasible nodes and the next pod
 * starts where this one stopped, so every node gets its turn (round-robin).
 */
import type { CycleState } from './cycle-state';
import { FitError, addPluginStatus, newDiagnosis, type Diagnosis } from './fit-error';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { Framework, NodePluginScores } from './runtime';
import { Code, Status } from './status';

/** kube-scheduler's floor: below 100 nodes, all are checked; never fewer than 100. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never drops below 5 %. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** How many top nodes schedulePod reports (numberOfHighestScoredNodesToReport). */
export const NODES_TO_REPORT = 3;

/**
 * numFeasibleNodesToFind: how many feasible nodes are enough. With percentage 0 (default),
 * 50 % − 1 % per 125 nodes, at least 5 %: 1,000 nodes → 42 % → 420; 5,000 nodes → 10 % → 500.
 */
export function numFeasibleNodesToFind(
  percentageOfNodesToScore: number | undefined,
  numAllNodes: number,
): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore ?? 0;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
      percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/** ErrNoNodesAvailable: the cluster has no nodes at all. */
export class NoNodesAvailableError extends Error {
  override name = 'NoNodesAvailableError';
  readonly code = 'NoNodesAvailable';
  constructor() {
    super('no nodes available to schedule pods');
  }
}

/** State kept across pods by the scheduler (shared by its profiles). */
export interface SearchState {
  nextStartNodeIndex: number;
  /** [0, 1), for tie-breaking; Math.random by default. */
  random?: () => number;
}

export interface ScheduleResult {
  suggestedHost: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/**
 * findNodesThatFitPod: PreFilter, then Filter over the nodes (a nominated node first, when the
 * pod has one and it fits). Returns the feasible nodes and why the others were rejected.
 */
export function findNodesThatFit(
  fw: Framework,
  state: CycleState,
  pod: PodInfo,
  search: SearchState,
): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
  const diagnosis = newDiagnosis();
  const snapshot = fw.snapshot();
  const allNodes = snapshot.nodeInfos();
  const pre = fw.runPreFilterPlugins(state, pod);
  if (pre.status !== null && pre.status.code !== Code.Success) {
    if (pre.status.code === Code.Error) throw pre.status.error ?? new Error(pre.status.message());
    // Every node gets the PreFilter status, so preemption sees the same reason everywhere.
    for (const n of allNodes) diagnosis.nodeToStatus.map.set(n.name, pre.status);
    diagnosis.preFilterMsg = pre.status.message();
    addPluginStatus(diagnosis, pre.status);
    return { feasible: [], diagnosis };
  }

  const nominated = pod.pod.status?.nominatedNodeName;
  if (nominated) {
    const ni = snapshot.get(nominated);
    if (ni && (pre.nodeNames === null || pre.nodeNames.has(nominated))) {
      const s = fw.runFilterPlugins(state, pod, ni);
      if (s === null) return { feasible: [ni], diagnosis };
    }
  }

  let nodes = allNodes;
  if (pre.nodeNames !== null) {
    const list: NodeInfo[] = [];
    for (const name of pre.nodeNames) {
      const ni = snapshot.get(name);
      if (ni) list.push(ni);
    }
    nodes = list;
    diagnosis.nodeToStatus.absent = new Status(
      Code.UnschedulableAndUnresolvable,
      ['node is filtered out by the prefilter result'],
      '',
    );
  }
  const feasible = findNodesThatPassFilters(fw, state, pod, diagnosis, nodes, search);
  if (allNodes.length > 0)
    search.nextStartNodeIndex =
      (search.nextStartNodeIndex + feasible.length + diagnosis.nodeToStatus.map.size) % allNodes.length;
  return { feasible, diagnosis };
}

function findNodesThatPassFilters(
  fw: Framework,
  state: CycleState,
  pod: PodInfo,
  diagnosis: Diagnosis,
  nodes: readonly NodeInfo[],
  search: SearchState,
): NodeInfo[] {
  const n = nodes.length;
  if (n === 0) return [];
  const want = numFeasibleNodesToFind(fw.profile.percentageOfNodesToScore, n);
  const start = search.nextStartNodeIndex % n;
  const feasible: NodeInfo[] = [];
  if (!fw.hasFilterPlugins) {
    for (let i = 0; i < want; i++) feasible.push(nodes[(start + i) % n] as NodeInfo);
    return feasible;
  }
  for (let i = 0; i < n && feasible.length < want; i++) {
    const ni = nodes[(start + i) % n] as NodeInfo;
    const s = fw.runFilterPlugins(state, pod, ni);
    if (s === null) feasible.push(ni);
    else if (s.code === Code.Error) throw s.error ?? new Error(s.message());
    else {
      diagnosis.nodeToStatus.map.set(ni.name, s);
      addPluginStatus(diagnosis, s);
    }
  }
  return feasible;
}

/** prioritizeNodes: PreScore + Score; every node scores 1 when the profile has no score plugins. */
export function prioritizeNodes(
  fw: Framework,
  state: CycleState,
  pod: PodInfo,
  nodes: readonly NodeInfo[],
): NodePluginScores[] {
  if (!fw.hasScorePlugins) return nodes.map((n) => ({ name: n.name, totalScore: 1 }));
  const pre = fw.runPreScorePlugins(state, pod, nodes);
  if (pre !== null) throw pre.error ?? new Error(pre.toString());
  const { scores, status } = fw.runScorePlugins(state, pod, nodes);
  if (status !== null) throw status.error ?? new Error(status.toString());
  return scores;
}

/**
 * selectHost: the highest total score; ties are broken uniformly at random by reservoir
 * sampling, so equal nodes share the load. Also returns up to `count` best nodes for reporting.
 */
export function selectHost(
  scores: readonly NodePluginScores[],
  count = NODES_TO_REPORT,
  random: () => number = Math.random,
): { host: string; top: NodePluginScores[] } {
  if (scores.length === 0) throw new Error('empty priorityList');
  let selected = 0;
  let best = (scores[0] as NodePluginScores).totalScore;
  let ties = 1;
  for (let i = 1; i < scores.length; i++) {
    const s = (scores[i] as NodePluginScores).totalScore;
    if (s > best) {
      best = s;
      selected = i;
      ties = 1;
    } else if (s === best) {
      ties++;
      if (Math.floor(random() * ties) === 0) selected = i;
    }
  }
  const chosen = scores[selected] as NodePluginScores;
  const top =
    count <= 1
      ? [chosen]
      : [
          chosen,
          ...[...scores].filter((s) => s !== chosen).sort((a, b) => b.totalScore - a.totalScore),
        ].slice(0, count);
  return { host: chosen.name, top };
}

/**
 * schedulePod: the node for `pod`, or a FitError that says why none fits (the caller runs
 * PostFilter — preemption — on it and fills in diagnosis.postFilterMsg). Throws other errors.
 */
export function schedulePod(
  fw: Framework,
  state: CycleState,
  pod: PodInfo,
  search: SearchState,
): ScheduleResult {
  const numNodes = fw.snapshot().nodeInfos().length;
  if (numNodes === 0) throw new NoNodesAvailableError();
  const { feasible, diagnosis } = findNodesThatFit(fw, state, pod, search);
  if (feasible.length === 0) throw new FitError(pod, numNodes, diagnosis);
  const evaluated = feasible.length + diagnosis.nodeToStatus.map.size;
  const only = feasible[0] as NodeInfo;
  if (feasible.length === 1) return { suggestedHost: only.name, evaluatedNodes: evaluated, feasibleNodes: 1 };
  const scores = prioritizeNodes(fw, state, pod, feasible);
  const { host } = selectHost(scores, 1, search.random);
  return { suggestedHost: host, evaluatedNodes: evaluated, feasibleNodes: feasible.length };
}
