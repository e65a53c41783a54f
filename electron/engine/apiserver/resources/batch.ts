/** The batch/v1 group's resources, in discovery order. */
import type { ResourceDefinition } from './types';
import { cronjobs } from './batch/cronjobs';
import { jobs } from './batch/jobs';

export const BATCH_RESOURCES: ResourceDefinition[] = [cronjobs, jobs];
