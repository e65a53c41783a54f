import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { StoreError, type StoreErrorCode } from '../types';
import { toRpcError, toServiceError } from './errors';
import { etcdIdentity, responseHeader } from './identity';

describe('StoreError → etcd gRPC status (rpctypes/error.go)', () => {
  it.each<[StoreErrorCode, Status, string]>([
    ['compacted', Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted'],
    ['future-revision', Status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision'],
    ['lease-not-found', Status.NOT_FOUND, 'etcdserver: requested lease not found'],
    ['lease-exists', Status.FAILED_PRECONDITION, 'etcdserver: lease already exists'],
    ['lease-ttl-too-large', Status.OUT_OF_RANGE, 'etcdserver: too large lease TTL'],
    ['key-not-found', Status.INVALID_ARGUMENT, 'etcdserver: key not found'],
    ['empty-key', Status.INVALID_ARGUMENT, 'etcdserver: key is not provided'],
    ['request-too-large', Status.INVALID_ARGUMENT, 'etcdserver: request is too large'],
    ['too-many-ops', Status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request'],
    ['duplicate-key', Status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request'],
    ['invalid-argument', Status.INVALID_ARGUMENT, 'the store said so'],
    ['unavailable', Status.UNAVAILABLE, 'the store said so'],
    ['closed', Status.UNAVAILABLE, 'etcdserver: server stopped'],
    ['corrupt', Status.DATA_LOSS, 'etcdserver: corrupt cluster'],
  ])('%s → %i %j', (code, grpcCode, message) => {
    // Whatever text the backend chose, the client sees etcd's.
    const err = toRpcError(new StoreError(code, 'the store said so'));
    expect({ code: err.code, message: err.message }).toEqual({ code: grpcCode, message });
  });

  it('answers anything else with UNKNOWN and its message', () => {
    expect(toServiceError(new TypeError('boom'))).toMatchObject({ code: Status.UNKNOWN, details: 'boom' });
  });
});

describe('identity', () => {
  it('derives stable, non-zero uint64 ids per seed', () => {
    const a = etcdIdentity('ca-fingerprint-a');
    expect(etcdIdentity('ca-fingerprint-a')).toEqual(a);
    const b = etcdIdentity('ca-fingerprint-b');
    expect(b.memberId).not.toBe(a.memberId);
    expect(b.clusterId).not.toBe(a.clusterId);
    for (const id of [a.memberId, a.clusterId]) {
      expect(id).toMatch(/^[1-9]\d*$/);
      expect(BigInt(id) < 2n ** 64n).toBe(true);
    }
    expect(responseHeader(a, 7)).toEqual({
      cluster_id: a.clusterId,
      member_id: a.memberId,
      revision: 7,
      raft_term: 1,
    });
  });
});
