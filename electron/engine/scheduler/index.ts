/**
 * The scheduler (issue 5): kube-scheduler's framework, queue, cache, loop and preemption.
 * The composition root (control-plane.ts) calls createScheduler with the shared informers;
 * a configuration file (KubeSchedulerConfiguration subset) is read with parseSchedulerConfigText.
 */
import { type SchedulerConfig, parseSchedulerConfig } from './config';
import type { Registry } from './framework/types';
import { configBase } from './scheduler';

export { createScheduler, configBase, DEFAULT_MAX_BINDS_IN_FLIGHT } from './scheduler';
export type { Scheduler, SchedulerOptions } from './scheduler';
export { SchedulerConfigError, resolveSchedulerConfig } from './config';
export type { SchedulerConfig } from './config';

/** Parses a configuration file's text against the in-tree plugins (plus `extra`). */
export function parseSchedulerConfigText(text: string, extra: Registry = {}): SchedulerConfig {
  return parseSchedulerConfig(text, configBase(extra));
}
