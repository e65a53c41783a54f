/**
 * Why a protobuf request body was refused. An ApiError, so the API server answers with a
 * Kubernetes Status: 415 UnsupportedMediaType when the body is well formed but carries something
 * Pilothouse cannot turn into JSON without losing it (the client can resend it as JSON), 400
 * BadRequest when the bytes are not a Kubernetes protobuf message at all.
 */
import { ApiError } from '../errors';

export class ProtobufDecodeError extends ApiError {
  override name = 'ProtobufDecodeError';
  constructor(code: 400 | 415, message: string) {
    super(code, code === 415 ? 'UnsupportedMediaType' : 'BadRequest', message);
  }
}

/** 415 naming what cannot be decoded, e.g. `core/v1 PodSpec field 99 at spec.template.spec`. */
export function unsupported(what: string): ProtobufDecodeError {
  return new ProtobufDecodeError(
    415,
    `this protobuf body carries fields Pilothouse cannot decode (${what}); send it as application/json`,
  );
}

/** 400 for bytes that are not a valid Kubernetes protobuf body. */
export function malformed(why: string): ProtobufDecodeError {
  return new ProtobufDecodeError(400, `malformed protobuf body: ${why}`);
}
