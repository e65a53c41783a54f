/** What the Job controller's pieces share: clients, caches, queue and in-memory records. */
import type { Job } from 'kubernetes-types/batch/v1';
import type { Pod } from 'kubernetes-types/core/v1';
import type { EventRecorder } from '../../../kube/events';
import type { Informer } from '../../../kube/informer';
import type { ResourceClient } from '../../../kube/types';
import type { WorkQueue } from '../../../kube/workqueue';
import type { ControllerContext } from '../types';
import type { Expectations } from './expectations';
import type { BackoffRecord } from './job-util';

export interface JobControllerConfig {
  /** First delay before replacing a failed pod (DefaultJobPodFailureBackOff, 10 s). */
  podFailureBackoffMs?: number;
  /** Longest such delay (MaxJobPodFailureBackOff, 6 min). */
  maxPodFailureBackoffMs?: number;
  /**
   * Longest the controller sleeps before looking at the clock again when it waits for a
   * deadline (activeDeadlineSeconds). Node's timers do not count time a laptop spent asleep,
   * and tests move an injected clock, so waits are capped. Default 60 s.
   */
  maxWaitMs?: number;
}

export interface JobDeps {
  ctx: ControllerContext;
  jobs: ResourceClient<Job>;
  pods: ResourceClient<Pod>;
  jobInformer: Informer<Job>;
  podInformer: Informer<Pod>;
  recorder: EventRecorder;
  queue: WorkQueue;
  expectations: Expectations;
  /** Per job key: UIDs of pods whose tracking finalizer we removed but the cache still shows. */
  finalizerRemovals: Map<string, Set<string>>;
  backoff: Map<string, BackoffRecord>;
  config: Required<JobControllerConfig>;
}

export function jobKeyOf(job: Job): string {
  return `${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}`;
}
