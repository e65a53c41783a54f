/**
 * etcdserverpb.KV over the Store: Range, Put, DeleteRange, Txn (nested txns included, any
 * shape — unlike kine), Compact. Each follows etcd's kvServer (v3rpc/key.go): validate, run,
 * fill the header with this member's ids.
 */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { responseHeader } from './identity';
import { clampInt64 } from './int64';
import { deleteIn, deleteOut, putIn, putOut, rangeIn, rangeOut, txnIn, txnOut } from './codec';
import { type ServiceDeps, unary } from './rpc';
import { checkDelete, checkPut, checkRange, checkRequestSize, checkTxn } from './validate';
import type {
  CompactionRequestIn,
  DeleteRangeRequestIn,
  PutRequestIn,
  RangeRequestIn,
  RequestOpIn,
  TxnRequestIn,
} from './wire';

/**
 * etcd's isTxnReadonly: a txn of ranges only is served without a raft proposal, so the request
 * size limit does not apply to it (a nested txn counts as a write, as in etcd).
 */
export function isReadOnlyTxn(t: TxnRequestIn): boolean {
  const isRange = (op: RequestOpIn) => op.request_range !== undefined;
  return t.success.every(isRange) && t.failure.every(isRange);
}

export function kvService(deps: ServiceDeps): UntypedServiceImplementation {
  const { store, identity } = deps;
  const header = (revision: number) => responseHeader(identity, revision);

  return {
    Range: unary(deps, 'Range', async (req: RangeRequestIn) => {
      checkRange(req);
      const res = await store.range(rangeIn(req));
      return rangeOut(res, header(res.header.revision));
    }),

    Put: unary(deps, 'Put', async (req: PutRequestIn) => {
      checkPut(req);
      checkRequestSize(deps.requestBytes(req));
      const res = await store.put(putIn(req));
      return putOut(res, header(res.header.revision));
    }),

    DeleteRange: unary(deps, 'DeleteRange', async (req: DeleteRangeRequestIn) => {
      checkDelete(req);
      checkRequestSize(deps.requestBytes(req));
      const res = await store.deleteRange(deleteIn(req));
      return deleteOut(res, header(res.header.revision));
    }),

    Txn: unary(deps, 'Txn', async (req: TxnRequestIn) => {
      checkTxn(req);
      if (!isReadOnlyTxn(req)) checkRequestSize(deps.requestBytes(req));
      const res = await store.txn(txnIn(req));
      return txnOut(res, header(res.header.revision));
    }),

    // `physical` asks etcd to answer only once the compaction is applied to the backend; the
    // Store's compact() resolves only then anyway.
    Compact: unary(deps, 'Compact', async (req: CompactionRequestIn) => {
      const res = await store.compact(clampInt64(req.revision));
      return { header: header(res.header.revision) };
    }),
  };
}
