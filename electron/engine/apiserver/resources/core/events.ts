/** core/v1 events: `/registry/events/<ns>/<name>` (also served as events.k8s.io/v1). */
import type { Event, EventSource } from 'kubernetes-types/core/v1';
import { invalid, notSupported } from '../../admission/field';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import { col, since } from '../printers';

type E = Obj<Event>;

export const EVENT_TYPES = ['Normal', 'Warning'];

function validateEvent(ev: E): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? '';
  const involvedNs = ev.involvedObject?.namespace;
  // Events about namespaced objects live in that object's namespace.
  if (involvedNs && involvedNs !== ns) {
    errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  }
  if (ev.type && !EVENT_TYPES.includes(ev.type)) errs.push(notSupported('type', ev.type, EVENT_TYPES));
  return errs;
}

/** formatEventSource: `component, host`, falling back to the reporting controller/instance. */
function source(es: EventSource | undefined, controller?: string, instance?: string): string {
  const component = es?.component || controller || '';
  const host = es?.host || instance || '';
  return host ? `${component}, ${host}` : component;
}

/** printEvent's cells, in the order of `columns` (NAME is the last, wide column). */
export function eventRow(ev: Event, now: number): unknown[] {
  const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) {
    count = 1; // Singleton events of the new API carry no count.
  }
  const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
  const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
  return [
    last,
    ev.type ?? '',
    ev.reason ?? '',
    target,
    ev.involvedObject?.fieldPath ?? '',
    source(ev.source, ev.reportingComponent, ev.reportingInstance),
    (ev.message ?? '').trim(),
    first,
    count,
    ev.metadata?.name ?? '',
  ];
}

export const events = defineResource<E>({
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  storagePrefix: 'events',
  validate: validator<E>({ namespaced: true }, (ev) => validateEvent(ev)),
  fieldSelectors: {
    'involvedObject.kind': (e) => e.involvedObject?.kind ?? '',
    'involvedObject.namespace': (e) => e.involvedObject?.namespace ?? '',
    'involvedObject.name': (e) => e.involvedObject?.name ?? '',
    'involvedObject.uid': (e) => e.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (e) => e.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (e) => e.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (e) => e.involvedObject?.fieldPath ?? '',
    reason: (e) => e.reason ?? '',
    reportingComponent: (e) => e.reportingComponent ?? '',
    source: (e) => e.source?.component ?? '',
    type: (e) => e.type ?? '',
  },
  columnsIncludeName: true,
  columns: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'The field of the object this event is about.', { wide: true }),
    col('Source', 'The component reporting this event.', { wide: true }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded.', { wide: true }),
    col('Count', 'The number of times this event has occurred.', { wide: true }),
    { ...col('Name', 'Name of the event.', { wide: true }), format: 'name' },
  ],
  row: eventRow,
});
