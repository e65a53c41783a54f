/**
 * core/v1 persistentvolumes (`/registry/persistentvolumes/<name>`) and persistentvolumeclaims
 * (`/registry/persistentvolumeclaims/<ns>/<name>`). Both use path-segment names, as Kubernetes.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { deepEqual, forbidden, notSupported, required } from '../../admission/field';
import { nameIsPathSegment } from '../../admission/names';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type PV = Obj<PersistentVolume>;
type PVC = Obj<PersistentVolumeClaim>;

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const SHORT_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];
/** Spec fields of a PV that are not its volume source. */
const PV_SPEC_FIELDS = new Set([
  'capacity',
  'accessModes',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'mountOptions',
  'volumeMode',
  'nodeAffinity',
  'volumeAttributesClassName',
]);

/** GetAccessModesAsString: `RWO,ROX,RWX,RWOP` in that order. */
export function accessModesString(modes: string[] | undefined): string {
  return SHORT_MODES.filter(([m]) => (modes ?? []).includes(m))
    .map(([, s]) => s)
    .join(',');
}

function validateAccessModes(modes: string[] | undefined, path: string): FieldError[] {
  if (!modes || modes.length === 0) return [required(path)];
  return modes.filter((m) => !ACCESS_MODES.includes(m)).map((m) => notSupported(path, m, ACCESS_MODES));
}

function validatePV(pv: PV): FieldError[] {
  const spec = pv.spec ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  const capacity = spec.capacity ?? {};
  if (Object.keys(capacity).length === 0) errs.push(required('spec.capacity'));
  else if (!('storage' in capacity) || Object.keys(capacity).length > 1) {
    errs.push(notSupported('spec.capacity', capacity, ['storage']));
  }
  const policy = spec.persistentVolumeReclaimPolicy;
  if (policy && !RECLAIM_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  }
  const sources = Object.keys(spec).filter((k) => !PV_SPEC_FIELDS.has(k));
  if (sources.length === 0) errs.push(required('spec', 'must specify a volume type'));
  else if (sources.length > 1)
    errs.push(forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  return errs;
}

function validatePVC(pvc: PVC, old?: PVC): FieldError[] {
  const spec = pvc.spec ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  if (!spec.resources?.requests?.['storage']) errs.push(required('spec.resources[storage]'));
  if (old) {
    // Only requests (resize), the attributes class, and a first volumeName (binding) may change.
    const strip = (s: PVC['spec'], keepVolume: boolean) => ({
      ...s,
      resources: { ...s?.resources, requests: undefined },
      volumeAttributesClassName: undefined,
      volumeName: keepVolume ? s?.volumeName : undefined,
    });
    const binding = !old.spec?.volumeName;
    if (!deepEqual(strip(spec, !binding), strip(old.spec, !binding))) {
      errs.push(
        forbidden(
          'spec',
          'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
        ),
      );
    }
  }
  return errs;
}

function storageClass(obj: PersistentVolume | PersistentVolumeClaim): string {
  return (
    obj.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? obj.spec?.storageClassName ?? ''
  );
}

export const persistentvolumes = defineResource<PV>({
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  shortNames: ['pv'],
  namespaced: false,
  storagePrefix: 'persistentvolumes',
  status: true,
  generation: false,
  defaults(pv) {
    const spec = (pv.spec ??= {});
    spec.persistentVolumeReclaimPolicy ??= 'Retain';
    spec.volumeMode ??= 'Filesystem';
    const status = ((pv as { status?: { phase?: string } }).status ??= {});
    status.phase ??= 'Pending';
  },
  validate: validator<PV>({ namespaced: false, name: nameIsPathSegment }, (pv) => validatePV(pv)),
  columns: [
    col('Capacity', "capacity is the description of the persistent volume's resources and capacity."),
    col('Access Modes', 'accessModes contains all ways the volume can be mounted.'),
    col(
      'Reclaim Policy',
      'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.',
    ),
    col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
    col(
      'Claim',
      'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.',
    ),
    col('StorageClass', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'),
    col('Reason', 'reason is a brief CamelCase string that describes any failure.'),
    AGE_COLUMN,
    col(
      'VolumeMode',
      'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.',
      { wide: true },
    ),
  ],
  row(pv, now) {
    const claim = pv.spec?.claimRef
      ? `${pv.spec.claimRef.namespace ?? ''}/${pv.spec.claimRef.name ?? ''}`
      : '';
    return [
      String(pv.spec?.capacity?.['storage'] ?? ''),
      accessModesString(pv.spec?.accessModes),
      pv.spec?.persistentVolumeReclaimPolicy ?? '',
      pv.metadata?.deletionTimestamp ? 'Terminating' : (pv.status?.phase ?? ''),
      claim,
      storageClass(pv),
      pv.spec?.volumeAttributesClassName ?? '<unset>',
      pv.status?.reason ?? '',
      since(pv.metadata?.creationTimestamp, now),
      pv.spec?.volumeMode ?? '<unset>',
    ];
  },
});

export const persistentvolumeclaims = defineResource<PVC>({
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  namespaced: true,
  storagePrefix: 'persistentvolumeclaims',
  status: true,
  generation: false,
  defaults(pvc) {
    const spec = (pvc.spec ??= {});
    spec.volumeMode ??= 'Filesystem';
    const status = ((pvc as { status?: { phase?: string } }).status ??= {});
    status.phase ??= 'Pending';
  },
  validate: validator<PVC>({ namespaced: true, name: nameIsPathSegment }, validatePVC),
  columns: [
    col('Status', 'phase represents the current phase of PersistentVolumeClaim.'),
    col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
    col('Capacity', 'capacity represents the actual resources of the underlying volume.'),
    col('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.'),
    col('StorageClass', 'StorageClass of the pvc'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    AGE_COLUMN,
    col('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', { wide: true }),
  ],
  row(pvc, now) {
    const bound = Boolean(pvc.spec?.volumeName);
    return [
      pvc.metadata?.deletionTimestamp ? 'Terminating' : (pvc.status?.phase ?? ''),
      pvc.spec?.volumeName ?? '',
      bound ? String(pvc.status?.capacity?.['storage'] ?? '') : '',
      bound ? accessModesString(pvc.status?.accessModes) : '',
      storageClass(pvc),
      pvc.spec?.volumeAttributesClassName ?? '<unset>',
      since(pvc.metadata?.creationTimestamp, now),
      pvc.spec?.volumeMode ?? '<unset>',
    ];
  },
});
