/**
 * Kubernetes protobuf message bytes → the object's Kubernetes JSON form, by walking the wire
 * format against the schema (schema.ts) rather than through protobufjs' decode, for three reasons:
 * every field number the schema does not know is seen (protobufjs would skip it silently), field
 * presence decides what the JSON shows, and Kubernetes' custom JSON types are converted on the way.
 *
 * The JSON is what Go's encoding/json prints for the object kube-apiserver would decode:
 * - Time: RFC 3339 in UTC, whole seconds (metav1.Time drops nanoseconds when unmarshalling);
 *   MicroTime: six fraction digits. A zero time (empty message) is left out, as is every unset
 *   field: no `null`s (`creationTimestamp: null` is absent).
 * - Quantity: its string; IntOrString: a number or a string; FieldsV1 and RawExtension: the JSON
 *   they carry; `bytes`: base64; authentication ExtraValue: a string array; maps: objects.
 * - a zero scalar is dropped unless the field is `(keep_zero)`; `(inline)` fields are flattened.
 *
 * Known limitations: int64 values above 2^53 lose precision (JSON numbers in JavaScript); a field
 * the schema does not know is tolerated when its value is zero (a varint 0 or empty bytes),
 * because newer Go clients write every non-pointer field they know even when it is empty, and the
 * JSON form of such a field would be empty too — only a `false`/`0` in a newer pointer field is lost.
 */
import protobuf from 'protobufjs';
import { ProtobufDecodeError, malformed, unsupported } from './errors';
import { messageLabel } from './schema';

type Json = Record<string, unknown>;

const META = '.k8s.io.apimachinery.pkg.apis.meta.v1.';

/** Go-side custom JSON: the message's decoded fields (and its byte length) → its JSON value. */
const SPECIAL: Record<string, (fields: Json, size: number) => unknown> = {
  [`${META}Time`]: (f, size) => (size === 0 ? undefined : rfc3339(num(f.seconds))),
  [`${META}MicroTime`]: (f, size) =>
    size === 0 ? undefined : rfc3339(num(f.seconds), Math.floor(num(f.nanos) / 1000)),
  [`${META}FieldsV1`]: (f) => embeddedJson(f.Raw),
  '.k8s.io.apimachinery.pkg.runtime.RawExtension': (f) => embeddedJson(f.raw),
  '.k8s.io.apimachinery.pkg.api.resource.Quantity': (f) => f.string ?? '',
  '.k8s.io.apimachinery.pkg.util.intstr.IntOrString': (f) =>
    num(f.type) === 1 ? (f.strVal ?? '') : num(f.intVal),
  '.k8s.io.api.authentication.v1.ExtraValue': (f) => f.items ?? [],
  '.k8s.io.api.authentication.v1.AttestationValue': (f) => f.items ?? [],
  '.k8s.io.api.authorization.v1.ExtraValue': (f) => f.items ?? [],
};

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** The wire type a scalar of this proto type is written with (anything else is length-delimited). */
function wireTypeOf(type: string): number {
  switch (type) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return WIRE_FIXED64;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return WIRE_FIXED32;
    case 'string':
    case 'bytes':
      return WIRE_BYTES;
    default:
      return WIRE_VARINT;
  }
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** Go's RFC 3339 forms: metav1.Time in whole seconds, metav1.MicroTime with six fraction digits. */
function rfc3339(seconds: number, micros?: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  return micros === undefined ? `${base}Z` : `${base}.${String(micros).padStart(6, '0')}Z`;
}

function embeddedJson(raw: unknown): unknown {
  if (typeof raw !== 'string' || raw === '') return undefined;
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw malformed(`embedded JSON is not valid: ${text.slice(0, 80)}`);
  }
}

function isZero(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function readScalar(reader: protobuf.Reader, type: string): unknown {
  switch (type) {
    case 'string':
      return reader.string();
    case 'bytes':
      return Buffer.from(reader.bytes()).toString('base64');
    case 'bool':
      return reader.bool();
    case 'int32':
      return reader.int32();
    case 'uint32':
      return reader.uint32();
    case 'sint32':
      return reader.sint32();
    case 'fixed32':
      return reader.fixed32();
    case 'sfixed32':
      return reader.sfixed32();
    case 'float':
      return reader.float();
    case 'double':
      return reader.double();
    case 'int64':
      return longNumber(reader.int64());
    case 'uint64':
      return longNumber(reader.uint64());
    case 'sint64':
      return longNumber(reader.sint64());
    case 'fixed64':
      return longNumber(reader.fixed64());
    case 'sfixed64':
      return longNumber(reader.sfixed64());
    default:
      throw new Error(`protobuf schema uses unsupported scalar type ${type}`);
  }
}

/** protobufjs returns a Long when the `long` package is installed, a number otherwise. */
function longNumber(v: number | protobuf.Long): number {
  return typeof v === 'number' ? v : protobuf.util.LongBits.from(v).toNumber(v.unsigned);
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

/** Proto merge semantics for a field written twice: objects merge, lists append, scalars replace. */
function merge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...(a as unknown[]), ...(b as unknown[])];
  if (isObject(a) && isObject(b)) {
    const out: Json = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return b;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a length-delimited field's bytes, refusing other wire types. */
function lengthDelimited(reader: protobuf.Reader, wire: number, where: () => string): Uint8Array {
  if (wire !== WIRE_BYTES) throw malformed(`${where()} has wire type ${wire}, expected 2`);
  return reader.bytes();
}

/** One message's JSON value (an object, or a special type's value; undefined = leave the field out). */
export function messageToJson(type: protobuf.Type, bytes: Uint8Array, path: string): unknown {
  const special = Object.hasOwn(SPECIAL, type.fullName) ? SPECIAL[type.fullName] : undefined;
  // A special type's own fields keep their zeros: its converter reads them.
  const fields = decodeFields(type, bytes, path, special !== undefined);
  return special ? special(fields, bytes.length) : fields;
}

function decodeFields(type: protobuf.Type, bytes: Uint8Array, path: string, raw: boolean): Json {
  const out: Json = {};
  const reader = protobuf.Reader.create(bytes);
  try {
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const id = tag >>> 3;
      const wire = tag & 7;
      if (id === 0) throw malformed(`${messageLabel(type)} has a field numbered 0`);
      const field = type.fieldsById[id] as protobuf.Field | undefined;
      if (!field) {
        skipUnknown(reader, wire, () => `${messageLabel(type)} field ${id}${path ? ` at ${path}` : ''}`);
        continue;
      }
      readField(reader, field, wire, out, path, raw);
    }
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw err;
    // protobufjs reports truncation and bad varints as plain Errors: those are malformed bodies.
    throw malformed(`${(err as Error).message} in ${messageLabel(type)}`);
  }
  return out;
}

/** Skips a field the schema lacks when its value is zero (see Known limitations); refuses it otherwise. */
function skipUnknown(reader: protobuf.Reader, wire: number, what: () => string): void {
  if (wire === WIRE_VARINT) {
    if (longNumber(reader.uint64()) !== 0) throw unsupported(what());
  } else if (wire === WIRE_BYTES) {
    if (reader.bytes().length !== 0) throw unsupported(what());
  } else {
    throw unsupported(what());
  }
}

function readField(
  reader: protobuf.Reader,
  field: protobuf.Field,
  wire: number,
  out: Json,
  path: string,
  raw: boolean,
): void {
  const options = field.options ?? {};
  const name = typeof options['(json)'] === 'string' ? options['(json)'] : field.name;
  const here = child(path, name);
  const where = () => `${messageLabel(field.parent as protobuf.Type)} field ${field.id} (${field.name})`;

  if (field instanceof protobuf.MapField) {
    const entry = readMapEntry(field, lengthDelimited(reader, wire, where), here);
    out[name] = { ...(isObject(out[name]) ? out[name] : {}), ...entry };
    return;
  }

  const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  if (field.repeated) {
    const list = Array.isArray(out[name]) ? (out[name] as unknown[]) : [];
    if (message) {
      list.push(messageToJson(message, lengthDelimited(reader, wire, where), `${here}[${list.length}]`));
    } else if (wire === WIRE_BYTES && wireTypeOf(field.type) !== WIRE_BYTES) {
      // A packed list of numbers (Go writes them unpacked, proto3 encoders packed).
      const end = reader.uint32() + reader.pos;
      while (reader.pos < end) list.push(readScalar(reader, field.type));
    } else {
      if (wire !== wireTypeOf(field.type)) throw malformed(`${where()} has wire type ${wire}`);
      list.push(readScalar(reader, field.type));
    }
    out[name] = list;
    return;
  }

  if (message) {
    const value = messageToJson(message, lengthDelimited(reader, wire, where), here);
    if (value === undefined) return;
    if (options['(inline)'] === true && isObject(value)) {
      for (const [k, v] of Object.entries(value)) out[k] = k in out ? merge(out[k], v) : v;
    } else {
      out[name] = name in out ? merge(out[name], value) : value;
    }
    return;
  }

  if (wire !== wireTypeOf(field.type)) throw malformed(`${where()} has wire type ${wire}`);
  const value = readScalar(reader, field.type);
  // Go writes every non-pointer field; a zero one is what `omitempty` leaves out of the JSON.
  if (!raw && isZero(value) && options['(keep_zero)'] !== true) return;
  out[name] = value;
}

/** One map entry (key = 1, value = 2; either may be absent and then is its zero value). */
function readMapEntry(field: protobuf.MapField, bytes: Uint8Array, path: string): Json {
  const entry = protobuf.Reader.create(bytes);
  let key: unknown = field.keyType === 'string' ? '' : 0;
  let value: unknown;
  const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
  while (entry.pos < entry.len) {
    const tag = entry.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1:
        if (wire !== wireTypeOf(field.keyType)) throw malformed(`map ${path} has a key of wire type ${wire}`);
        key = readScalar(entry, field.keyType);
        break;
      case 2:
        if (message) {
          if (wire !== WIRE_BYTES) throw malformed(`map ${path} has a value of wire type ${wire}`);
          value = entry.bytes();
        } else {
          if (wire !== wireTypeOf(field.type))
            throw malformed(`map ${path} has a value of wire type ${wire}`);
          value = readScalar(entry, field.type);
        }
        break;
      default:
        entry.skipType(wire);
    }
  }
  const k = String(key);
  if (message)
    return {
      [k]: messageToJson(message, (value as Uint8Array | undefined) ?? new Uint8Array(), `${path}.${k}`),
    };
  return { [k]: value ?? zeroOf(field.type) };
}

function zeroOf(type: string): unknown {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return 0;
}
