/**
 * Per-scheduling-attempt scratch data, as kube-scheduler's CycleState (cycle_state.go): plugins
 * compute what they need about the pod once (PreFilter, PreScore) and read it per node (Filter,
 * Score). A new CycleState is made for every attempt of every pod.
 *
 * Keys are typed: `const KEY = stateKey<MyState>('PreFilterMyPlugin')`, so reads need no casts.
 */

/** Data a plugin stores in the CycleState. clone() must return an independent copy for what
 * AddPod/RemovePod mutate (preemption clones the state per candidate node). */
export interface StateData {
  clone(): StateData;
}

declare const brand: unique symbol;
/** A typed CycleState key. */
export type StateKey<T extends StateData> = string & { readonly [brand]: T };

export const stateKey = <T extends StateData>(name: string): StateKey<T> => name as StateKey<T>;

export class CycleState {
  private readonly data = new Map<string, StateData>();
  /** Filter plugins whose PreFilter returned Skip: their Filter is not run for this pod. */
  readonly skipFilterPlugins = new Set<string>();
  /** Score plugins whose PreScore returned Skip: their Score is not run for this pod. */
  readonly skipScorePlugins = new Set<string>();
  /** Whether this cycle records per-plugin metrics (kept for parity; unused for now). */
  recordPluginMetrics = false;

  read<T extends StateData>(key: StateKey<T>): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write<T extends StateData>(key: StateKey<T>, value: T): void {
    this.data.set(key, value);
  }

  delete(key: StateKey<StateData>): void {
    this.data.delete(key);
  }

  /** A copy whose StateData values are cloned (CycleState.Clone). */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) c.data.set(k, v.clone());
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    c.recordPluginMetrics = this.recordPluginMetrics;
    return c;
  }
}
