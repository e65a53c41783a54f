/** apps/v1 daemonsets: `/registry/daemonsets/<ns>/<name>`. */
import type { DaemonSet } from 'kubernetes-types/apps/v1';
import { nonNegative, notSupported } from '../../admission/field';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { formatLabelSelector, formatLabels } from '../../../../kube/selectors';
import { validateSelectorAndTemplate, validateSelectorImmutable } from '../../admission/workload';
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

type DS = Obj<DaemonSet>;

const UPDATE_STRATEGIES = ['OnDelete', 'RollingUpdate'];

function validateSpec(ds: DS): FieldError[] {
  const spec = ds.spec;
  const errs = [
    ...validateSelectorAndTemplate(spec?.selector, spec?.template, 'daemonset'),
    ...validatePodTemplate(spec?.template, 'spec.template', ['Always']),
    ...nonNegative('spec.minReadySeconds', spec?.minReadySeconds),
    ...nonNegative('spec.revisionHistoryLimit', spec?.revisionHistoryLimit),
  ];
  const type = spec?.updateStrategy?.type ?? '';
  if (!UPDATE_STRATEGIES.includes(type))
    errs.push(notSupported('spec.updateStrategy.type', type, UPDATE_STRATEGIES));
  return errs;
}

export const daemonsets = defineResource<DS>({
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  plural: 'daemonsets',
  singular: 'daemonset',
  shortNames: ['ds'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'daemonsets',
  status: true,
  defaults(ds) {
    const spec = (ds.spec ??= { selector: {}, template: {} });
    const strategy = (spec.updateStrategy ??= {});
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = (strategy.rollingUpdate ??= {});
      ru.maxUnavailable ??= 1;
      ru.maxSurge ??= 0;
    }
    spec.revisionHistoryLimit ??= 10;
    defaultPodTemplate(spec.template);
  },
  validate: validator<DS>({ namespaced: true }, (ds, old) => [
    ...validateSpec(ds),
    ...(old ? validateSelectorImmutable(ds.spec?.selector, old.spec?.selector) : []),
  ]),
  columns: [
    col('Desired', 'The total number of nodes that should be running the daemon pod.', { type: 'integer' }),
    col(
      'Current',
      'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.',
      {
        type: 'integer',
      },
    ),
    col(
      'Ready',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.',
      { type: 'integer' },
    ),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col(
      'Available',
      'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.',
      { type: 'integer' },
    ),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  row(ds, now) {
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    const s = ds.status;
    return [
      s?.desiredNumberScheduled ?? 0,
      s?.currentNumberScheduled ?? 0,
      s?.numberReady ?? 0,
      s?.updatedNumberScheduled ?? 0,
      s?.numberAvailable ?? 0,
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      since(ds.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
});
