/**
 * The streams feature's side of the Wasm host function `edgewise.stream_write`: one
 * record through the same writer as `POST /v1/streams/<name>/records`, answered once
 * it is durable (SQLite and witness, group commit). See docs/wasm.md#host-functions.
 */
import { EdgewiseError } from '../../api/errors.js';
import type { WasmStreamHost } from '../../runtime/wasm/host/services.js';
import { canonicalRecord, checkStreamName } from './routes.js';
import type { StreamWriter } from './writer.js';

export function wasmStreamHost(writer: () => StreamWriter | undefined): WasmStreamHost {
  return {
    async write(name, record) {
      checkStreamName(name);
      let value: unknown;
      try {
        value = JSON.parse(record);
      } catch {
        throw new EdgewiseError('EW_BAD_REQUEST', 'the record must be JSON');
      }
      const w = writer();
      if (!w) throw new EdgewiseError('EW_UNAVAILABLE', 'the streams feature is not running');
      const result = await w.append(name, [canonicalRecord(value)]);
      return { seq: result.first };
    },
  };
}
