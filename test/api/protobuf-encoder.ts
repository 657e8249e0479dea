/**
 * A minimal protobuf writer for tests: builds bodies for fields kubectl's
 * generators never set (owner references, timestamps, probes, …). Each helper
 * returns one encoded field record; `msg` nests records.
 */

function varintBytes(value: bigint): number[] {
  // Negative numbers go out as 64-bit two's complement, ten bytes, as protobuf specifies.
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
}

function key(no: number, wire: number): number[] {
  return varintBytes(BigInt((no << 3) | wire));
}

export function varint(no: number, value: number | bigint | boolean): Uint8Array {
  const v = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
  return Uint8Array.from([...key(no, 0), ...varintBytes(v)]);
}

export function bytes(no: number, value: Uint8Array | string): Uint8Array {
  const data = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return Uint8Array.from([...key(no, 2), ...varintBytes(BigInt(data.length)), ...data]);
}

export function msg(no: number, ...records: Uint8Array[]): Uint8Array {
  return bytes(no, concat(...records));
}

/** A map<string, …> entry: key in field 1, value record (already numbered 2) in field 2. */
export function entry(no: number, k: string, value?: Uint8Array): Uint8Array {
  return msg(no, bytes(1, k), ...(value ? [value] : []));
}

/** Packed repeated varints in one length-delimited record. */
export function packed(no: number, values: readonly (number | bigint)[]): Uint8Array {
  return bytes(no, Uint8Array.from(values.flatMap((v) => varintBytes(BigInt(v)))));
}

export function fixed32(no: number): Uint8Array {
  return Uint8Array.from([...key(no, 5), 1, 2, 3, 4]);
}

export function fixed64(no: number): Uint8Array {
  return Uint8Array.from([...key(no, 1), 1, 2, 3, 4, 5, 6, 7, 8]);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** `k8s\0` + runtime.Unknown{typeMeta, raw, contentEncoding, contentType}. */
export function envelope(
  apiVersion: string,
  kind: string,
  raw: Uint8Array,
  options: { contentEncoding?: string; contentType?: string } = {},
): Uint8Array {
  return concat(
    Uint8Array.from([0x6b, 0x38, 0x73, 0x00]),
    msg(1, bytes(1, apiVersion), bytes(2, kind)),
    bytes(2, raw),
    bytes(3, options.contentEncoding ?? ''),
    bytes(4, options.contentType ?? ''),
  );
}
