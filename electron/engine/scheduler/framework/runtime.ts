/**
 * A Framework runs one profile's plugins at each extension point (runtime/framework.go):
 * statuses get the failing plugin's name, Skip results are remembered in the CycleState so the
 * matching Filter/Score is not run, scores are normalised, checked against 0–100 and weighted.
 */
import { CycleState } from './cycle-state';
import type { NodeInfo } from './node-info';
import type { PodInfo } from './pod-info';
import type { ExtensionPoint, Profile } from './profile';
import { ListSnapshot } from './snapshot';
import { Code, Status, asStatus, isRejected, type MaybeStatus } from './status';
import {
  MAX_NODE_SCORE,
  MIN_NODE_SCORE,
  isBind,
  isFilter,
  isPermit,
  isPostBind,
  isPostFilter,
  isPreBind,
  isPreFilter,
  isPreScore,
  isReserve,
  isScore,
  type BindPlugin,
  type FilterPlugin,
  type Handle,
  type NodeScore,
  type NodeToStatus,
  type PermitPlugin,
  type Plugin,
  type PostBindPlugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type Registry,
  type ReservePlugin,
  type ScorePlugin,
  type Snapshot,
  type VolumeLister,
} from './types';

export interface FrameworkOptions {
  snapshot?: Snapshot;
  volumes?: VolumeLister;
  namespaceLabels?: (namespace: string) => Record<string, string> | undefined;
}

/** A node's total weighted score. */
export interface NodePluginScores {
  name: string;
  totalScore: number;
}

/** The nodes PreFilter left, or null for all; with the PreFilter status. */
export interface PreFilterOutcome {
  nodeNames: ReadonlySet<string> | null;
  status: MaybeStatus;
}

function intersect(a: ReadonlySet<string> | null, b: ReadonlySet<string>): Set<string> {
  if (a === null) return new Set(b);
  const out = new Set<string>();
  for (const x of a) if (b.has(x)) out.add(x);
  return out;
}

const NO_VOLUMES: VolumeLister = { getPVC: () => undefined, getPV: () => undefined };

const withPlugin = (s: Status, name: string): Status => {
  if (!s.plugin) s.plugin = name;
  return s;
};

export class Framework implements Handle {
  readonly profile: Profile;
  readonly preFilterPlugins: PreFilterPlugin[] = [];
  readonly filterPlugins: FilterPlugin[] = [];
  readonly postFilterPlugins: PostFilterPlugin[] = [];
  readonly preScorePlugins: PreScorePlugin[] = [];
  readonly scorePlugins: { plugin: ScorePlugin; weight: number }[] = [];
  readonly reservePlugins: ReservePlugin[] = [];
  readonly permitPlugins: PermitPlugin[] = [];
  readonly preBindPlugins: PreBindPlugin[] = [];
  readonly bindPlugins: BindPlugin[] = [];
  readonly postBindPlugins: PostBindPlugin[] = [];
  readonly plugins = new Map<string, Plugin>();
  readonly volumes: VolumeLister;
  private currentSnapshot: Snapshot;
  private readonly nsLabels: (namespace: string) => Record<string, string> | undefined;

  constructor(profile: Profile, registry: Registry, opts: FrameworkOptions = {}) {
    this.profile = profile;
    this.currentSnapshot = opts.snapshot ?? new ListSnapshot([]);
    this.volumes = opts.volumes ?? NO_VOLUMES;
    this.nsLabels = opts.namespaceLabels ?? (() => undefined);
    const off = (point: ExtensionPoint, name: string) => {
      const d = profile.disabled?.[point];
      return d !== undefined && (d.includes('*') || d.includes(name));
    };
    for (const ref of profile.plugins) {
      if (this.plugins.has(ref.name))
        throw new Error(`plugin ${ref.name} enabled twice in ${profile.schedulerName}`);
      const factory = registry[ref.name];
      if (!factory)
        throw new Error(`plugin ${ref.name} of profile ${profile.schedulerName} is not registered`);
      const p = factory(profile.pluginArgs?.[ref.name], this);
      this.plugins.set(ref.name, p);
      if (isPreFilter(p) && !off('preFilter', p.name)) this.preFilterPlugins.push(p);
      if (isFilter(p) && !off('filter', p.name)) this.filterPlugins.push(p);
      if (isPostFilter(p) && !off('postFilter', p.name)) this.postFilterPlugins.push(p);
      if (isPreScore(p) && !off('preScore', p.name)) this.preScorePlugins.push(p);
      if (isScore(p) && !off('score', p.name)) {
        const weight = ref.weight ?? 1;
        if (!(weight >= 1)) throw new Error(`plugin ${ref.name}: score weight must be at least 1`);
        this.scorePlugins.push({ plugin: p, weight });
      }
      if (isReserve(p) && !off('reserve', p.name)) this.reservePlugins.push(p);
      if (isPermit(p) && !off('permit', p.name)) this.permitPlugins.push(p);
      if (isPreBind(p) && !off('preBind', p.name)) this.preBindPlugins.push(p);
      if (isBind(p) && !off('bind', p.name)) this.bindPlugins.push(p);
      if (isPostBind(p) && !off('postBind', p.name)) this.postBindPlugins.push(p);
    }
  }

  get schedulerName(): string {
    return this.profile.schedulerName;
  }

  // Handle

  snapshot(): Snapshot {
    return this.currentSnapshot;
  }
  /** The loop sets the snapshot it refreshed before each cycle. */
  setSnapshot(s: Snapshot): void {
    this.currentSnapshot = s;
  }
  namespaceLabels(namespace: string): Record<string, string> | undefined {
    return this.nsLabels(namespace);
  }

  /**
   * RunPreFilterPlugins: Skip marks the plugin's Filter as skipped; UnschedulableAndUnresolvable
   * stops at once; Unschedulable is remembered and the others still run (so preemption sees
   * every plugin's state); node-name results are intersected.
   */
  runPreFilterPlugins(state: CycleState, pod: PodInfo): PreFilterOutcome {
    const nodes = this.currentSnapshot.nodeInfos();
    let names: Set<string> | null = null;
    const narrowing: string[] = [];
    let returned: Status | null = null;
    for (const p of this.preFilterPlugins) {
      let r;
      try {
        r = p.preFilter(state, pod, nodes);
      } catch (err) {
        return { nodeNames: null, status: withPlugin(asStatus(err), p.name) };
      }
      const s = r.status;
      if (s && s.code === Code.Skip) {
        state.skipFilterPlugins.add(p.name);
        continue;
      }
      if (s && s.code !== Code.Success) {
        withPlugin(s, p.name);
        if (s.code === Code.UnschedulableAndUnresolvable) return { nodeNames: null, status: s };
        if (s.code === Code.Unschedulable) {
          returned = s;
          continue;
        }
        return { nodeNames: null, status: withPlugin(new Status(Code.Error, s.reasons, p.name), p.name) };
      }
      if (r.nodeNames) {
        narrowing.push(p.name);
        names = intersect(names, r.nodeNames);
        if (names.size === 0) {
          const msg =
            narrowing.length === 1
              ? `node(s) didn't satisfy plugin ${narrowing[0] ?? ''}`
              : `node(s) didn't satisfy plugin(s) [${narrowing.join(' ')}] simultaneously`;
          return { nodeNames: names, status: new Status(Code.UnschedulableAndUnresolvable, [msg], p.name) };
        }
      }
    }
    return { nodeNames: names, status: returned };
  }

  runPreFilterExtensionAddPod(
    state: CycleState,
    pod: PodInfo,
    podToAdd: PodInfo,
    nodeInfo: NodeInfo,
  ): MaybeStatus {
    for (const p of this.preFilterPlugins) {
      if (!p.preFilterExtensions || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions.addPod(state, pod, podToAdd, nodeInfo);
      if (s && s.code !== Code.Success) return withPlugin(s, p.name);
    }
    return null;
  }

  runPreFilterExtensionRemovePod(
    state: CycleState,
    pod: PodInfo,
    podToRemove: PodInfo,
    nodeInfo: NodeInfo,
  ): MaybeStatus {
    for (const p of this.preFilterPlugins) {
      if (!p.preFilterExtensions || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions.removePod(state, pod, podToRemove, nodeInfo);
      if (s && s.code !== Code.Success) return withPlugin(s, p.name);
    }
    return null;
  }

  /** RunFilterPlugins: the first rejecting plugin's status (with its name), or null when all pass. */
  runFilterPlugins(state: CycleState, pod: PodInfo, nodeInfo: NodeInfo): MaybeStatus {
    const skip = state.skipFilterPlugins;
    for (const p of this.filterPlugins) {
      if (skip.size > 0 && skip.has(p.name)) continue;
      let s: MaybeStatus;
      try {
        s = p.filter(state, pod, nodeInfo);
      } catch (err) {
        s = asStatus(err);
      }
      if (s === null || s.code === Code.Success) continue;
      if (!isRejected(s))
        s = new Status(Code.Error, [`running "${p.name}" filter plugin: ${s.message()}`], p.name);
      return withPlugin(s, p.name);
    }
    return null;
  }

  get hasFilterPlugins(): boolean {
    return this.filterPlugins.length > 0;
  }
  get hasScorePlugins(): boolean {
    return this.scorePlugins.length > 0;
  }
  get hasPostFilterPlugins(): boolean {
    return this.postFilterPlugins.length > 0;
  }

  /** RunPostFilterPlugins: the first plugin that finds a way (Success) wins. */
  async runPostFilterPlugins(
    state: CycleState,
    pod: PodInfo,
    filtered: NodeToStatus,
  ): Promise<PostFilterResult> {
    let last: PostFilterResult = { nominatingInfo: null, status: new Status(Code.Unschedulable) };
    const reasons: string[] = [];
    for (const p of this.postFilterPlugins) {
      let r: PostFilterResult;
      try {
        r = await p.postFilter(state, pod, filtered);
      } catch (err) {
        return { nominatingInfo: null, status: withPlugin(asStatus(err), p.name) };
      }
      if (r.status === null || r.status.code === Code.Success) return r;
      withPlugin(r.status, p.name);
      if (r.status.code === Code.Error) return r;
      reasons.push(...r.status.reasons);
      last = r;
    }
    if (last.status) last = { ...last, status: new Status(last.status.code, reasons, last.status.plugin) };
    return last;
  }

  /** RunPreScorePlugins: Skip marks the plugin's Score as skipped; anything else but Success fails. */
  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): MaybeStatus {
    for (const p of this.preScorePlugins) {
      let s: MaybeStatus;
      try {
        s = p.preScore(state, pod, nodes);
      } catch (err) {
        s = asStatus(err);
      }
      if (s === null || s.code === Code.Success) continue;
      if (s.code === Code.Skip) {
        state.skipScorePlugins.add(p.name);
        continue;
      }
      return withPlugin(
        new Status(Code.Error, [`running PreScore plugin "${p.name}": ${s.message()}`]),
        p.name,
      );
    }
    return null;
  }

  /**
   * RunScorePlugins: each plugin scores every node, its scores are normalised, checked to lie in
   * 0–100 and multiplied by its weight; the totals are summed per node (same order as `nodes`).
   */
  runScorePlugins(
    state: CycleState,
    pod: PodInfo,
    nodes: readonly NodeInfo[],
  ): { scores: NodePluginScores[]; status: MaybeStatus } {
    const totals: NodePluginScores[] = nodes.map((n) => ({ name: n.name, totalScore: 0 }));
    const perPlugin: NodeScore[] = nodes.map((n) => ({ name: n.name, score: 0 }));
    for (const { plugin, weight } of this.scorePlugins) {
      if (state.skipScorePlugins.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) {
        let v: number | Status;
        try {
          v = plugin.score(state, pod, nodes[i] as NodeInfo);
        } catch (err) {
          v = asStatus(err);
        }
        if (typeof v !== 'number') return { scores: [], status: withPlugin(v, plugin.name) };
        (perPlugin[i] as NodeScore).score = v;
      }
      if (plugin.scoreExtensions) {
        const s = plugin.scoreExtensions.normalizeScore(state, pod, perPlugin);
        if (s && s.code !== Code.Success) return { scores: [], status: withPlugin(s, plugin.name) };
      }
      for (let i = 0; i < nodes.length; i++) {
        const sc = (perPlugin[i] as NodeScore).score;
        if (sc > MAX_NODE_SCORE || sc < MIN_NODE_SCORE)
          return {
            scores: [],
            status: new Status(
              Code.Error,
              [
                `plugin "${plugin.name}" returns an invalid score ${sc}, it should in the range of [0, 100] after normalizing`,
              ],
              plugin.name,
            ),
          };
        (totals[i] as NodePluginScores).totalScore += sc * weight;
      }
    }
    return { scores: totals, status: null };
  }

  /** RunReservePluginsReserve: stops at the first failure (the caller then runs unreserve). */
  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): MaybeStatus {
    for (const p of this.reservePlugins) {
      let s: MaybeStatus;
      try {
        s = p.reserve(state, pod, nodeName);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && s.code !== Code.Success) return withPlugin(s, p.name);
    }
    return null;
  }

  /** RunReservePluginsUnreserve: every plugin, in reverse order. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reservePlugins.length - 1; i >= 0; i--)
      this.reservePlugins[i]?.unreserve(state, pod, nodeName);
  }

  /** RunPermitPlugins: rejection wins; otherwise Wait with the shortest timeout, or Success. */
  runPermitPlugins(
    state: CycleState,
    pod: PodInfo,
    nodeName: string,
  ): { status: MaybeStatus; timeoutMs: number } {
    let wait: { status: MaybeStatus; timeoutMs: number } | null = null;
    for (const p of this.permitPlugins) {
      const r = p.permit(state, pod, nodeName);
      const s = r.status;
      if (s === null || s.code === Code.Success) continue;
      withPlugin(s, p.name);
      if (s.code === Code.Wait) {
        if (!wait || r.timeoutMs < wait.timeoutMs) wait = r;
        continue;
      }
      return r;
    }
    return wait ?? { status: null, timeoutMs: 0 };
  }

  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    for (const p of this.preBindPlugins) {
      let s: MaybeStatus;
      try {
        s = await p.preBind(state, pod, nodeName);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && s.code !== Code.Success) return withPlugin(s, p.name);
    }
    return null;
  }

  /** RunBindPlugins: the first plugin that does not Skip binds; all skipping is a Skip. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<MaybeStatus> {
    if (this.bindPlugins.length === 0) return new Status(Code.Skip);
    for (const p of this.bindPlugins) {
      let s: MaybeStatus;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        s = asStatus(err);
      }
      if (s && s.code === Code.Skip) continue;
      return s && s.code !== Code.Success ? withPlugin(s, p.name) : null;
    }
    return new Status(Code.Skip);
  }

  runPostBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (const p of this.postBindPlugins) p.postBind(state, pod, nodeName);
  }

  /** A fresh CycleState for one attempt. */
  newCycleState(): CycleState {
    return new CycleState();
  }
}
