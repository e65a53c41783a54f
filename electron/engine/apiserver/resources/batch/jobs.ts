/**
 * batch/v1 jobs: `/registry/jobs/<ns>/<name>`. Unless `manualSelector` is true, the selector and
 * the template's tracking labels are generated from metadata.uid (the job strategy's
 * generateSelector), so `defaults` must run after the uid is set.
 */
import type { Job } from 'kubernetes-types/batch/v1';
import { immutable, invalid, nonNegative, notSupported, required } from '../../admission/field';
import { isLabelValue } from '../../admission/names';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { formatLabelSelector } from '../../../../kube/selectors';
import { validateSelectorAndTemplate } from '../../admission/workload';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  SELECTOR_COLUMN,
  col,
  containerCells,
  humanDuration,
  since,
} from '../printers';

type J = Obj<Job>;

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
const LEGACY_JOB_NAME_LABEL = 'job-name';
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const JOB_RESTART_POLICIES = ['OnFailure', 'Never'];

export function defaultJob(job: J): void {
  const spec = (job.spec ??= { template: {} });
  // Defaults run before validation, on whatever the client sent.
  spec.template ??= {};
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  const uid = job.metadata?.uid;
  const name = job.metadata?.name ?? '';
  if (!spec.manualSelector && uid) {
    spec.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
    const meta = (spec.template.metadata ??= {});
    meta.labels = {
      ...meta.labels,
      [CONTROLLER_UID_LABEL]: uid,
      [JOB_NAME_LABEL]: name,
      [LEGACY_CONTROLLER_UID_LABEL]: uid,
      [LEGACY_JOB_NAME_LABEL]: name,
    };
  }
  const templateLabels = spec.template.metadata?.labels;
  job.metadata ??= {};
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0)
    job.metadata.labels = { ...templateLabels };
  defaultPodTemplate(spec.template);
}

function validateJob(job: J): FieldError[] {
  const spec = job.spec;
  const errs = [
    ...nonNegative('spec.parallelism', spec?.parallelism),
    ...nonNegative('spec.completions', spec?.completions),
    ...nonNegative('spec.backoffLimit', spec?.backoffLimit),
    ...nonNegative('spec.ttlSecondsAfterFinished', spec?.ttlSecondsAfterFinished),
    ...validateSelectorAndTemplate(spec?.selector, spec?.template, 'job'),
    ...validatePodTemplate(spec?.template, 'spec.template', JOB_RESTART_POLICIES),
  ];
  if (spec?.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds <= 0) {
    errs.push(invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be greater than 0'));
  }
  const mode = spec?.completionMode ?? '';
  if (!COMPLETION_MODES.includes(mode))
    errs.push(notSupported('spec.completionMode', mode, COMPLETION_MODES));
  if (mode === 'Indexed' && spec?.completions === undefined) {
    errs.push(required('spec.completions', 'when completion mode is Indexed'));
  }
  // The generated job-name label carries the name, so it must also be a valid label value.
  const name = job.metadata?.name ?? '';
  if (!spec?.manualSelector && name) {
    for (const m of isLabelValue(name)) errs.push(invalid('metadata.name', name, m));
  }
  return errs;
}

function validateUpdate(job: J, old: J): FieldError[] {
  const errs = [
    ...immutable('spec.selector', job.spec?.selector, old.spec?.selector),
    ...immutable('spec.completionMode', job.spec?.completionMode, old.spec?.completionMode),
  ];
  if (job.spec?.completionMode !== 'Indexed') {
    errs.push(...immutable('spec.completions', job.spec?.completions, old.spec?.completions));
  }
  // The template may change only while the job is suspended (and has not started).
  if (!old.spec?.suspend || old.status?.startTime) {
    errs.push(...immutable('spec.template', job.spec?.template, old.spec?.template));
  }
  return errs;
}

function hasCondition(job: Job, type: string): boolean {
  return job.status?.conditions?.find((c) => c.type === type)?.status === 'True';
}

/** printJob's STATUS. */
export function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  const completions = job.spec?.completions;
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: Job, now: number): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime ? Date.parse(job.status.completionTime) : now;
  return humanDuration(end - Date.parse(start));
}

export const jobs = defineResource<J>({
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  singular: 'job',
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'jobs',
  status: true,
  defaults: defaultJob,
  validate: validator<J>({ namespaced: true }, (job, old) => [
    ...validateJob(job),
    ...(old ? validateUpdate(job, old) : []),
  ]),
  fieldSelectors: { 'status.successful': (j) => String(j.status?.succeeded ?? 0) },
  columns: [
    col('Status', 'Status of the job.'),
    col('Completions', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  row(job, now) {
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return [
      jobStatus(job),
      completionsCell(job),
      durationCell(job, now),
      since(job.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(job.spec?.selector),
    ];
  },
});
