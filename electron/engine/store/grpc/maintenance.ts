/**
 * etcdserverpb.Maintenance and etcdserverpb.Cluster for a one-member "cluster" with no raft:
 * - Status: etcd-shaped numbers. The member leads itself; raftIndex and raftAppliedIndex follow
 *   the store revision (every applied write advances both in etcd too) and are ≥ 1; the term
 *   is fixed. `version` is the etcd API level this endpoint speaks (ETCD_API_VERSION).
 * - Alarm: there are no alarms (the embedded store has no space quota); Get and Deactivate
 *   answer an empty list, Activate is refused.
 * - Defragment: accepted and a no-op — LMDB reuses freed pages by itself, so there is nothing
 *   to rewrite (etcdctl defrag, which operators run after compaction, then succeeds).
 * - MemberList: this member, with this endpoint's client URL and no peer URLs; the header
 *   carries no revision, as etcd's cluster server's does not.
 * Hash, HashKV, Snapshot, MoveLeader, Downgrade and the membership changes are UNIMPLEMENTED.
 */
import { status as Status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { EtcdRpcError } from './errors';
import { responseHeader } from './identity';
import { type ServiceDeps, currentHeader, unary } from './rpc';
import type { AlarmRequestIn } from './wire';

/** The etcd release whose API this endpoint follows, reported by Status (etcdctl endpoint status). */
export const ETCD_API_VERSION = '3.5.0';

const ALARM_ACTION_ACTIVATE = 1;

export function maintenanceService(deps: ServiceDeps): UntypedServiceImplementation {
  const { store, identity } = deps;
  return {
    Status: unary(deps, 'Status', async () => {
      const status = await store.status();
      const index = Math.max(status.header.revision, 1);
      return {
        header: responseHeader(identity, status.header.revision),
        version: ETCD_API_VERSION,
        dbSize: status.dbSize,
        leader: identity.memberId,
        raftIndex: index,
        raftTerm: identity.raftTerm,
        raftAppliedIndex: index,
        errors: [],
        dbSizeInUse: status.dbSizeInUse,
        isLearner: false,
      };
    }),

    Alarm: unary(deps, 'Alarm', async (req: AlarmRequestIn) => {
      if (req.action === ALARM_ACTION_ACTIVATE) {
        throw new EtcdRpcError(
          Status.UNIMPLEMENTED,
          'pilothouse: alarms cannot be activated on this endpoint',
        );
      }
      return { header: await currentHeader(deps), alarms: [] };
    }),

    Defragment: unary(deps, 'Defragment', async () => ({ header: await currentHeader(deps) })),
  };
}

export function clusterService(deps: ServiceDeps): UntypedServiceImplementation {
  const { identity } = deps;
  return {
    MemberList: unary(deps, 'MemberList', async () => ({
      header: { cluster_id: identity.clusterId, member_id: identity.memberId, raft_term: identity.raftTerm },
      members: [
        {
          ID: identity.memberId,
          name: identity.name,
          peerURLs: [],
          clientURLs: [deps.clientUrl],
          isLearner: false,
        },
      ],
    })),
  };
}
