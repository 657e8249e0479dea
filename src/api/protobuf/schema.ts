/**
 * Field tables for Kubernetes protobuf messages: for each field number, the JSON
 * name, the value type and how it maps to JSON. The numbers and types come from
 * the upstream generated.proto files (k8s.io/api, k8s.io/apimachinery); a table
 * lists fields in the Go struct's order so decoded objects read like kubectl's JSON.
 */

/** How one value is encoded on the wire and rendered in JSON. */
export type ValueType =
  | { readonly kind: 'string' }
  /** Raw bytes; JSON carries them base64-encoded, as Go's encoding/json does for []byte. */
  | { readonly kind: 'bytes' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  /** meta/v1 Time: a Timestamp message {seconds, nanos}; JSON is RFC 3339 at second precision. */
  | { readonly kind: 'time' }
  /** resource.Quantity: a message whose field 1 is the quantity's string form. */
  | { readonly kind: 'quantity' }
  /** intstr.IntOrString: {type (0 int, 1 string), intVal, strVal}; JSON is the bare number or string. */
  | { readonly kind: 'intOrString' }
  /** meta/v1 FieldsV1: a message whose field 1 is raw JSON. */
  | { readonly kind: 'rawJson' }
  | { readonly kind: 'message'; readonly schema: () => MessageSchema };

export interface FieldSpec {
  /** Field number in the .proto file. */
  readonly no: number;
  /** JSON name; ignored for inline fields. */
  readonly json: string;
  readonly type: ValueType;
  /** single: one value (the last wins); repeated: a JSON array; map: map<string, type> as a JSON object. */
  readonly cardinality: 'single' | 'repeated' | 'map';
  /**
   * A Go pointer field (`*int32`, `*bool`): the generated marshaller writes it only
   * when set, so a zero value on the wire was sent on purpose and is kept. Other
   * scalars are always written, so their zero value means "unset" and is dropped,
   * as `omitempty` drops it from JSON.
   */
  readonly presence: boolean;
  /** An embedded Go struct (`json:",inline"`): its fields are merged into the parent object. */
  readonly inline: boolean;
}

export interface MessageSchema {
  /** The proto message name, for error messages. */
  readonly name: string;
  readonly fields: readonly FieldSpec[];
}

export const STRING: ValueType = { kind: 'string' };
export const BYTES: ValueType = { kind: 'bytes' };
export const BOOL: ValueType = { kind: 'bool' };
export const INT32: ValueType = { kind: 'int32' };
export const INT64: ValueType = { kind: 'int64' };
export const TIME: ValueType = { kind: 'time' };
export const QUANTITY: ValueType = { kind: 'quantity' };
export const INT_OR_STRING: ValueType = { kind: 'intOrString' };
export const RAW_JSON: ValueType = { kind: 'rawJson' };

/** A nested message type; lazy so tables can refer to ones declared later. */
export function msg(schema: () => MessageSchema): ValueType {
  return { kind: 'message', schema };
}

function spec(
  no: number,
  json: string,
  type: ValueType,
  cardinality: FieldSpec['cardinality'],
  options: { presence?: boolean; inline?: boolean } = {},
): FieldSpec {
  return {
    no,
    json,
    type,
    cardinality,
    presence: options.presence ?? false,
    inline: options.inline ?? false,
  };
}

/** `optional T name = no;` for a Go value field: zero means unset. */
export function field(no: number, json: string, type: ValueType): FieldSpec {
  return spec(no, json, type, 'single');
}

/** `optional T name = no;` for a Go pointer field: any value on the wire is kept, zero included. */
export function pointer(no: number, json: string, type: ValueType): FieldSpec {
  return spec(no, json, type, 'single', { presence: true });
}

/** `repeated T name = no;` */
export function repeated(no: number, json: string, type: ValueType): FieldSpec {
  return spec(no, json, type, 'repeated');
}

/** `map<string, T> name = no;` */
export function map(no: number, json: string, type: ValueType): FieldSpec {
  return spec(no, json, type, 'map');
}

/** An embedded struct whose fields JSON shows at the parent's level. */
export function inline(no: number, schema: () => MessageSchema): FieldSpec {
  return spec(no, '', msg(schema), 'single', { inline: true });
}

export function message(name: string, fields: readonly FieldSpec[]): MessageSchema {
  return { name, fields };
}
