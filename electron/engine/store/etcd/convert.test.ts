/**
 * Store ⇄ etcd message conversion: int64 text, lease ids beyond 2^53, enum names of etcd3's
 * proto copy, read-only txn detection (which decides whether a txn may be resent), and the
 * etcd versions whose progress notifications can run ahead of events.
 */
import { describe, expect, it } from 'vitest';
import type { RequestOp, TxnRequest } from '../types';
import { compare, isReadOnlyTxn, keyValue, rangeRequest, txnRequest } from './convert';
import { int64, leaseIdFromEtcd, leaseIdToEtcd } from './int64';
import { randomLeaseId } from './lease';
import { progressOrdered } from './watch';

const b = (s: string) => Buffer.from(s);

describe('int64', () => {
  it('reads revisions and counts exactly', () => {
    expect(int64('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(int64('')).toBe(0);
    expect(int64(undefined)).toBe(0);
  });

  it('sends lease ids as exact decimal text, also for ids above 2^53', () => {
    expect(leaseIdToEtcd(7)).toBe('7');
    expect(leaseIdToEtcd(2 ** 60)).toBe('1152921504606846976');
    expect(() => leaseIdToEtcd(1.5)).toThrow(RangeError);
  });

  it('rounds lease ids above 2^53 (the documented limitation)', () => {
    // An id etcd generated itself (etcdctl lease grant printed 6c89a2188182ba05).
    const id = leaseIdFromEtcd(BigInt('0x6c89a2188182ba05').toString());
    expect(Number.isSafeInteger(id)).toBe(false);
    expect(id).toBe(Number(BigInt('0x6c89a2188182ba05')));
  });

  it('picks lease ids that survive as JS numbers', () => {
    for (let i = 0; i < 1000; i++) {
      const id = randomLeaseId();
      expect(Number.isSafeInteger(id) && id > 0).toBe(true);
    }
  });
});

describe('messages', () => {
  it("maps a key-value's int64 text to numbers", () => {
    const kv = keyValue({
      key: b('k'),
      value: b('v'),
      create_revision: '3',
      mod_revision: '5',
      version: '2',
      lease: '0',
    });
    expect(kv).toEqual({
      key: b('k'),
      value: b('v'),
      createRevision: 3,
      modRevision: 5,
      version: 2,
      lease: 0,
    });
  });

  it("uses etcd3's enum names and leaves an empty range end out", () => {
    const req = rangeRequest({
      key: b('a'),
      rangeEnd: new Uint8Array(),
      sortOrder: 'descend',
      sortTarget: 'mod',
    });
    expect(req).toMatchObject({
      key: b('a'),
      range_end: undefined,
      sort_order: 'Descend',
      sort_target: 'Mod',
    });
    expect(compare({ key: b('a'), target: 'lease', result: 'not_equal', value: 2 ** 60 })).toMatchObject({
      target: 'Lease',
      result: 'NotEqual',
      lease: '1152921504606846976',
    });
  });

  it('refuses a compare whose value does not fit its target', () => {
    expect(() => compare({ key: b('a'), target: 'value', result: 'equal', value: 1 })).toThrow(/needs bytes/);
    expect(() => compare({ key: b('a'), target: 'mod', result: 'equal', value: b('1') })).toThrow(
      /needs a number/,
    );
  });

  it('converts nested txns', () => {
    const t: TxnRequest = {
      compare: [],
      success: [
        { txn: { compare: [], success: [{ deleteRange: { key: b('x'), prevKv: true } }], failure: [] } },
      ],
      failure: [],
    };
    expect(txnRequest(t).success?.[0]?.request_txn?.success?.[0]?.request_delete_range).toMatchObject({
      key: b('x'),
      prev_kv: true,
    });
  });

  it.each<[string, RequestOp[], boolean]>([
    ['reads only', [{ range: { key: b('a') } }], true],
    ['a put', [{ range: { key: b('a') } }, { put: { key: b('a'), value: b('') } }], false],
    [
      'a delete in a nested txn',
      [{ txn: { compare: [], success: [], failure: [{ deleteRange: { key: b('a') } }] } }],
      false,
    ],
    [
      'nested reads only',
      [{ txn: { compare: [], success: [{ range: { key: b('a') } }], failure: [] } }],
      true,
    ],
  ])('treats a txn with %s as read-only: %s', (_name, ops, expected) => {
    expect(isReadOnlyTxn({ compare: [], success: ops, failure: [] })).toBe(expected);
  });
});

describe('progressOrdered', () => {
  it.each([
    ['3.4.23', false],
    ['3.4.26', true],
    ['3.5.7', false],
    ['3.5.8', true],
    ['3.6.0', true],
    ['3.3.27', false],
    ['unknown', false],
  ])('etcd %s → %s', (version, expected) => {
    expect(progressOrdered(version)).toBe(expected);
  });
});
