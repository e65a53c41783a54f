/**
 * etcd's gRPC client constructors, from the rpc.proto the `etcd3` package ships. Decoded with the
 * same options as etcd3's own ConnectionPool, so etcd3's generated typings (rpc.d.ts: IRangeResponse,
 * IWatchResponse, …) describe exactly what arrives:
 * - `keepCase`: proto field names (`range_end`, `mod_revision`);
 * - `longs: String`: int64 as decimal strings (exact; see int64.ts for how they become numbers);
 * - `enums: String`: enum names as in etcd3's proto copy ('Put', 'Delete', 'Equal', …);
 * - `defaults`: absent scalars read as zero values; `oneofs`: the set member of a oneof is named
 *   in a virtual field (`response`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const SERVICES = ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth'] as const;
export type ServiceName = (typeof SERVICES)[number];

let cached: Record<ServiceName, grpc.ServiceClientConstructor> | null = null;

/** The etcdserverpb client constructors; loaded once per process. */
export function serviceConstructors(): Record<ServiceName, grpc.ServiceClientConstructor> {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const protoFile = path.join(path.dirname(require.resolve('etcd3/package.json')), 'proto', 'rpc.proto');
  const definition = loadSync(protoFile, {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition).etcdserverpb as grpc.GrpcObject | undefined;
  const result = {} as Record<ServiceName, grpc.ServiceClientConstructor>;
  for (const name of SERVICES) {
    const ctor = pkg?.[name];
    if (typeof ctor !== 'function') throw new Error(`etcdserverpb.${name} is missing from ${protoFile}`);
    result[name] = ctor as grpc.ServiceClientConstructor;
  }
  cached = result;
  return result;
}
