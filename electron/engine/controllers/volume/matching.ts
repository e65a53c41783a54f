/**
 * Which PersistentVolume a claim binds to (pkg/controller/volume/persistentvolume: the
 * persistentVolumeOrderedIndex's findByClaim and util.FindMatchingVolume).
 *
 * A volume pre-bound to the claim (spec.claimRef naming it) wins if it is big enough and of the
 * right mode. Otherwise candidates are Available volumes of the claim's storage class and
 * volume mode, at least as big as requested, matching the claim's selector, whose access modes
 * include all the claim asks for. Among those, volumes with the fewest access modes are
 * considered first, and the smallest that fits wins.
 */
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1';
import { parseQuantity } from '../../../kube/quantity';
import { selectorMatches } from '../../../kube/selectors';

export const BETA_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** GetPersistentVolumeClass / GetPersistentVolumeClaimClass: the beta annotation wins. */
export function storageClassOf(obj: PersistentVolume | PersistentVolumeClaim): string {
  return obj.metadata?.annotations?.[BETA_STORAGE_CLASS_ANNOTATION] ?? obj.spec?.storageClassName ?? '';
}

export function requestedBytes(claim: PersistentVolumeClaim): number {
  return parseQuantity(claim.spec?.resources?.requests?.['storage']) ?? 0;
}

export function capacityBytes(pv: PersistentVolume): number {
  return parseQuantity(pv.spec?.capacity?.['storage']) ?? 0;
}

/** IsVolumeBoundToClaim: claimRef names the claim (and its uid, once set). */
export function isVolumeBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

function modeOf(spec: { volumeMode?: string } | undefined): string {
  return spec?.volumeMode ?? 'Filesystem';
}

/** Why `pv` cannot serve `claim` (checkVolumeSatisfyClaim), or undefined if it can. */
export function mismatch(pv: PersistentVolume, claim: PersistentVolumeClaim): string | undefined {
  if (capacityBytes(pv) < requestedBytes(claim)) return 'requested PV is too small';
  if (storageClassOf(pv) !== storageClassOf(claim)) return 'storageClassName does not match';
  if (modeOf(pv.spec) !== modeOf(claim.spec)) return 'incompatible volumeMode';
  const modes = pv.spec?.accessModes ?? [];
  if (!(claim.spec?.accessModes ?? []).every((m) => modes.includes(m))) return 'incompatible accessMode';
  return undefined;
}

export function findBestMatch(
  claim: PersistentVolumeClaim,
  volumes: PersistentVolume[],
): PersistentVolume | undefined {
  const requested = requestedBytes(claim);
  const wantModes = claim.spec?.accessModes ?? [];
  const klass = storageClassOf(claim);
  const selector = claim.spec?.selector;
  const candidates: PersistentVolume[] = [];
  for (const pv of volumes) {
    if (pv.spec?.claimRef && !isVolumeBoundToClaim(pv, claim)) continue;
    if (capacityBytes(pv) < requested) continue;
    if (modeOf(pv.spec) !== modeOf(claim.spec)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    if (isVolumeBoundToClaim(pv, claim)) return pv;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !selectorMatches(selector, pv.metadata?.labels ?? {})) continue;
    if (storageClassOf(pv) !== klass) continue;
    const modes = pv.spec?.accessModes ?? [];
    if (!wantModes.every((m) => modes.includes(m))) continue;
    candidates.push(pv);
  }
  // Fewest access modes first (the index's mode groups), then the smallest that fits.
  candidates.sort(
    (a, b) =>
      (a.spec?.accessModes ?? []).length - (b.spec?.accessModes ?? []).length ||
      capacityBytes(a) - capacityBytes(b) ||
      (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  return candidates[0];
}
