// Edgewise host functions for the example services (AssemblyScript). Wasm guests
// have no sockets, so instead of the agent's local HTTP API they ask the node through
// imports of the "edgewise" module (docs/wasm.md#host-functions):
//   decide(path, inputJson)    a policy decision, as POST /v1/data/<path> answers it
//   writeRecord(stream, json)  a durable record in a node stream, as POST /v1/streams/<name>/records
// A module importing them runs only on an agent whose edge policy / streams feature
// is running (`edgewise agent` and `edgewise up` start both); elsewhere it fails to
// start, naming the import. On failure the helpers return ''/0 and set lastErrno.

@external('edgewise', 'policy_decide')
declare function policy_decide(
  path_ptr: usize,
  path_len: usize,
  input_ptr: usize,
  input_len: usize,
  result_len_ptr: usize,
): u32;

@external('edgewise', 'policy_result')
declare function policy_result(buf_ptr: usize, buf_len: usize): u32;

@external('edgewise', 'stream_write')
declare function stream_write(
  name_ptr: usize,
  name_len: usize,
  record_ptr: usize,
  record_len: usize,
  seq_ptr: usize,
): u32;

/** The errno of the last helper call that failed; 0 after one that succeeded. */
export let lastErrno: u32 = 0;

const out = memory.data(16, 8);

/**
 * Asks the node's policy for `data.<path>` (`education/allow`) with `inputJson` as
 * input. Returns the answer as JSON — {"decision_id": …, "result": …}, with
 * "result" absent when no policy defines the document, and "error" when evaluation
 * failed — or '' when the call failed (see lastErrno).
 */
export function decide(path: string, inputJson: string): string {
  const p = String.UTF8.encode(path);
  const input = String.UTF8.encode(inputJson);
  let err = policy_decide(
    changetype<usize>(p),
    <usize>p.byteLength,
    changetype<usize>(input),
    <usize>input.byteLength,
    out,
  );
  if (err != 0) {
    lastErrno = err;
    return '';
  }
  const len = load<u32>(out);
  const buf = new ArrayBuffer(<i32>len);
  err = policy_result(changetype<usize>(buf), <usize>len);
  if (err != 0) {
    lastErrno = err;
    return '';
  }
  lastErrno = 0;
  return String.UTF8.decode(buf);
}

/**
 * Appends `json` (one record) to the node's stream `stream`; returns its sequence
 * number once the record is durable on the node, or 0 when it was refused (see
 * lastErrno: ENOSPC when the stream is full, EINVAL for a bad name or JSON).
 */
export function writeRecord(stream: string, json: string): u64 {
  const name = String.UTF8.encode(stream);
  const record = String.UTF8.encode(json);
  const err = stream_write(
    changetype<usize>(name),
    <usize>name.byteLength,
    changetype<usize>(record),
    <usize>record.byteLength,
    out,
  );
  if (err != 0) {
    lastErrno = err;
    return 0;
  }
  lastErrno = 0;
  return load<u64>(out);
}

/** The errnos the host functions return (WASI numbering), by name. */
export function errnoName(errno: u32): string {
  if (errno == 0) return 'success';
  if (errno == 1) return 'E2BIG (over a size limit)';
  if (errno == 19) return 'EDQUOT (too many calls in one request)';
  if (errno == 21) return 'EFAULT (bad pointer)';
  if (errno == 25) return 'EILSEQ (not UTF-8)';
  if (errno == 28) return 'EINVAL (bad path, name or JSON)';
  if (errno == 29) return 'EIO (the node could not do it)';
  if (errno == 42) return 'ENOBUFS (buffer too small)';
  if (errno == 44) return 'ENOENT (no decision held)';
  if (errno == 51) return 'ENOSPC (the stream is full)';
  return 'errno ' + errno.toString();
}
