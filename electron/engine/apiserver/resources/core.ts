/** The core (legacy, `/api/v1`) group's resources, in discovery order. */
import type { ResourceDefinition } from './types';
import { configmaps } from './core/configmaps';
import { endpoints } from './core/endpoints';
import { events } from './core/events';
import { namespaces } from './core/namespaces';
import { nodes } from './core/nodes';
import { pods } from './core/pods';
import { replicationcontrollers } from './core/replicationcontrollers';
import { secrets } from './core/secrets';
import { serviceaccounts } from './core/serviceaccounts';
import { services } from './core/services';
import { persistentvolumeclaims, persistentvolumes } from './core/volumes';

export const CORE_RESOURCES: ResourceDefinition[] = [
  configmaps,
  endpoints,
  events,
  namespaces,
  nodes,
  persistentvolumeclaims,
  persistentvolumes,
  pods,
  replicationcontrollers,
  secrets,
  serviceaccounts,
  services,
];
