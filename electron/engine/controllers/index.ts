/**
 * The controllers kube-controller-manager runs, by its --controllers names, in the order they
 * start. The composition root (engine/components) runs them all through one ControllerManager.
 */
import { createCronJobController } from './cronjob/cronjob-controller';
import { createDaemonSetController } from './daemonset/daemonset';
import { createDeploymentController } from './deployment/controller';
import { createEndpointsController } from './endpoints/endpoints-controller';
import { createEndpointSliceController } from './endpointslice/endpointslice-controller';
import { createGarbageCollectorController } from './garbagecollector/collector';
import { createJobController } from './job/job-controller';
import { createTtlAfterFinishedController } from './job/ttl-after-finished';
import { createNamespaceController } from './namespace/controller';
import { createNodeIpamController } from './nodeipam/controller';
import { createNodeLifecycleController } from './nodelifecycle/controller';
import { createTaintEvictionController } from './nodelifecycle/taint-eviction';
import { createPodGcController } from './podgc/controller';
import { createReplicaSetController } from './replicaset/replicaset';
import { createReplicationControllerController } from './replicaset/replicationcontroller';
import { createServiceAccountController } from './serviceaccount/controller';
import { createStatefulSetController } from './statefulset/statefulset';
import type { ControllerFactory } from './types';
import { createPersistentVolumeBinderController } from './volume/pv-binder';
import { createPvProtectionController } from './volume/pv-protection';
import { createPvcProtectionController } from './volume/pvc-protection';

export const ALL_CONTROLLERS: Record<string, ControllerFactory> = {
  nodeipam: createNodeIpamController,
  nodelifecycle: createNodeLifecycleController,
  'taint-eviction-controller': createTaintEvictionController,
  replicaset: createReplicaSetController,
  replicationcontroller: createReplicationControllerController,
  deployment: createDeploymentController,
  daemonset: createDaemonSetController,
  statefulset: createStatefulSetController,
  job: createJobController,
  'ttl-after-finished': createTtlAfterFinishedController,
  cronjob: createCronJobController,
  endpoint: createEndpointsController,
  endpointslice: createEndpointSliceController,
  'persistentvolume-binder': createPersistentVolumeBinderController,
  'pvc-protection': createPvcProtectionController,
  'pv-protection': createPvProtectionController,
  namespace: createNamespaceController,
  serviceaccount: createServiceAccountController,
  garbagecollector: createGarbageCollectorController,
  podgc: createPodGcController,
};
