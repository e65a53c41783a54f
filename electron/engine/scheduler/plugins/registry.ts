/**
 * The in-tree plugin registry (a plain map NAME → factory, as runtime.Registry) and the default
 * profile: kube-scheduler v1.30's default plugin set, order and score weights.
 *
 * DefaultPreemption, DefaultBinder and PrioritySort belong to the scheduling loop (they call the
 * API or order the queue); the loop merges its factories with `inTreeRegistry`. Plugins of the
 * upstream default set that Pilothouse has no use for are left out: SchedulingGates (handled by
 * the queue), VolumeRestrictions, the cloud volume limits (EBS/GCE PD/Azure disk),
 * NodeVolumeLimits and VolumeZone (no CSI drivers or cloud zones to limit).
 */
import type { Profile, PluginRef } from '../framework/profile';
import { DEFAULT_SCHEDULER_NAME } from '../framework/profile';
import type { Registry } from '../framework/types';
import * as balancedAllocation from './balanced-allocation';
import * as imageLocality from './image-locality';
import * as interPodAffinity from './inter-pod-affinity';
import * as nodeAffinity from './node-affinity';
import * as nodeName from './node-name';
import * as nodePorts from './node-ports';
import * as nodeResourcesFit from './node-resources-fit';
import * as nodeUnschedulable from './node-unschedulable';
import * as podTopologySpread from './pod-topology-spread';
import * as taintToleration from './taint-toleration';
import * as volumeBinding from './volume-binding';

export const inTreeRegistry: Registry = {
  [nodeUnschedulable.NAME]: nodeUnschedulable.factory,
  [nodeName.NAME]: nodeName.factory,
  [taintToleration.NAME]: taintToleration.factory,
  [nodeAffinity.NAME]: nodeAffinity.factory,
  [nodePorts.NAME]: nodePorts.factory,
  [nodeResourcesFit.NAME]: nodeResourcesFit.factory,
  [volumeBinding.NAME]: volumeBinding.factory,
  [podTopologySpread.NAME]: podTopologySpread.factory,
  [interPodAffinity.NAME]: interPodAffinity.factory,
  [balancedAllocation.NAME]: balancedAllocation.factory,
  [imageLocality.NAME]: imageLocality.factory,
};

/** Names of the loop's own plugins in the default profile. */
export const DEFAULT_PREEMPTION = 'DefaultPreemption';
export const DEFAULT_BINDER = 'DefaultBinder';

/** kube-scheduler v1.30 getDefaultPlugins (multiPoint), in order, with its score weights. */
export const DEFAULT_PLUGINS: readonly PluginRef[] = [
  { name: nodeUnschedulable.NAME },
  { name: nodeName.NAME },
  { name: taintToleration.NAME, weight: 3 },
  { name: nodeAffinity.NAME, weight: 2 },
  { name: nodePorts.NAME },
  { name: nodeResourcesFit.NAME, weight: 1 },
  { name: volumeBinding.NAME },
  { name: podTopologySpread.NAME, weight: 2 },
  { name: interPodAffinity.NAME, weight: 2 },
  { name: DEFAULT_PREEMPTION },
  { name: balancedAllocation.NAME, weight: 1 },
  { name: imageLocality.NAME, weight: 1 },
  { name: DEFAULT_BINDER },
];

export function defaultProfile(schedulerName = DEFAULT_SCHEDULER_NAME): Profile {
  return { schedulerName, plugins: DEFAULT_PLUGINS, pluginArgs: {} };
}

/** The profile without plugins `registry` lacks (tests and benchmarks without the loop's plugins). */
export function onlyRegistered(profile: Profile, registry: Registry): Profile {
  return { ...profile, plugins: profile.plugins.filter((p) => p.name in registry) };
}
