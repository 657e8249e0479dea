/**
 * The Kubernetes protobuf envelope: the 4-byte magic `k8s\0`, then a
 * runtime.Unknown message (pkg/runtime/generated.proto) that names the type and
 * carries the object's own message as raw bytes.
 */
import { EdgewiseError } from '../errors.js';
import { malformed, readFields, WireType } from './wire.js';

const MAGIC = [0x6b, 0x38, 0x73, 0x00] as const;
const utf8 = new TextDecoder('utf-8');

export interface Envelope {
  /** From Unknown.typeMeta: `v1`, `apps/v1`. */
  readonly apiVersion: string;
  readonly kind: string;
  /** The object's own protobuf message. */
  readonly raw: Uint8Array;
  /** Unknown.contentEncoding; empty means none. */
  readonly contentEncoding: string;
  /** Unknown.contentType; empty for objects Kubernetes' protobuf serializer wrote. */
  readonly contentType: string;
}

export function readEnvelope(body: Uint8Array): Envelope {
  if (body.length === 0) throw new EdgewiseError('EW_BAD_REQUEST', 'the request body is empty');
  if (body.length < MAGIC.length || MAGIC.some((b, i) => body[i] !== b)) {
    throw malformed('it does not start with the k8s\\0 prefix');
  }
  let apiVersion = '';
  let kind = '';
  let raw: Uint8Array = new Uint8Array(0);
  let contentEncoding = '';
  let contentType = '';
  for (const record of readFields(body.subarray(MAGIC.length))) {
    if (record.wire !== WireType.LengthDelimited) continue;
    switch (record.no) {
      case 1:
        for (const part of readFields(record.value)) {
          if (part.wire !== WireType.LengthDelimited) continue;
          if (part.no === 1) apiVersion = utf8.decode(part.value);
          else if (part.no === 2) kind = utf8.decode(part.value);
        }
        break;
      case 2:
        raw = record.value;
        break;
      case 3:
        contentEncoding = utf8.decode(record.value);
        break;
      case 4:
        contentType = utf8.decode(record.value);
        break;
    }
  }
  if (kind === '' || apiVersion === '') throw malformed('the envelope does not name an apiVersion and kind');
  return { apiVersion, kind, raw, contentEncoding, contentType };
}
