/**
 * Matching pods per topology domain, kept across scheduling cycles and refreshed only for nodes
 * whose NodeInfo changed since (generation). kube-scheduler recounts every node's pods for every
 * pod, in 16 goroutines; single-threaded, the same count over 1,000 nodes would cost more than
 * the rest of a cycle, while replicas of one workload ask the same question pod after pod.
 *
 * Valid only when every node with the topology key is a domain (no node inclusion policy
 * narrows it): callers check that and otherwise count directly.
 */
import type { CompiledSelector, NodeInfo } from '../../framework/types';
import { countMatching } from './common';

export class DomainCounts {
  private nodes: readonly NodeInfo[] = [];
  private gens: number[] = [];
  private values: (string | undefined)[] = [];
  private contrib: number[] = [];
  /** topology value → matching pods, over every node that has the key. */
  readonly totals = new Map<string, number>();
  private readonly nodesPerValue = new Map<string, number>();

  constructor(
    readonly selector: CompiledSelector,
    readonly namespace: string,
    readonly topologyKey: string,
  ) {}

  refresh(all: readonly NodeInfo[]): Map<string, number> {
    if (all !== this.nodes || all.length !== this.gens.length) this.reset(all);
    for (let i = 0; i < all.length; i++) {
      const ni = all[i] as NodeInfo;
      if (ni.generation === this.gens[i]) continue;
      this.gens[i] = ni.generation;
      const old = this.values[i];
      if (old !== undefined) {
        this.totals.set(old, (this.totals.get(old) ?? 0) - (this.contrib[i] ?? 0));
        const left = (this.nodesPerValue.get(old) ?? 1) - 1;
        if (left > 0) this.nodesPerValue.set(old, left);
        else {
          // No node is in this domain any more: it is not a domain (it would pull the minimum to 0).
          this.nodesPerValue.delete(old);
          this.totals.delete(old);
        }
      }
      const v = ni.node?.metadata?.labels?.[this.topologyKey];
      const n = v === undefined ? 0 : countMatching(ni, this.selector, this.namespace);
      this.values[i] = v;
      this.contrib[i] = n;
      if (v !== undefined) {
        this.totals.set(v, (this.totals.get(v) ?? 0) + n);
        this.nodesPerValue.set(v, (this.nodesPerValue.get(v) ?? 0) + 1);
      }
    }
    return this.totals;
  }

  private reset(all: readonly NodeInfo[]): void {
    this.nodes = all;
    this.gens = new Array<number>(all.length).fill(-1);
    this.values = new Array<string | undefined>(all.length).fill(undefined);
    this.contrib = new Array<number>(all.length).fill(0);
    this.totals.clear();
    this.nodesPerValue.clear();
  }
}

/** DomainCounts by namespace + selector + topology key; at most 512 kept. */
export class DomainCountsCache {
  private readonly byKey = new Map<string, DomainCounts>();

  get(selectorKey: string, selector: CompiledSelector, namespace: string, topologyKey: string): DomainCounts {
    const key = `${selectorKey}|${topologyKey}`;
    let d = this.byKey.get(key);
    if (!d) {
      if (this.byKey.size >= 512) this.byKey.clear();
      this.byKey.set(key, (d = new DomainCounts(selector, namespace, topologyKey)));
    }
    return d;
  }
}
