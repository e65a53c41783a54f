import { describe, expect, it } from 'vitest';
import { StoreError, type KeyValue } from '../types';
import { compareIn, leaseIdIn, putIn, rangeIn, txnIn, txnOut, watchIn } from './codec';
import { clampInt64, exactInt64, uint64FromBytes } from './int64';
import { compareReq, op, putReq, rangeReq, txnReq, watchReq } from './wire-fixtures';
import { COMPARE_TARGET, SORT_ORDER, SORT_TARGET } from './wire';

const MAX = Number.MAX_SAFE_INTEGER;

describe('int64 conversions', () => {
  it.each([
    ['0', 0, 0],
    ['', 0, 0],
    ['42', 42, 42],
    ['-7', -7, -7],
    [String(MAX), MAX, MAX],
    ['9007199254740992', null, MAX],
    ['9223372036854775807', null, MAX],
    ['-9223372036854775808', null, -MAX],
    ['not a number', null, MAX],
  ])('%j → exact %j, clamped %j', (text, exact, clamped) => {
    expect(exactInt64(text)).toBe(exact);
    expect(clampInt64(text)).toBe(clamped);
  });

  it('reads 8 bytes as an unsigned decimal', () => {
    expect(uint64FromBytes(new Uint8Array(8).fill(0xff))).toBe('18446744073709551615');
    expect(uint64FromBytes(Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 0))).toBe('256');
  });
});

describe('request decoding', () => {
  it('reads ranges as etcd does: ≤ 0 means unset, a non-key sort target sorts ascending', () => {
    expect(rangeIn(rangeReq('a', { limit: '-5', revision: '0', range_end: Buffer.from([0]) }))).toMatchObject(
      {
        limit: undefined,
        revision: undefined,
        rangeEnd: Buffer.from([0]),
        sortOrder: 'none',
        sortTarget: 'key',
      },
    );
    expect(rangeIn(rangeReq('a', { sort_target: SORT_TARGET.mod }))).toMatchObject({
      sortOrder: 'ascend',
      sortTarget: 'mod',
    });
    expect(
      rangeIn(rangeReq('a', { sort_target: SORT_TARGET.value, sort_order: SORT_ORDER.descend, limit: '3' })),
    ).toMatchObject({ sortOrder: 'descend', sortTarget: 'value', limit: 3 });
    expect(rangeIn(rangeReq('a', { revision: '99999999999999999999' })).revision).toBe(MAX);
  });

  it('takes the compare operand matching the target, zero when another member was set', () => {
    expect(compareIn(compareReq('k', { target: COMPARE_TARGET.mod, mod_revision: '12' }))).toMatchObject({
      target: 'mod',
      result: 'equal',
      value: 12,
    });
    expect(compareIn(compareReq('k', { target: COMPARE_TARGET.mod, version: '12' })).value).toBe(0);
    expect(compareIn(compareReq('k', { target: COMPARE_TARGET.value })).value).toEqual(new Uint8Array(0));
    expect(compareIn(compareReq('k', { target: COMPARE_TARGET.lease, lease: '7', result: 3 }))).toMatchObject(
      {
        target: 'lease',
        result: 'not_equal',
        value: 7,
      },
    );
    expect(() => compareIn(compareReq('k', { target: 9 }))).toThrow(StoreError);
  });

  it('reports a lease id no store here can hold as an unknown lease', () => {
    expect(leaseIdIn('123')).toBe(123);
    expect(() => leaseIdIn('9223372036854775807')).toThrow(
      expect.objectContaining({ code: 'lease-not-found', message: 'etcdserver: requested lease not found' }),
    );
    expect(putIn(putReq('k', 'v', { lease: '0' })).lease).toBeUndefined();
    expect(putIn(putReq('k', 'v', { lease: '5' })).lease).toBe(5);
  });

  it('decodes nested txns op by op', () => {
    const t = txnIn(
      txnReq([op.put('a'), op.txn(txnReq([op.del('b', 'c')], [op.range('d')]))], [op.range('e')]),
    );
    expect(t.success[0]).toEqual({ put: expect.objectContaining({ key: Buffer.from('a') }) });
    expect(t.success[1]).toEqual({
      txn: {
        compare: [],
        success: [
          { deleteRange: expect.objectContaining({ key: Buffer.from('b'), rangeEnd: Buffer.from('c') }) },
        ],
        failure: [{ range: expect.objectContaining({ key: Buffer.from('d') }) }],
      },
    });
    expect(() => txnIn(txnReq([op.empty()]))).toThrow(StoreError);
  });

  it('reads watch requests as etcd does: an empty key is "\\x00"', () => {
    expect(watchIn(watchReq('', { filters: [0, 1, 7], start_revision: '5' }))).toMatchObject({
      key: new Uint8Array([0]),
      rangeEnd: undefined,
      startRevision: 5,
      filters: ['noput', 'nodelete'],
    });
  });
});

describe('response encoding', () => {
  const kv: KeyValue = {
    key: Buffer.from('k'),
    value: Buffer.from('v'),
    createRevision: 2,
    modRevision: 3,
    version: 2,
    lease: 0,
  };

  it('gives nested responses a header with the revision only', () => {
    const out = txnOut(
      {
        header: { revision: 9 },
        succeeded: true,
        responses: [
          { put: { header: { revision: 9 }, prevKv: kv } },
          {
            txn: {
              header: { revision: 9 },
              succeeded: false,
              responses: [{ range: { header: { revision: 9 }, kvs: [kv], more: false, count: 1 } }],
            },
          },
        ],
      },
      { cluster_id: '1', member_id: '2', revision: 9, raft_term: 1 },
    );
    expect(out.header).toEqual({ cluster_id: '1', member_id: '2', revision: 9, raft_term: 1 });
    expect(out.responses[0]).toEqual({
      response_put: {
        header: { revision: 9 },
        prev_kv: { key: kv.key, value: kv.value, create_revision: 2, mod_revision: 3, version: 2, lease: 0 },
      },
    });
    expect(out.responses[1]).toMatchObject({
      response_txn: {
        header: { revision: 9 },
        succeeded: false,
        responses: [{ response_range: { header: { revision: 9 }, count: 1, more: false } }],
      },
    });
  });
});
