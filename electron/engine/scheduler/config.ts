/**
 * The scheduler's configuration file: a subset of kube-scheduler's KubeSchedulerConfiguration
 * (kubescheduler.config.k8s.io/v1), so a file written for kube-scheduler reads the same here:
 *
 *   apiVersion: kubescheduler.config.k8s.io/v1
 *   kind: KubeSchedulerConfiguration
 *   percentageOfNodesToScore: 50          # 0 = adaptive (default)
 *   podInitialBackoffSeconds: 1
 *   podMaxBackoffSeconds: 10
 *   profiles:
 *   - schedulerName: default-scheduler
 *     plugins:
 *       multiPoint: { enabled: [...], disabled: [...] }
 *       filter:     { disabled: [{ name: NodePorts }] }
 *       score:      { enabled: [{ name: NodeResourcesFit, weight: 5 }], disabled: [{ name: '*' }] }
 *     pluginConfig:
 *     - name: NodeResourcesFit
 *       args: { scoringStrategy: { type: MostAllocated } }
 *
 * Semantics follow kube-scheduler's merge of a profile onto the default plugins: `disabled`
 * removes default plugins at that extension point (`*` removes them all), `enabled` adds
 * plugins there (or sets the weight of a default score plugin). Enabling a plugin at `filter`
 * also runs its PreFilter, at `score` also its PreScore (its Filter/Score read what those
 * computed). Only one profile is supported. Everything absent takes kube-scheduler's default.
 */
import YAML from 'yaml';
import type { ExtensionPoint, PluginRef, Profile } from './framework/profile';
import {
  DEFAULT_POD_INITIAL_BACKOFF_MS,
  DEFAULT_POD_MAX_BACKOFF_MS,
  DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS,
} from './queue/scheduling-queue';

export const API_VERSION = 'kubescheduler.config.k8s.io/v1';
export const KIND = 'KubeSchedulerConfiguration';

export interface SchedulerConfig {
  profile: Profile;
  podInitialBackoffMs: number;
  podMaxBackoffMs: number;
  podMaxInUnschedulableMs: number;
}

/** A bad configuration; `field` is the path of the offending field (e.g. "profiles[0].plugins.score"). */
export class SchedulerConfigError extends Error {
  override name = 'SchedulerConfigError';
  readonly code = 'SCHEDULER_CONFIG_INVALID';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`scheduler configuration: ${field}: ${problem}`);
  }
}

/** What the config is checked against: the default profile and the registered plugin names. */
export interface ConfigBase {
  profile: Profile;
  registered: ReadonlySet<string>;
}

const POINTS: readonly ExtensionPoint[] = [
  'preFilter',
  'filter',
  'postFilter',
  'preScore',
  'score',
  'reserve',
  'permit',
  'preBind',
  'bind',
  'postBind',
];
/** Extension points that enabling another point implies (see the header). */
const IMPLIED: Partial<Record<ExtensionPoint, ExtensionPoint>> = { filter: 'preFilter', score: 'preScore' };

const SCORING_TYPES = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, field: string): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new SchedulerConfigError(field, 'must be a mapping');
  return v;
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new SchedulerConfigError(field, 'must be a list');
  return v;
}

function int(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new SchedulerConfigError(
      field,
      `must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`,
    );
  return v;
}

function checkKeys(o: Obj, field: string, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      throw new SchedulerConfigError(
        field ? `${field}.${k}` : k,
        `unknown field (known: ${allowed.join(', ')})`,
      );
}

interface PluginSet {
  enabled: PluginRef[];
  disabled: string[];
}

function pluginSet(v: unknown, field: string, base: ConfigBase, withWeight: boolean): PluginSet {
  const o = obj(v, field);
  checkKeys(o, field, ['enabled', 'disabled']);
  const enabled = list(o.enabled, `${field}.enabled`).map((e, i): PluginRef => {
    const f = `${field}.enabled[${i}]`;
    const p = obj(e, f);
    checkKeys(p, f, ['name', 'weight']);
    if (typeof p.name !== 'string' || p.name === '')
      throw new SchedulerConfigError(`${f}.name`, 'is required');
    if (!base.registered.has(p.name))
      throw new SchedulerConfigError(`${f}.name`, `plugin "${p.name}" is not registered`);
    if (p.weight !== undefined && !withWeight)
      throw new SchedulerConfigError(`${f}.weight`, 'weights apply to score and multiPoint plugins only');
    const weight = int(p.weight, `${f}.weight`, 1, 100);
    return weight === undefined ? { name: p.name } : { name: p.name, weight };
  });
  const disabled = list(o.disabled, `${field}.disabled`).map((e, i) => {
    const f = `${field}.disabled[${i}]`;
    const p = obj(e, f);
    checkKeys(p, f, ['name']);
    if (typeof p.name !== 'string' || p.name === '')
      throw new SchedulerConfigError(`${f}.name`, 'is required');
    if (p.name !== '*' && !base.registered.has(p.name))
      throw new SchedulerConfigError(`${f}.name`, `plugin "${p.name}" is not registered`);
    return p.name;
  });
  return { enabled, disabled };
}

function checkPluginArgs(name: string, args: unknown, field: string): unknown {
  const a = obj(args, field);
  if (name !== 'NodeResourcesFit') return a;
  checkKeys(a, field, ['ignoredResources', 'ignoredResourceGroups', 'scoringStrategy']);
  const s = obj(a.scoringStrategy, `${field}.scoringStrategy`);
  checkKeys(s, `${field}.scoringStrategy`, ['type', 'resources', 'requestedToCapacityRatio']);
  if (s.type !== undefined && !SCORING_TYPES.includes(s.type as string))
    throw new SchedulerConfigError(
      `${field}.scoringStrategy.type`,
      `must be one of ${SCORING_TYPES.join(', ')}, got ${JSON.stringify(s.type)}`,
    );
  list(s.resources, `${field}.scoringStrategy.resources`).forEach((r, i) => {
    const f = `${field}.scoringStrategy.resources[${i}]`;
    const o = obj(r, f);
    if (typeof o.name !== 'string' || o.name === '')
      throw new SchedulerConfigError(`${f}.name`, 'is required');
    int(o.weight, `${f}.weight`, 1, 100);
  });
  if (s.type === 'RequestedToCapacityRatio') {
    const shape = list(
      obj(s.requestedToCapacityRatio, `${field}.scoringStrategy.requestedToCapacityRatio`).shape,
      `${field}.scoringStrategy.requestedToCapacityRatio.shape`,
    );
    if (shape.length === 0)
      throw new SchedulerConfigError(
        `${field}.scoringStrategy.requestedToCapacityRatio.shape`,
        'must not be empty',
      );
    shape.forEach((p, i) => {
      const f = `${field}.scoringStrategy.requestedToCapacityRatio.shape[${i}]`;
      const o = obj(p, f);
      int(o.utilization, `${f}.utilization`, 0, 100);
      int(o.score, `${f}.score`, 0, 10);
    });
  }
  return a;
}

/** Merges one profile's `plugins` onto the default profile (kube: mergePlugins). */
function mergeProfile(p: Obj, field: string, base: ConfigBase): Profile {
  checkKeys(p, field, ['schedulerName', 'plugins', 'pluginConfig', 'percentageOfNodesToScore']);
  const schedulerName = p.schedulerName ?? base.profile.schedulerName;
  if (typeof schedulerName !== 'string' || schedulerName === '')
    throw new SchedulerConfigError(`${field}.schedulerName`, 'must be a non-empty string');

  const pluginsField = `${field}.plugins`;
  const po = obj(p.plugins, pluginsField);
  checkKeys(po, pluginsField, ['multiPoint', ...POINTS]);

  // Start from the defaults: plugins (multiPoint) and what they disable per point.
  let plugins: PluginRef[] = base.profile.plugins.map((r) => ({ ...r }));
  const disabled: Partial<Record<ExtensionPoint, Set<string>>> = {};
  for (const pt of POINTS) disabled[pt] = new Set(base.profile.disabled?.[pt] ?? []);
  const disable = (pt: ExtensionPoint, name: string) => disabled[pt]?.add(name);

  const multi = pluginSet(po.multiPoint, `${pluginsField}.multiPoint`, base, true);
  if (multi.disabled.includes('*')) plugins = [];
  else plugins = plugins.filter((r) => !multi.disabled.includes(r.name));
  for (const e of multi.enabled) {
    const existing = plugins.find((r) => r.name === e.name);
    if (existing) {
      if (e.weight !== undefined) existing.weight = e.weight;
    } else plugins.push({ ...e });
  }

  // Per extension point: disabling, then enabling (which re-enables and may add plugins).
  const enabledAt = new Map<string, Set<ExtensionPoint>>();
  const added = new Set<string>();
  for (const pt of POINTS) {
    const set = pluginSet(po[pt], `${pluginsField}.${pt}`, base, pt === 'score');
    const d = disabled[pt] as Set<string>;
    if (set.disabled.includes('*')) for (const r of plugins) d.add(r.name);
    else for (const n of set.disabled) d.add(n);
    for (const e of set.enabled) {
      d.delete(e.name);
      const implied = IMPLIED[pt];
      if (implied) disabled[implied]?.delete(e.name);
      let at = enabledAt.get(e.name);
      if (!at) enabledAt.set(e.name, (at = new Set()));
      at.add(pt);
      if (implied) at.add(implied);
      const existing = plugins.find((r) => r.name === e.name);
      if (existing) {
        if (e.weight !== undefined) existing.weight = e.weight;
      } else {
        plugins.push({ ...e });
        added.add(e.name);
      }
    }
  }
  // A plugin added at specific points only runs there.
  for (const name of added) {
    const at = enabledAt.get(name) ?? new Set();
    for (const pt of POINTS) if (!at.has(pt)) disable(pt, name);
  }

  const pluginArgs: Record<string, unknown> = { ...base.profile.pluginArgs };
  list(p.pluginConfig, `${field}.pluginConfig`).forEach((c, i) => {
    const f = `${field}.pluginConfig[${i}]`;
    const o = obj(c, f);
    checkKeys(o, f, ['name', 'args']);
    if (typeof o.name !== 'string' || !base.registered.has(o.name))
      throw new SchedulerConfigError(`${f}.name`, `plugin ${JSON.stringify(o.name)} is not registered`);
    pluginArgs[o.name] = checkPluginArgs(o.name, o.args, `${f}.args`);
  });

  const outDisabled: Partial<Record<ExtensionPoint, string[]>> = {};
  for (const pt of POINTS) {
    const d = disabled[pt];
    if (d && d.size > 0) outDisabled[pt] = [...d];
  }
  return {
    schedulerName,
    plugins,
    disabled: outDisabled,
    pluginArgs,
    percentageOfNodesToScore: int(p.percentageOfNodesToScore, `${field}.percentageOfNodesToScore`, 0, 100),
  };
}

/** The configuration from a parsed document (or defaults for undefined/null). */
export function resolveSchedulerConfig(doc: unknown, base: ConfigBase): SchedulerConfig {
  const d = obj(doc, '(document)');
  checkKeys(d, '', [
    'apiVersion',
    'kind',
    'percentageOfNodesToScore',
    'podInitialBackoffSeconds',
    'podMaxBackoffSeconds',
    'profiles',
  ]);
  if (d.apiVersion !== undefined && d.apiVersion !== API_VERSION)
    throw new SchedulerConfigError(
      'apiVersion',
      `must be ${API_VERSION}, got ${JSON.stringify(d.apiVersion)}`,
    );
  if (d.kind !== undefined && d.kind !== KIND)
    throw new SchedulerConfigError('kind', `must be ${KIND}, got ${JSON.stringify(d.kind)}`);
  const initialS = int(d.podInitialBackoffSeconds, 'podInitialBackoffSeconds', 1, 3600);
  const maxS = int(d.podMaxBackoffSeconds, 'podMaxBackoffSeconds', 1, 3600);
  const initialMs = initialS !== undefined ? initialS * 1000 : DEFAULT_POD_INITIAL_BACKOFF_MS;
  const maxMs = maxS !== undefined ? maxS * 1000 : DEFAULT_POD_MAX_BACKOFF_MS;
  if (maxMs < initialMs)
    throw new SchedulerConfigError(
      'podMaxBackoffSeconds',
      'must be greater than or equal to podInitialBackoffSeconds',
    );
  const globalPct = int(d.percentageOfNodesToScore, 'percentageOfNodesToScore', 0, 100);
  const profiles = list(d.profiles, 'profiles');
  if (profiles.length > 1) throw new SchedulerConfigError('profiles', 'only one profile is supported');
  const profile = mergeProfile(obj(profiles[0], 'profiles[0]'), 'profiles[0]', base);
  // The profile's own setting wins over the global one (kube-scheduler's precedence).
  profile.percentageOfNodesToScore ??= globalPct ?? base.profile.percentageOfNodesToScore;
  return {
    profile,
    podInitialBackoffMs: initialMs,
    podMaxBackoffMs: maxMs,
    podMaxInUnschedulableMs: DEFAULT_POD_MAX_IN_UNSCHEDULABLE_MS,
  };
}

/** Parses a configuration file's text (YAML or JSON). */
export function parseSchedulerConfig(text: string, base: ConfigBase): SchedulerConfig {
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (err) {
    throw new SchedulerConfigError('(document)', `not valid YAML: ${(err as Error).message}`);
  }
  return resolveSchedulerConfig(doc, base);
}
