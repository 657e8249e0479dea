/**
 * Schema-driven decoding: a protobuf message plus its field table becomes the
 * JSON object the same Go struct would have been marshalled to.
 */
import type { FieldSpec, MessageSchema, ValueType } from './schema.js';
import { malformed, readFields, readPackedVarints, type WireField, WireType } from './wire.js';

const utf8 = new TextDecoder('utf-8');
const indexes = new WeakMap<MessageSchema, Map<number, FieldSpec>>();

function fieldIndex(schema: MessageSchema): Map<number, FieldSpec> {
  let index = indexes.get(schema);
  if (!index) {
    index = new Map(schema.fields.map((f) => [f.no, f]));
    indexes.set(schema, index);
  }
  return index;
}

/**
 * Decodes one message. Fields the table does not list are skipped: they are
 * newer than the table or outside what Edgewise decodes, and a client must not
 * fail on them (protobuf's own rule for unknown fields).
 */
export function decodeMessage(
  schema: MessageSchema,
  bytes: Uint8Array,
  path: string,
): Record<string, unknown> {
  const index = fieldIndex(schema);
  const values = new Map<FieldSpec, unknown>();
  for (const record of recordsOf(bytes, path)) {
    const spec = index.get(record.no);
    if (!spec) continue;
    const at = spec.inline ? path : join(path, spec.json);
    switch (spec.cardinality) {
      case 'single': {
        // Protobuf lets a later record override an earlier one; Go's marshaller never repeats one.
        const value = decodeValue(spec.type, record, at);
        if (value === undefined || (!spec.presence && isZeroScalar(spec.type, value))) values.delete(spec);
        else values.set(spec, value);
        break;
      }
      case 'repeated': {
        const list = (values.get(spec) as unknown[] | undefined) ?? [];
        if (isVarintType(spec.type) && record.wire === WireType.LengthDelimited) {
          // A packed repeated scalar: proto2 senders may pack, and readers must accept both forms.
          for (const v of readPackedVarints(record.value)) list.push(scalarFromVarint(spec.type, v));
        } else {
          const value = decodeValue(spec.type, record, `${at}[${list.length}]`);
          list.push(value ?? null);
        }
        values.set(spec, list);
        break;
      }
      case 'map': {
        const object = (values.get(spec) as Record<string, unknown> | undefined) ?? {};
        const [key, value] = decodeMapEntry(spec.type, record, at);
        // defineProperty, not assignment: a label named __proto__ must stay data, as JSON.parse keeps it.
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        values.set(spec, object);
        break;
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const spec of schema.fields) {
    if (!values.has(spec)) continue;
    const value = values.get(spec);
    if (spec.inline) Object.assign(out, value as Record<string, unknown>);
    else out[spec.json] = value;
  }
  return out;
}

function recordsOf(bytes: Uint8Array, path: string): WireField[] {
  try {
    return readFields(bytes);
  } catch (err) {
    if (path === '' || !(err instanceof Error)) throw err;
    throw malformed(`${path}: ${err.message.replace(/^.*?protobuf: /, '')}`);
  }
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function isVarintType(type: ValueType): boolean {
  return type.kind === 'bool' || type.kind === 'int32' || type.kind === 'int64';
}

function isZeroScalar(type: ValueType, value: unknown): boolean {
  switch (type.kind) {
    case 'string':
    case 'bytes':
      return value === '';
    case 'bool':
      return value === false;
    case 'int32':
    case 'int64':
      return value === 0;
    default:
      return false;
  }
}

function scalarFromVarint(type: ValueType, v: bigint): boolean | number {
  if (type.kind === 'bool') return v !== 0n;
  // Negative int32s arrive sign-extended to 64 bits, so both read as a signed 64-bit value.
  return Number(BigInt.asIntN(type.kind === 'int32' ? 32 : 64, v));
}

/** Decodes one value; `undefined` means "absent" (a Time left at its zero value). */
function decodeValue(type: ValueType, record: WireField, path: string): unknown {
  if (isVarintType(type)) {
    if (record.wire !== WireType.Varint) throw wrongWire(path, type, record);
    return scalarFromVarint(type, record.value);
  }
  if (record.wire !== WireType.LengthDelimited) throw wrongWire(path, type, record);
  const bytes = record.value;
  switch (type.kind) {
    case 'string':
      return utf8.decode(bytes);
    case 'bytes':
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    case 'time':
      return decodeTime(bytes, path);
    case 'quantity': {
      // The zero Quantity unmarshals from an empty string and prints as "0".
      const text = subfields(bytes, path).get(1);
      return text instanceof Uint8Array && text.length > 0 ? utf8.decode(text) : '0';
    }
    case 'intOrString': {
      const parts = subfields(bytes, path);
      if (parts.get(1) === 1n) {
        const text = parts.get(3);
        return text instanceof Uint8Array ? utf8.decode(text) : '';
      }
      const int = parts.get(2);
      return typeof int === 'bigint' ? Number(BigInt.asIntN(32, int)) : 0;
    }
    case 'rawJson': {
      const raw = subfields(bytes, path).get(1);
      if (!(raw instanceof Uint8Array) || raw.length === 0) return {};
      try {
        return JSON.parse(utf8.decode(raw));
      } catch {
        throw malformed(`${path}: not valid JSON`);
      }
    }
    case 'message':
      return decodeMessage(type.schema(), bytes, path);
    default:
      throw wrongWire(path, type, record);
  }
}

/**
 * meta/v1 Time. Go writes nothing for the zero time, which JSON shows as null;
 * the field is left out instead, which Kubernetes reads the same way.
 */
function decodeTime(bytes: Uint8Array, path: string): string | undefined {
  if (bytes.length === 0) return undefined;
  const parts = subfields(bytes, path);
  const seconds = parts.get(1);
  const secs = typeof seconds === 'bigint' ? Number(BigInt.asIntN(64, seconds)) : 0;
  const date = new Date(secs * 1000);
  if (Number.isNaN(date.getTime())) throw malformed(`${path}: time out of range`);
  // Time marshals to RFC 3339 in UTC at second precision; nanos do not survive JSON either.
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The fields of a small fixed-layout message (Time, Quantity, IntOrString), last record wins. */
function subfields(bytes: Uint8Array, path: string): Map<number, bigint | Uint8Array> {
  const parts = new Map<number, bigint | Uint8Array>();
  for (const record of recordsOf(bytes, path)) {
    if (record.wire === WireType.Varint || record.wire === WireType.LengthDelimited) {
      parts.set(record.no, record.value);
    }
  }
  return parts;
}

/** A map entry is a message {1: key, 2: value}; a missing part is its zero value. */
function decodeMapEntry(type: ValueType, record: WireField, path: string): [string, unknown] {
  if (record.wire !== WireType.LengthDelimited) throw malformed(`${path}: map entry is not a message`);
  let key = '';
  let valueRecord: WireField | undefined;
  for (const part of recordsOf(record.value, path)) {
    if (part.no === 1) {
      if (part.wire !== WireType.LengthDelimited) throw malformed(`${path}: map key is not a string`);
      key = utf8.decode(part.value);
    } else if (part.no === 2) {
      valueRecord = part;
    }
  }
  const at = `${path}.${key}`;
  if (!valueRecord) return [key, zeroValue(type, at)];
  return [key, decodeValue(type, valueRecord, at) ?? null];
}

function zeroValue(type: ValueType, path: string): unknown {
  switch (type.kind) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'intOrString':
      return 0;
    case 'quantity':
      return '0';
    case 'time':
      return null;
    case 'rawJson':
      return {};
    case 'message':
      return decodeMessage(type.schema(), new Uint8Array(0), path);
  }
}

function wrongWire(path: string, type: ValueType, record: WireField): Error {
  return malformed(`${path}: wire type ${record.wire} cannot hold a ${type.kind}`);
}
