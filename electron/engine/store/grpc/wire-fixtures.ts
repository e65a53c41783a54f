/**
 * Builders of inbound wire messages for unit tests, filled the way proto-loader decodes them
 * (every scalar present with its zero value, int64 as decimal strings).
 */
import type {
  CompareIn,
  DeleteRangeRequestIn,
  PutRequestIn,
  RangeRequestIn,
  RequestOpIn,
  TxnRequestIn,
  WatchCreateRequestIn,
} from './wire';

const b = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s) : s);

export function rangeReq(key: string, more: Partial<RangeRequestIn> = {}): RangeRequestIn {
  return {
    key: b(key),
    range_end: Buffer.alloc(0),
    limit: '0',
    revision: '0',
    sort_order: 0,
    sort_target: 0,
    serializable: false,
    keys_only: false,
    count_only: false,
    min_mod_revision: '0',
    max_mod_revision: '0',
    min_create_revision: '0',
    max_create_revision: '0',
    ...more,
  };
}

export function putReq(key: string, value = 'v', more: Partial<PutRequestIn> = {}): PutRequestIn {
  return {
    key: b(key),
    value: b(value),
    lease: '0',
    prev_kv: false,
    ignore_value: false,
    ignore_lease: false,
    ...more,
  };
}

export function deleteReq(
  key: string,
  rangeEnd = '',
  more: Partial<DeleteRangeRequestIn> = {},
): DeleteRangeRequestIn {
  return { key: b(key), range_end: b(rangeEnd), prev_kv: false, ...more };
}

export function compareReq(key: string, more: Partial<CompareIn> = {}): CompareIn {
  return { result: 0, target: 0, key: b(key), range_end: Buffer.alloc(0), ...more };
}

export function txnReq(
  success: RequestOpIn[] = [],
  failure: RequestOpIn[] = [],
  compare: CompareIn[] = [],
): TxnRequestIn {
  return { compare, success, failure };
}

export const op = {
  range: (key: string): RequestOpIn => ({ request: 'request_range', request_range: rangeReq(key) }),
  put: (key: string, value = 'v'): RequestOpIn => ({
    request: 'request_put',
    request_put: putReq(key, value),
  }),
  del: (key: string, rangeEnd = ''): RequestOpIn => ({
    request: 'request_delete_range',
    request_delete_range: deleteReq(key, rangeEnd),
  }),
  txn: (t: TxnRequestIn): RequestOpIn => ({ request: 'request_txn', request_txn: t }),
  empty: (): RequestOpIn => ({}),
};

export function watchReq(key: string, more: Partial<WatchCreateRequestIn> = {}): WatchCreateRequestIn {
  return {
    key: b(key),
    range_end: Buffer.alloc(0),
    start_revision: '0',
    progress_notify: false,
    filters: [],
    prev_kv: false,
    watch_id: '0',
    fragment: false,
    ...more,
  };
}
