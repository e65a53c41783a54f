/**
 * The catalog of served resources: every declaration from resources/<group>.ts, in the order
 * discovery lists them.
 */
import { APPS_RESOURCES } from './apps';
import { BATCH_RESOURCES } from './batch';
import { COORDINATION_RESOURCES } from './coordination';
import { CORE_RESOURCES } from './core';
import { DISCOVERY_RESOURCES } from './discovery';
import { EVENTS_RESOURCES } from './events';
import { SCHEDULING_RESOURCES } from './scheduling';
import type { ResourceDefinition } from './types';

export const ALL_RESOURCES: ResourceDefinition[] = [
  ...CORE_RESOURCES,
  ...APPS_RESOURCES,
  ...BATCH_RESOURCES,
  ...COORDINATION_RESOURCES,
  ...DISCOVERY_RESOURCES,
  ...EVENTS_RESOURCES,
  ...SCHEDULING_RESOURCES,
];
