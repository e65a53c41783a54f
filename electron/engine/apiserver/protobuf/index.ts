/** Kubernetes protobuf request bodies → Kubernetes JSON (see decode.ts). */
export { PROTOBUF_MAGIC, decodeKubernetesProtobuf } from './decode';
export { ProtobufDecodeError } from './errors';
