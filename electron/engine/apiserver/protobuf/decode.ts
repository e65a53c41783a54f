/**
 * Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`) as the
 * JSON the API server works with. client-go's typed clients (so kubectl create, auth whoami/can-i,
 * drain, and controllers built on client-go) send this form; the responses stay JSON, which they
 * accept too.
 *
 * The body follows k8s.io/apimachinery's protobuf serializer: the 4 bytes `k8s\0`, then a
 * runtime.Unknown whose typeMeta names the apiVersion/kind and whose `raw` is the object's own
 * message (see schema.ts for the messages, json.ts for the JSON they become).
 */
import { ProtobufDecodeError, malformed } from './errors';
import { messageToJson } from './json';
import { kubernetesRoot, messageFor } from './schema';

/** The serializer's magic prefix, so a protobuf body is never mistaken for anything else. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

function readEnvelope(body: Uint8Array): Envelope {
  if (body.length === 0) throw malformed('the body is empty');
  if (body.length < PROTOBUF_MAGIC.length || !PROTOBUF_MAGIC.every((b, i) => body[i] === b)) {
    throw malformed('it does not start with the Kubernetes protobuf prefix "k8s\\x00"');
  }
  if (body.length === PROTOBUF_MAGIC.length) throw malformed('nothing follows the "k8s\\x00" prefix');
  const unknown = kubernetesRoot().lookupType('k8s.io.apimachinery.pkg.runtime.Unknown');
  let envelope: Record<string, unknown>;
  try {
    envelope = unknown.toObject(unknown.decode(body.subarray(PROTOBUF_MAGIC.length)), {
      bytes: Uint8Array,
    });
  } catch (err) {
    throw malformed(`the runtime.Unknown envelope cannot be read (${(err as Error).message})`);
  }
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  if (typeof envelope.contentEncoding === 'string' && envelope.contentEncoding !== '') {
    throw new ProtobufDecodeError(
      415,
      `Pilothouse cannot decode protobuf bodies with content encoding "${envelope.contentEncoding}"; send it as application/json`,
    );
  }
  if (!typeMeta.kind) throw malformed('the envelope names no kind');
  return {
    apiVersion: typeMeta.apiVersion ?? '',
    kind: typeMeta.kind,
    raw: envelope.raw instanceof Uint8Array ? envelope.raw : new Uint8Array(),
  };
}

/**
 * The object a Kubernetes protobuf body carries, in its Kubernetes JSON form with apiVersion and
 * kind from the envelope. Throws ProtobufDecodeError: 400 for bytes that are not such a body, 415
 * for a kind Pilothouse does not decode or fields it does not know (never drops data silently).
 */
export function decodeKubernetesProtobuf(body: Uint8Array): Record<string, unknown> {
  const { apiVersion, kind, raw } = readEnvelope(body);
  const type = messageFor(apiVersion, kind);
  if (!type) {
    throw new ProtobufDecodeError(
      415,
      `Pilothouse cannot decode ${apiVersion || '<no apiVersion>'} ${kind} from protobuf; send it as application/json`,
    );
  }
  const object = messageToJson(type, raw, '') as Record<string, unknown>;
  return { apiVersion, kind, ...object };
}
