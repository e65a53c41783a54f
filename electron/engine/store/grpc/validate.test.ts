import { status as Status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../types';
import { EtcdRpcError } from './errors';
import { checkDelete, checkPut, checkRange, checkRequestSize, checkTxn } from './validate';
import { compareReq, deleteReq, op, putReq, rangeReq, txnReq } from './wire-fixtures';

/** The etcd message a check throws, or null when it passes. */
function refusal(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(EtcdRpcError);
    expect((err as EtcdRpcError).code).toBe(Status.INVALID_ARGUMENT);
    return (err as EtcdRpcError).message;
  }
}

const puts = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => op.put(`${prefix}${i}`));

describe("etcd's request checks (v3rpc/key.go)", () => {
  it.each([
    ['range without a key', () => checkRange(rangeReq('')), 'etcdserver: key is not provided'],
    ['put without a key', () => checkPut(putReq('')), 'etcdserver: key is not provided'],
    ['delete without a key', () => checkDelete(deleteReq('')), 'etcdserver: key is not provided'],
    [
      'ignore_value with a value',
      () => checkPut(putReq('k', 'v', { ignore_value: true })),
      'etcdserver: value is provided',
    ],
    [
      'ignore_lease with a lease',
      () => checkPut(putReq('k', '', { ignore_lease: true, lease: '5' })),
      'etcdserver: lease is provided',
    ],
    ['ignore_value without a value', () => checkPut(putReq('k', '', { ignore_value: true })), null],
    ['a plain put', () => checkPut(putReq('k')), null],
  ])('%s', (_name, check, message) => {
    expect(refusal(check)).toBe(message);
  });

  it.each([
    ['128 ops in each branch', txnReq(puts(128), puts(128)), null],
    ['129 successes', txnReq(puts(129)), 'etcdserver: too many operations in txn request'],
    [
      '129 compares',
      txnReq(
        [],
        [],
        Array.from({ length: 129 }, (_, i) => compareReq(`c${i}`)),
      ),
      'etcdserver: too many operations in txn request',
    ],
    // etcd hands a nested txn the budget left after the outer txn's widest list.
    [
      'a nested txn over the remaining budget',
      txnReq([...puts(100), op.txn(txnReq(puts(29, 'n')))]),
      'etcdserver: too many operations in txn request',
    ],
    ['a nested txn within the remaining budget', txnReq([...puts(100), op.txn(txnReq(puts(27, 'n')))]), null],
    ['a compare without a key', txnReq([], [], [compareReq('')]), 'etcdserver: key is not provided'],
    ['an empty op', txnReq([op.empty()]), 'etcdserver: key not found'],
    ['a nested op without a key', txnReq([op.txn(txnReq([op.del('')]))]), 'etcdserver: key is not provided'],
    [
      'one key put twice',
      txnReq([op.put('a'), op.put('a')]),
      'etcdserver: duplicate key given in txn request',
    ],
    [
      'a put inside a deleted range',
      txnReq([op.del('a', 'c'), op.put('b')]),
      'etcdserver: duplicate key given in txn request',
    ],
    [
      'a put at a deleted key',
      txnReq([op.put('a'), op.del('a')]),
      'etcdserver: duplicate key given in txn request',
    ],
    ['a put at the end of a deleted range (exclusive)', txnReq([op.del('a', 'c'), op.put('c')]), null],
    ['two overlapping deletes', txnReq([op.del('a', 'c'), op.del('b')]), null],
    ['the same key in success and failure', txnReq([op.put('a')], [op.put('a')]), null],
    [
      "a nested txn's then and else putting one key",
      txnReq([op.txn(txnReq([op.put('a')], [op.put('a')]))]),
      null,
    ],
    [
      'a nested put of a key the outer level puts',
      txnReq([op.put('a'), op.txn(txnReq([op.put('a')]))]),
      'etcdserver: duplicate key given in txn request',
    ],
    [
      'a nested put of a key the outer level deletes',
      txnReq([op.del('a'), op.txn(txnReq([], [op.put('a')]))]),
      'etcdserver: duplicate key given in txn request',
    ],
    [
      'an outer put of a key a nested txn deletes',
      txnReq([op.txn(txnReq([op.del('a')])), op.put('a')]),
      'etcdserver: duplicate key given in txn request',
    ],
    ['ranges over written keys', txnReq([op.put('a'), op.range('a'), op.range('a')]), null],
  ])('txn: %s', (_name, txn, message) => {
    expect(refusal(() => checkTxn(txn))).toBe(message);
  });

  it('refuses writes whose proposal would exceed --max-request-bytes', () => {
    expect(refusal(() => checkRequestSize(1024))).toBeNull();
    expect(refusal(() => checkRequestSize(LIMITS.maxRequestBytes - 64))).toBeNull();
    expect(refusal(() => checkRequestSize(LIMITS.maxRequestBytes))).toBe('etcdserver: request is too large');
  });
});
