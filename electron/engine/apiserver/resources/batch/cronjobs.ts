/** batch/v1 cronjobs: `/registry/cronjobs/<ns>/<name>`. */
import type { CronJob } from 'kubernetes-types/batch/v1';
import { invalid, nonNegative, notSupported, required } from '../../admission/field';
import { maxLenError } from '../../admission/names';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { formatLabelSelector } from '../../../../kube/selectors';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  SELECTOR_COLUMN,
  col,
  containerCells,
  since,
} from '../printers';

type CJ = Obj<CronJob>;

const CONCURRENCY = ['Allow', 'Forbid', 'Replace'];
/** Job names get an 11-character suffix; 63 − 11 leaves 52 for the CronJob (ValidateCronJob). */
const MAX_NAME = 52;
const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Standard cron syntax check (robfig/cron ParseStandard's shape; field ranges not checked). */
export function scheduleError(schedule: string): string | undefined {
  if (/^\s*(CRON_)?TZ=/.test(schedule))
    return 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
  const s = schedule.trim();
  if (s.startsWith('@')) {
    if (MACROS.includes(s) || /^@every \S+$/.test(s)) return undefined;
    return `unrecognized descriptor: ${s}`;
  }
  const fields = s.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  const bad = fields.find((f) => !/^[\d*?/,\-A-Za-z]+$/.test(f));
  return bad ? `failed to parse int from ${bad}` : undefined;
}

function validateCronJob(cj: CJ): FieldError[] {
  const spec = cj.spec;
  const errs: FieldError[] = [];
  const name = cj.metadata?.name ?? '';
  if (name.length > MAX_NAME) errs.push(invalid('metadata.name', name, maxLenError(MAX_NAME)));
  if (!spec?.schedule) errs.push(required('spec.schedule'));
  else {
    const err = scheduleError(spec.schedule);
    if (err) errs.push(invalid('spec.schedule', spec.schedule, err));
  }
  const policy = spec?.concurrencyPolicy ?? '';
  if (!CONCURRENCY.includes(policy)) errs.push(notSupported('spec.concurrencyPolicy', policy, CONCURRENCY));
  errs.push(
    ...nonNegative('spec.startingDeadlineSeconds', spec?.startingDeadlineSeconds),
    ...nonNegative('spec.successfulJobsHistoryLimit', spec?.successfulJobsHistoryLimit),
    ...nonNegative('spec.failedJobsHistoryLimit', spec?.failedJobsHistoryLimit),
    ...validatePodTemplate(spec?.jobTemplate?.spec?.template, 'spec.jobTemplate.spec.template', [
      'OnFailure',
      'Never',
    ]),
  );
  return errs;
}

export const cronjobs = defineResource<CJ>({
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  plural: 'cronjobs',
  singular: 'cronjob',
  shortNames: ['cj'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'cronjobs',
  status: true,
  defaults(cj) {
    const spec = (cj.spec ??= { schedule: '', jobTemplate: {} });
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    defaultPodTemplate(spec.jobTemplate?.spec?.template);
  },
  validate: validator<CJ>({ namespaced: true }, (cj) => validateCronJob(cj)),
  columns: [
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'The time zone name for the given schedule.'),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions.', { type: 'boolean' }),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  row(cj, now) {
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    const suspend = cj.spec?.suspend;
    return [
      cj.spec?.schedule ?? '',
      cj.spec?.timeZone ?? '<none>',
      suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
      (cj.status?.active ?? []).length,
      cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>',
      since(cj.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(jobSpec?.selector),
    ];
  },
});
