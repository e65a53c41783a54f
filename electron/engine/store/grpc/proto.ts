/**
 * etcd's gRPC service definitions, loaded at run time from the protos the `etcd3` package ships
 * (`etcdserverpb` in rpc.proto, `mvccpb` in kv.proto, `authpb` in auth.proto — field numbers as
 * etcd 3.5's api/etcdserverpb/rpc.proto).
 *
 * Decoding options, which every handler relies on (see wire.ts):
 * - `keepCase`: field names as in the .proto (`range_end`, `create_revision`).
 * - `longs: String`: int64/uint64 arrive as decimal strings; numbers above 2^53 stay exact and
 *   the codec decides what to do with them (int64.ts).
 * - enums as numbers (etcd's numeric values; the names in etcd3's copy differ from upstream).
 * - `defaults`: absent scalars read as their zero value; `oneofs`: a oneof's set member is named
 *   in a virtual field (`request`, `target_union`, `request_union`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

export const SERVICE_NAMES = ['KV', 'Watch', 'Lease', 'Cluster', 'Maintenance', 'Auth'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type EtcdServices = Record<ServiceName, ServiceDefinition>;

let cached: EtcdServices | null = null;

/** Directory of the .proto files inside the installed etcd3 package. */
export function protoDir(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('etcd3/package.json')), 'proto');
}

/** The six etcdserverpb services; loaded once per process. */
export function etcdServices(): EtcdServices {
  if (cached) return cached;
  const definition = loadSync(path.join(protoDir(), 'rpc.proto'), {
    keepCase: true,
    longs: String,
    enums: Number,
    defaults: true,
    oneofs: true,
  });
  const services = {} as EtcdServices;
  for (const name of SERVICE_NAMES) {
    const service = definition[`etcdserverpb.${name}`];
    if (!service || !isServiceDefinition(service)) {
      throw new Error(`etcdserverpb.${name} is missing from ${protoDir()}/rpc.proto`);
    }
    services[name] = service;
  }
  cached = services;
  return services;
}

function isServiceDefinition(value: object): value is ServiceDefinition {
  // Message and enum definitions carry `format`; services are maps of method definitions.
  return !('format' in value) && Object.values(value).every((m) => typeof m === 'object' && 'path' in m);
}
