/**
 * The protobuf wire format, without any schema: a message is a sequence of
 * (field number, wire type, value) records. Schema knowledge lives in decode.ts.
 */
import { EdgewiseError } from '../errors.js';

/** Protobuf wire types that proto2 messages from Kubernetes use (groups, 3 and 4, are not). */
export const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** One field record as it appears on the wire. */
export type WireField =
  | { readonly no: number; readonly wire: typeof WireType.Varint; readonly value: bigint }
  | { readonly no: number; readonly wire: typeof WireType.LengthDelimited; readonly value: Uint8Array }
  | { readonly no: number; readonly wire: typeof WireType.Fixed64 | typeof WireType.Fixed32 };

/** A malformed body is the client's fault: 400, with the byte offset to help whoever debugs it. */
export function malformed(message: string): EdgewiseError {
  return new EdgewiseError('EW_BAD_REQUEST', `the request body is not valid Kubernetes protobuf: ${message}`);
}

/**
 * Reads a varint at `offset`. BigInt because int64 fields (and negative int32
 * values, which protobuf sign-extends to ten bytes) do not fit a double.
 */
export function readVarint(bytes: Uint8Array, offset: number): { value: bigint; next: number } {
  let value = 0n;
  let shift = 0n;
  for (let i = offset; i < bytes.length && i < offset + 10; i++) {
    const byte = bytes[i] as number;
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return { value, next: i + 1 };
    shift += 7n;
  }
  throw malformed(`truncated or over-long varint at byte ${offset}`);
}

/** Splits one message into its field records, in wire order. */
export function readFields(bytes: Uint8Array): WireField[] {
  const fields: WireField[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    const no = Number(key.value >> 3n);
    const wire = Number(key.value & 7n);
    if (no === 0) throw malformed(`field number 0 at byte ${offset}`);
    offset = key.next;
    switch (wire) {
      case WireType.Varint: {
        const v = readVarint(bytes, offset);
        fields.push({ no, wire, value: v.value });
        offset = v.next;
        break;
      }
      case WireType.LengthDelimited: {
        const len = readVarint(bytes, offset);
        const end = len.next + Number(len.value);
        if (len.value > BigInt(bytes.length) || end > bytes.length) {
          throw malformed(`field ${no} at byte ${offset} runs past the end of its message`);
        }
        fields.push({ no, wire, value: bytes.subarray(len.next, end) });
        offset = end;
        break;
      }
      case WireType.Fixed64:
      case WireType.Fixed32: {
        const end = offset + (wire === WireType.Fixed64 ? 8 : 4);
        if (end > bytes.length) throw malformed(`field ${no} at byte ${offset} is truncated`);
        fields.push({ no, wire });
        offset = end;
        break;
      }
      default:
        throw malformed(`unsupported wire type ${wire} for field ${no} at byte ${offset}`);
    }
  }
  return fields;
}

/** Reads a packed run of varints (a repeated numeric field sent as one length-delimited record). */
export function readPackedVarints(bytes: Uint8Array): bigint[] {
  const values: bigint[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const v = readVarint(bytes, offset);
    values.push(v.value);
    offset = v.next;
  }
  return values;
}
