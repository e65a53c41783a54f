/** The apps/v1 group's resources, in discovery order. */
import type { ResourceDefinition } from './types';
import { controllerrevisions } from './apps/controllerrevisions';
import { daemonsets } from './apps/daemonsets';
import { deployments } from './apps/deployments';
import { replicasets } from './apps/replicasets';
import { statefulsets } from './apps/statefulsets';

export const APPS_RESOURCES: ResourceDefinition[] = [
  controllerrevisions,
  daemonsets,
  deployments,
  replicasets,
  statefulsets,
];
