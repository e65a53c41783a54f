/** The ReplicaSet controller (kube-controller-manager --controllers=replicaset). */
import type { ControllerFactory } from '../types';
import { createReplicaController } from './controller';
import { REPLICA_SET } from './workload';

export const NAME = REPLICA_SET.name;

export const createReplicaSetController: ControllerFactory = (ctx) =>
  createReplicaController(REPLICA_SET, ctx);
