/** apps/v1 controllerrevisions: `/registry/controllerrevisions/<ns>/<name>`. */
import type { ControllerRevision } from 'kubernetes-types/apps/v1';
import { immutable, nonNegative } from '../../admission/field';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type CR = Obj<ControllerRevision>;

/** printControllerRevision's CONTROLLER: `<kind>.<group>/<name>` of the controlling owner, lowercased kind. */
export function controllerName(cr: ControllerRevision): string {
  const ref = cr.metadata?.ownerReferences?.find((r) => r.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${kind.toLowerCase()}/${ref.name}`;
}

export const controllerrevisions = defineResource<CR>({
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  storagePrefix: 'controllerrevisions',
  generation: false,
  validate: validator<CR>({ namespaced: true }, (cr, old) => [
    ...nonNegative('revision', cr.revision),
    ...(old ? immutable('data', cr.data, old.data) : []),
  ]),
  columns: [
    col('Controller', 'Controller of the object'),
    col('Revision', 'Revision indicates the revision of the state represented by Data.'),
    AGE_COLUMN,
  ],
  row: (cr, now) => [controllerName(cr), cr.revision, since(cr.metadata?.creationTimestamp, now)],
});
