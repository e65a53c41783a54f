/**
 * The ReplicationController controller (kube-controller-manager --controllers=replicationcontroller):
 * the ReplicaSet controller's code run on ReplicationControllers, as Kubernetes does.
 */
import type { ControllerFactory } from '../types';
import { createReplicaController } from './controller';
import { REPLICATION_CONTROLLER } from './workload';

export const NAME = REPLICATION_CONTROLLER.name;

export const createReplicationControllerController: ControllerFactory = (ctx) =>
  createReplicaController(REPLICATION_CONTROLLER, ctx);
