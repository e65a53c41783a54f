/** ownerReferences helpers, as apimachinery's metav1 controller-ref functions. */
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../../../kube/types';

/** The ownerReference with controller=true, if any (metav1.GetControllerOf). */
export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true);
}

/** Whether `owner` is `obj`'s controller (matched by uid). */
export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && ref.uid === owner.metadata?.uid;
}

/** A controller ownerReference to `owner` (metav1.NewControllerRef): blocks owner deletion. */
export function newControllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Whether the object is being deleted (deletionTimestamp set). */
export function isDeleting(obj: KubeObject): boolean {
  return Boolean(obj.metadata?.deletionTimestamp);
}

/**
 * Informer index: the uid of an object's controller ownerReference. Every controller uses this
 * one name and function, so a shared informer (pods above all) keeps one such index.
 */
export const BY_CONTROLLER_UID = 'controllerUid';
export function byControllerUid(obj: KubeObject): string[] {
  const uid = controllerOf(obj)?.uid;
  return uid ? [uid] : [];
}

/** Informer index: the namespace of objects without a controller (the adoption candidates). */
export const ORPHANS_BY_NAMESPACE = 'orphansByNamespace';
export function orphansByNamespace(obj: KubeObject): string[] {
  return controllerOf(obj) ? [] : [obj.metadata?.namespace ?? ''];
}
