/**
 * How etcd's errors become StoreErrors and whether a request may be resent. Table-driven over
 * etcd 3.4's own error texts (rpctypes/error.go) and the transport failures grpc-js reports.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../types';
import { EtcdCallError, retryClass, toStoreError, unavailableError } from './errors';

const e = (code: status, details: string, endpoint = 'https://10.0.0.1:2379') =>
  new EtcdCallError(code, details, endpoint);

describe('toStoreError', () => {
  it.each([
    [status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted', 'compacted'],
    [status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision is a future revision', 'future-revision'],
    [status.NOT_FOUND, 'etcdserver: requested lease not found', 'lease-not-found'],
    [status.FAILED_PRECONDITION, 'etcdserver: lease already exists', 'lease-exists'],
    [status.OUT_OF_RANGE, 'etcdserver: too large lease TTL', 'lease-ttl-too-large'],
    [status.INVALID_ARGUMENT, 'etcdserver: key not found', 'key-not-found'],
    [status.INVALID_ARGUMENT, 'etcdserver: key is not provided', 'empty-key'],
    [status.INVALID_ARGUMENT, 'etcdserver: request is too large', 'request-too-large'],
    [
      status.RESOURCE_EXHAUSTED,
      'grpc: received message larger than max (3145746 vs. 2097152)',
      'request-too-large',
    ],
    [status.RESOURCE_EXHAUSTED, 'Received message larger than max (3145746 vs 2097152)', 'request-too-large'],
    [status.INVALID_ARGUMENT, 'etcdserver: too many operations in txn request', 'too-many-ops'],
    [status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request', 'duplicate-key'],
    [status.INVALID_ARGUMENT, 'etcdserver: value is provided', 'invalid-argument'],
    [status.INVALID_ARGUMENT, 'etcdserver: lease is provided', 'invalid-argument'],
    [status.UNAVAILABLE, 'etcdserver: no leader', 'unavailable'],
    [status.UNAVAILABLE, 'etcdserver: request timed out', 'unavailable'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded', 'unavailable'],
    [status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded', 'unavailable'],
    [
      status.INVALID_ARGUMENT,
      'etcdserver: authentication failed, invalid user ID or password',
      'unavailable',
    ],
    [status.PERMISSION_DENIED, 'etcdserver: permission denied', 'unavailable'],
  ] as const)('%s %s → %s', (code, details, expected) => {
    const err = toStoreError(e(code, details));
    expect(err).toBeInstanceOf(StoreError);
    expect(err.code).toBe(expected);
  });

  it("keeps etcd's text as the message of an answer", () => {
    expect(
      toStoreError(e(status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted')).message,
    ).toBe('etcdserver: mvcc: required revision has been compacted');
  });

  it('says what to do about refused credentials and a full database', () => {
    expect(
      toStoreError(
        e(status.INVALID_ARGUMENT, 'etcdserver: authentication failed, invalid user ID or password'),
      ).message,
    ).toMatch(/refused the credentials .*check the etcd username, password or client certificate/);
    expect(
      toStoreError(e(status.RESOURCE_EXHAUSTED, 'etcdserver: mvcc: database space exceeded')).message,
    ).toMatch(/out of space; compact and defragment/);
  });
});

describe('retryClass', () => {
  it.each([
    // Provably not applied: safe to resend a write.
    [
      status.UNAVAILABLE,
      'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:2379',
      'not-applied',
    ],
    [status.UNAVAILABLE, 'etcdserver: no leader', 'not-applied'],
    [status.RESOURCE_EXHAUSTED, 'etcdserver: too many requests', 'not-applied'],
    [status.UNAUTHENTICATED, 'etcdserver: invalid auth token', 'not-applied'],
    // May have been committed: only reads are resent.
    [status.UNAVAILABLE, 'etcdserver: request timed out', 'maybe-applied'],
    [
      status.UNAVAILABLE,
      'etcdserver: request timed out, possibly due to previous leader failure',
      'maybe-applied',
    ],
    [status.UNAVAILABLE, 'etcdserver: leader changed', 'maybe-applied'],
    [status.DEADLINE_EXCEEDED, 'Deadline exceeded after 3.001s', 'maybe-applied'],
    [status.UNAVAILABLE, 'Connection dropped', 'maybe-applied'],
    [status.INTERNAL, 'Received RST_STREAM with code 2', 'maybe-applied'],
    // Answers.
    [status.OUT_OF_RANGE, 'etcdserver: mvcc: required revision has been compacted', 'final'],
    [status.NOT_FOUND, 'etcdserver: requested lease not found', 'final'],
    [status.INVALID_ARGUMENT, 'etcdserver: duplicate key given in txn request', 'final'],
  ] as const)('%s %s → %s', (code, details, expected) => {
    expect(retryClass(e(code, details))).toBe(expected);
  });

  it('treats anything that is not an etcd call failure as final', () => {
    expect(retryClass(new Error('boom'))).toBe('final');
    expect(retryClass(new StoreError('closed', 'the store is closed'))).toBe('final');
  });
});

describe('unavailableError', () => {
  it('names lost quorum, the members tried, and the elapsed time', () => {
    const err = unavailableError(
      [
        e(status.UNAVAILABLE, 'No connection established', 'http://a:2379'),
        e(status.UNAVAILABLE, 'etcdserver: no leader', 'http://b:2379'),
      ],
      'write',
      3100,
    );
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe(
      'the etcd cluster has no quorum (no leader elected) after 3.1 s (tried http://a:2379, http://b:2379; last error: etcdserver: no leader)',
    );
  });

  it('calls a cluster that never answered unreachable', () => {
    const err = unavailableError(
      [e(status.UNAVAILABLE, 'No connection established', 'http://a:2379')],
      'read',
    );
    expect(err.message).toMatch(/^the etcd cluster is unreachable \(tried http:\/\/a:2379;/);
  });

  it('calls a cluster that let the deadline pass slow or without quorum', () => {
    const err = unavailableError([e(status.DEADLINE_EXCEEDED, 'Deadline exceeded', 'http://a:2379')], 'read');
    expect(err.message).toMatch(
      /^the etcd cluster did not answer in time \(it may have lost quorum, or be overloaded\)/,
    );
  });

  it('says when a write may have been applied', () => {
    const err = unavailableError([e(status.DEADLINE_EXCEEDED, 'Deadline exceeded')], 'write');
    expect(err.message).toMatch(/the write may or may not have been applied/);
    const read = unavailableError([e(status.DEADLINE_EXCEEDED, 'Deadline exceeded')], 'read');
    expect(read.message).not.toMatch(/may or may not/);
  });
});
