/**
 * Fixture builders for scheduler tests and benchmarks, after kube-scheduler's
 * pkg/scheduler/testing wrappers: `makePod().req({ cpu: '500m' }).obj()`,
 * `makeNode('n1').capacity({ cpu: '4' }).taint('k', 'v', 'NoSchedule').obj()`.
 * Plus `runPlugins()`: one plugin (or a few) in a Framework over a snapshot, as its tests do.
 */
import type {
  Container,
  Node,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from 'kubernetes-types/core/v1';
import type { LabelSelector } from 'kubernetes-types/meta/v1';
import type { PluginRef } from './profile';
import { Framework, type FrameworkOptions } from './runtime';
import { snapshotOf } from './snapshot';
import { newPodInfo } from './pod-info';
import type { Registry } from './types';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

let podSeq = 0;

export class PodBuilder {
  private readonly p: Pod;
  constructor(name = `pod-${++podSeq}`) {
    this.p = {
      metadata: { name, namespace: 'default', uid: `uid-${name}-${podSeq}` },
      spec: { containers: [] },
    };
  }
  private get spec() {
    return this.p.spec as NonNullable<Pod['spec']>;
  }
  /** Read-only fields of the kubernetes-types (uid, status…) are set freely in fixtures. */
  private get meta() {
    return this.p.metadata as Mutable<NonNullable<Pod['metadata']>>;
  }
  name(n: string) {
    this.meta.name = n;
    this.meta.uid = `uid-${n}`;
    return this;
  }
  namespace(ns: string) {
    this.meta.namespace = ns;
    return this;
  }
  uid(u: string) {
    this.meta.uid = u;
    return this;
  }
  labels(l: Record<string, string>) {
    this.meta.labels = { ...this.meta.labels, ...l };
    return this;
  }
  label(k: string, v: string) {
    return this.labels({ [k]: v });
  }
  owner(kind: string, name: string) {
    this.meta.ownerReferences = [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }];
    return this;
  }
  terminating() {
    this.meta.deletionTimestamp = '2024-01-01T00:00:00Z';
    return this;
  }
  /** Adds one container with these requests (as st.MakePod().Req). */
  req(requests: Record<string, string>, image?: string) {
    const c: Container = { name: `c${this.spec.containers.length}`, resources: { requests } };
    if (image) c.image = image;
    this.spec.containers.push(c);
    return this;
  }
  container(image: string) {
    this.spec.containers.push({ name: `c${this.spec.containers.length}`, image });
    return this;
  }
  initReq(requests: Record<string, string>, sidecar = false) {
    (this.spec.initContainers ??= []).push({
      name: `i${this.spec.initContainers?.length ?? 0}`,
      resources: { requests },
      ...(sidecar ? { restartPolicy: 'Always' } : {}),
    });
    return this;
  }
  overhead(o: Record<string, string>) {
    this.spec.overhead = o;
    return this;
  }
  hostPort(port: number, protocol = 'TCP', hostIP = '') {
    if (this.spec.containers.length === 0) this.spec.containers.push({ name: 'c0' });
    const c = this.spec.containers[0] as Container;
    (c.ports ??= []).push({ containerPort: port, hostPort: port, protocol, ...(hostIP ? { hostIP } : {}) });
    return this;
  }
  node(n: string) {
    this.spec.nodeName = n;
    return this;
  }
  nominated(n: string) {
    (this.p as Mutable<Pod>).status = { ...this.p.status, nominatedNodeName: n };
    return this;
  }
  priority(v: number) {
    this.spec.priority = v;
    return this;
  }
  nodeSelector(s: Record<string, string>) {
    this.spec.nodeSelector = s;
    return this;
  }
  toleration(t: Toleration) {
    (this.spec.tolerations ??= []).push(t);
    return this;
  }
  private get nodeAffinity() {
    const a = (this.spec.affinity ??= {});
    return (a.nodeAffinity ??= {});
  }
  /** A required node affinity term (terms added by separate calls are ORed). */
  nodeAffinityTerm(matchExpressions: NodeSelectorRequirement[], matchFields?: NodeSelectorRequirement[]) {
    const na = this.nodeAffinity;
    const req = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    req.nodeSelectorTerms.push({ matchExpressions, ...(matchFields ? { matchFields } : {}) });
    return this;
  }
  nodeAffinityIn(key: string, values: string[]) {
    return this.nodeAffinityTerm([{ key, operator: 'In', values }]);
  }
  preferredNodeAffinity(weight: number, matchExpressions: NodeSelectorRequirement[]) {
    (this.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({
      weight,
      preference: { matchExpressions },
    });
    return this;
  }
  private podAffinityList(anti: boolean, required: boolean) {
    const a = (this.spec.affinity ??= {});
    const pa = anti ? (a.podAntiAffinity ??= {}) : (a.podAffinity ??= {});
    if (required) return (pa.requiredDuringSchedulingIgnoredDuringExecution ??= []);
    return (pa.preferredDuringSchedulingIgnoredDuringExecution ??= []);
  }
  /** Required pod (anti-)affinity: pods with label `key` in values, over topologyKey. */
  podAffinity(topologyKey: string, selector: LabelSelector, extra: Partial<PodAffinityTerm> = {}) {
    (this.podAffinityList(false, true) as PodAffinityTerm[]).push({
      topologyKey,
      labelSelector: selector,
      ...extra,
    });
    return this;
  }
  podAntiAffinity(topologyKey: string, selector: LabelSelector, extra: Partial<PodAffinityTerm> = {}) {
    (this.podAffinityList(true, true) as PodAffinityTerm[]).push({
      topologyKey,
      labelSelector: selector,
      ...extra,
    });
    return this;
  }
  preferredPodAffinity(weight: number, topologyKey: string, selector: LabelSelector) {
    this.podAffinityList(false, false).push({
      weight,
      podAffinityTerm: { topologyKey, labelSelector: selector },
    } as never);
    return this;
  }
  preferredPodAntiAffinity(weight: number, topologyKey: string, selector: LabelSelector) {
    this.podAffinityList(true, false).push({
      weight,
      podAffinityTerm: { topologyKey, labelSelector: selector },
    } as never);
    return this;
  }
  spreadConstraint(
    maxSkew: number,
    topologyKey: string,
    whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway',
    selector: LabelSelector | undefined,
    extra: Partial<TopologySpreadConstraint> = {},
  ) {
    (this.spec.topologySpreadConstraints ??= []).push({
      maxSkew,
      topologyKey,
      whenUnsatisfiable,
      ...(selector ? { labelSelector: selector } : {}),
      ...extra,
    });
    return this;
  }
  pvc(claimName: string) {
    (this.spec.volumes ??= []).push({ name: claimName, persistentVolumeClaim: { claimName } });
    return this;
  }
  obj(): Pod {
    return structuredClone(this.p);
  }
}

export const makePod = (name?: string): PodBuilder => new PodBuilder(name);

export class NodeBuilder {
  private readonly n: Node;
  constructor(name: string) {
    this.n = {
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { allocatable: { pods: '110' } },
    };
  }
  /** Sets allocatable (and capacity); `pods` defaults to 110 as kubelet's. */
  capacity(r: Record<string, string>) {
    const st = this.n.status as NonNullable<Node['status']>;
    st.allocatable = { pods: '110', ...r };
    st.capacity = st.allocatable;
    return this;
  }
  labels(l: Record<string, string>) {
    const m = this.n.metadata as NonNullable<Node['metadata']>;
    m.labels = { ...m.labels, ...l };
    return this;
  }
  label(k: string, v: string) {
    return this.labels({ [k]: v });
  }
  taint(key: string, value: string, effect: Taint['effect']) {
    const sp = this.n.spec as NonNullable<Node['spec']>;
    (sp.taints ??= []).push({ key, value, effect });
    return this;
  }
  unschedulable() {
    (this.n.spec as NonNullable<Node['spec']>).unschedulable = true;
    return this;
  }
  image(sizeBytes: number, ...names: string[]) {
    const st = this.n.status as NonNullable<Node['status']>;
    (st.images ??= []).push({ names, sizeBytes });
    return this;
  }
  obj(): Node {
    return structuredClone(this.n);
  }
}

export const makeNode = (name: string): NodeBuilder => new NodeBuilder(name);

/**
 * A Framework running `plugins` over `nodes` with `pods` placed by spec.nodeName. Returns what
 * the tests ask: filter statuses per node and normalised, weighted scores per node.
 */
export function runPlugins(
  registry: Registry,
  plugins: PluginRef[],
  nodes: Node[],
  pods: Pod[] = [],
  opts: FrameworkOptions & { pluginArgs?: Record<string, unknown> } = {},
) {
  const snapshot = snapshotOf(nodes, pods);
  const fw = new Framework({ schedulerName: 'test', plugins, pluginArgs: opts.pluginArgs ?? {} }, registry, {
    ...opts,
    snapshot,
  });
  return {
    fw,
    snapshot,
    /** PreFilter then Filter on every node: node name → reasons ('' = fits), plus the PreFilter outcome. */
    filter(pod: Pod) {
      const pi = newPodInfo(pod);
      const state = fw.newCycleState();
      const pre = fw.runPreFilterPlugins(state, pi);
      const out: Record<string, string> = {};
      for (const ni of snapshot.nodeInfos()) {
        if (pre.status) out[ni.name] = pre.status.message();
        else if (pre.nodeNames && !pre.nodeNames.has(ni.name)) out[ni.name] = 'filtered out by PreFilter';
        else out[ni.name] = fw.runFilterPlugins(state, pi, ni)?.message() ?? '';
      }
      return { statuses: out, pre };
    },
    /** PreScore then Score over all nodes: node name → final score. */
    score(pod: Pod, only?: string[]) {
      const pi = newPodInfo(pod);
      const state = fw.newCycleState();
      const nodesToScore = snapshot.nodeInfos().filter((n) => !only || only.includes(n.name));
      const pre = fw.runPreScorePlugins(state, pi, nodesToScore);
      if (pre) throw new Error(pre.toString());
      const { scores, status } = fw.runScorePlugins(state, pi, nodesToScore);
      if (status) throw new Error(status.toString());
      return Object.fromEntries(scores.map((s) => [s.name, s.totalScore]));
    },
  };
}
