/**
 * Server-side cost of a 10,000-key prefix range (keys only) on the embedded store: the Store
 * call and the protobuf encoding of its gRPC response, in process — what the endpoint spends,
 * without a client's decoding. Prints one JSON line.
 *
 *   node --import tsx bench/store/range.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { openEmbeddedStore } from '../../electron/engine/store/embedded';
import { rangeOut } from '../../electron/engine/store/grpc/codec';
import { etcdServices } from '../../electron/engine/store/grpc/proto';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-range-'));
const store = await openEmbeddedStore({ dir, retentionSeconds: 0, log: pino({ level: 'silent' }) });
try {
  const value = Buffer.alloc(256, 0x63);
  await Promise.all(
    Array.from({ length: 10_000 }, (_, i) =>
      store.put({ key: Buffer.from(`/registry/pods/default/pod-${String(i).padStart(5, '0')}`), value }),
    ),
  );
  const serialize = (etcdServices().KV as unknown as { Range: { responseSerialize: (v: unknown) => Buffer } })
    .Range.responseSerialize;
  const storeMs: number[] = [];
  const totalMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const res = await store.range({
      key: Buffer.from('/registry/pods/'),
      rangeEnd: Buffer.from('/registry/pods0'),
      keysOnly: true,
    });
    const t1 = performance.now();
    serialize(
      rangeOut(res, {
        cluster_id: '1',
        member_id: '1',
        revision: String(res.header.revision),
        raft_term: '1',
      }),
    );
    storeMs.push(t1 - t0);
    totalMs.push(performance.now() - t0);
    if (res.kvs.length !== 10_000) throw new Error(`expected 10,000 keys, got ${res.kvs.length}`);
  }
  const p50 = (xs: number[]) =>
    Math.round(([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN) * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({ bench: 'store-range', keys: 10_000, keysOnly: true, store_p50_ms: p50(storeMs), store_plus_encode_p50_ms: p50(totalMs) })}\n`,
  );
} finally {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
