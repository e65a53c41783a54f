/**
 * A scheduling profile: which plugins run, in which order, with which score weights and args
 * (KubeSchedulerProfile). Plugins are enabled once ("multiPoint", as kube-scheduler's default
 * profile does) and run at every extension point they implement, unless disabled there.
 */

export type ExtensionPoint =
  | 'preFilter'
  | 'filter'
  | 'postFilter'
  | 'preScore'
  | 'score'
  | 'reserve'
  | 'permit'
  | 'preBind'
  | 'bind'
  | 'postBind';

export interface PluginRef {
  name: string;
  /** Score weight (default 1); only used at the score extension point. */
  weight?: number;
}

export interface Profile {
  schedulerName: string;
  /** Enabled plugins in run order. */
  plugins: readonly PluginRef[];
  /** Plugin names to leave out at one extension point ('*' for all). */
  disabled?: Partial<Record<ExtensionPoint, readonly string[]>>;
  /** Args by plugin name, passed to its factory. */
  pluginArgs?: Readonly<Record<string, unknown>>;
  /** 0 or undefined: adaptive (see numFeasibleNodesToFind); 1–100: that percentage. */
  percentageOfNodesToScore?: number;
}

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
