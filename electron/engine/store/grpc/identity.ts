/**
 * Who this endpoint says it is in every ResponseHeader and in MemberList/Status: a one-member
 * etcd "cluster". etcd derives member ids from peer URLs and cluster ids from the member set;
 * here both come from a caller-supplied seed (the cluster CA's fingerprint in the engine) so
 * they are stable across restarts, differ between clusters, and are never 0 (etcd's "none").
 */
import { createHash } from 'node:crypto';
import { uint64FromBytes } from './int64';
import type { HeaderOut } from './wire';

export interface EtcdIdentity {
  /** uint64 as decimal text (may exceed 2^53). */
  clusterId: string;
  memberId: string;
  /** Member name, as `etcd --name`. */
  name: string;
  /** There are no elections: the term is fixed (etcd's first term after bootstrap is ≥ 1). */
  raftTerm: number;
}

export function etcdIdentity(seed: string, name = 'pilothouse'): EtcdIdentity {
  return { clusterId: idFrom('cluster', seed), memberId: idFrom('member', seed), name, raftTerm: 1 };
}

function idFrom(kind: string, seed: string): string {
  const digest = createHash('sha256').update(`pilothouse-etcd-${kind}\0${seed}`).digest();
  const id = uint64FromBytes(digest);
  return id === '0' ? '1' : id;
}

/** A top-level ResponseHeader, filled as etcd's v3rpc header.fill does. */
export function responseHeader(identity: EtcdIdentity, revision: number): HeaderOut {
  return {
    cluster_id: identity.clusterId,
    member_id: identity.memberId,
    revision,
    raft_term: identity.raftTerm,
  };
}
