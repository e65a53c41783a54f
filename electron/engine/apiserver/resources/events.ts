/**
 * events.k8s.io/v1 events: the same objects as core/v1 events (one storage prefix, `events`),
 * stored in the core shape. `convert` maps the two shapes field by field as Kubernetes' events
 * conversion does: regarding ↔ involvedObject, note ↔ message, reportingController ↔
 * reportingComponent, deprecatedSource ↔ source, deprecatedFirstTimestamp/LastTimestamp/Count ↔
 * firstTimestamp/lastTimestamp/count; the rest keep their names.
 */
import type { Event as CoreEvent } from 'kubernetes-types/core/v1';
import type { Event } from 'kubernetes-types/events/v1';
import { invalid, notSupported, required } from '../admission/field';
import { EVENT_TYPES, eventRow, events as coreEvents } from './core/events';
import { defineResource, validator, type Obj } from './define';
import type { FieldError, KubeObject, ResourceDefinition } from './types';

type E = Obj<Event>;

const NOTE_LIMIT = 1024;

function strip<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

export function toCoreEvent(ev: Event): KubeObject {
  const core: CoreEvent = strip({
    metadata: ev.metadata ?? {},
    involvedObject: ev.regarding ?? {},
    related: ev.related,
    message: ev.note,
    reason: ev.reason,
    type: ev.type,
    action: ev.action,
    eventTime: ev.eventTime,
    series: ev.series,
    reportingComponent: ev.reportingController,
    reportingInstance: ev.reportingInstance,
    source: ev.deprecatedSource,
    firstTimestamp: ev.deprecatedFirstTimestamp,
    lastTimestamp: ev.deprecatedLastTimestamp,
    count: ev.deprecatedCount,
  });
  return { ...core, apiVersion: 'v1', kind: 'Event' };
}

export function fromCoreEvent(obj: KubeObject): E {
  const core = obj as unknown as CoreEvent;
  const ev: Event = strip({
    metadata: core.metadata ?? {},
    regarding: core.involvedObject,
    related: core.related,
    note: core.message,
    reason: core.reason,
    type: core.type,
    action: core.action,
    // Legacy events have no eventTime; leave it absent rather than invent one.
    eventTime: core.eventTime as string,
    series: core.series
      ? { count: core.series.count ?? 0, lastObservedTime: core.series.lastObservedTime ?? '' }
      : undefined,
    reportingController: core.reportingComponent,
    reportingInstance: core.reportingInstance,
    deprecatedSource: core.source,
    deprecatedFirstTimestamp: core.firstTimestamp,
    deprecatedLastTimestamp: core.lastTimestamp,
    deprecatedCount: core.count,
  });
  return { ...ev, apiVersion: 'events.k8s.io/v1', kind: 'Event' };
}

/** ValidateEventCreate for events.k8s.io/v1 (the new API requires who reported what, when). */
function validateEvent(ev: E): FieldError[] {
  const errs: FieldError[] = [];
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (!ev.reportingController) errs.push(required('reportingController'));
  if (!ev.reportingInstance) errs.push(required('reportingInstance'));
  if (!ev.action) errs.push(required('action'));
  if (!ev.reason) errs.push(required('reason'));
  if (!ev.type) errs.push(required('type'));
  else if (!EVENT_TYPES.includes(ev.type)) errs.push(notSupported('type', ev.type, EVENT_TYPES));
  if (ev.note && Buffer.byteLength(ev.note) > NOTE_LIMIT) {
    errs.push({
      field: 'note',
      type: 'FieldValueTooLong',
      message: `Too long: may not be more than ${NOTE_LIMIT} bytes`,
    });
  }
  const ns = ev.metadata?.namespace ?? '';
  if (ev.regarding?.namespace && ev.regarding.namespace !== ns) {
    errs.push(invalid('regarding.namespace', ev.regarding.namespace, 'does not match event.namespace'));
  }
  return errs;
}

export const eventsV1 = defineResource<E>({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  shortNames: ['ev'],
  namespaced: true,
  storagePrefix: 'events',
  validate: validator<E>({ namespaced: true }, (ev, old) => (old ? [] : validateEvent(ev))),
  fieldSelectors: {
    'regarding.kind': (e) => e.regarding?.kind ?? '',
    'regarding.namespace': (e) => e.regarding?.namespace ?? '',
    'regarding.name': (e) => e.regarding?.name ?? '',
    'regarding.uid': (e) => e.regarding?.uid ?? '',
    'regarding.apiVersion': (e) => e.regarding?.apiVersion ?? '',
    'regarding.resourceVersion': (e) => e.regarding?.resourceVersion ?? '',
    'regarding.fieldPath': (e) => e.regarding?.fieldPath ?? '',
    reason: (e) => e.reason ?? '',
    reportingController: (e) => e.reportingController ?? '',
    type: (e) => e.type ?? '',
  },
  columnsIncludeName: true,
  columns: coreEvents.columns ?? [],
  row: (ev, now) => eventRow(toCoreEvent(ev) as unknown as CoreEvent, now),
  convert: { toStored: toCoreEvent, fromStored: fromCoreEvent },
});

export const EVENTS_RESOURCES: ResourceDefinition[] = [eventsV1];
