/**
 * Guests that call the `edgewise` host functions, in WebAssembly text. They print
 * what the host answered as decimal numbers followed by a space (errnos, lengths,
 * sequence numbers) and then, where there is one, the response they copied out, so
 * a test reads the body as `"<n> <n> … <response>"`.
 */
import { byteLength, data, FD_WRITE } from './wasm-guests.js';

const POLICY = `(import "edgewise" "policy_decide" (func $decide (param i32 i32 i32 i32 i32) (result i32)))
  (import "edgewise" "policy_result" (func $result (param i32 i32) (result i32)))`;
const STREAMS = `(import "edgewise" "stream_write" (func $write (param i32 i32 i32 i32 i32) (result i32)))`;
const ARGS = `(import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))`;

/** Where guests keep the u32 response length, the u64 sequence number, and the response. */
export const LEN_AT = 100;
export const SEQ_AT = 200;
export const BUF_AT = 65536;

const HEAD = 'content-type: text/plain\n\n';

/** $out (write bytes), $num (an i64 in decimal and a space), $e (an i32 errno the same way). */
const HELPERS = `
  (data (i32.const 1024) "${data(HEAD)}")
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func $num (param $v i64) (local $p i32)
    (local.set $p (i32.const 560))
    (i32.store8 (i32.const 560) (i32.const 32))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (call $out (local.get $p) (i32.sub (i32.const 561) (local.get $p))))
  (func $e (param $v i32) (call $num (i64.extend_i32_u (local.get $v))))`;

/**
 * A guest whose `_start` prints the CGI head, then runs `body`. `strings` are placed
 * in memory: `(global.get $s0)` is the first one's address, `(global.get $s0len)` its
 * byte length, and so on.
 */
export function hostGuest(options: {
  policy?: boolean;
  streams?: boolean;
  /** More import declarations (WAT). */
  imports?: string;
  strings?: string[];
  body: string;
  pages?: number;
}): string {
  let at = 4096;
  const segments: string[] = [];
  (options.strings ?? []).forEach((text, i) => {
    segments.push(`(data (i32.const ${at}) "${data(text)}")`);
    segments.push(`(global $s${i} i32 (i32.const ${at}))`);
    segments.push(`(global $s${i}len i32 (i32.const ${byteLength(text)}))`);
    at += byteLength(text) + 8;
  });
  if (at > BUF_AT) throw new Error('hostGuest strings must fit below the response buffer');
  return `(module ${FD_WRITE}
  ${options.policy ? POLICY : ''}
  ${options.streams ? STREAMS : ''}
  ${options.imports ?? ''}
  (memory (export "memory") ${options.pages ?? 4})
  ${HELPERS}
  ${segments.join('\n  ')}
  (func (export "_start") (local $r i32) (local $i i32)
    (call $out (i32.const 1024) (i32.const ${byteLength(HEAD)}))
    ${options.body}))`;
}

/** Decides `path` for `input` and prints: decide's errno, then (on success) the length, result's errno and the response. */
export function decideGuest(path: string, input: string): string {
  return hostGuest({
    policy: true,
    strings: [path, input],
    body: DECIDE_AND_PRINT(
      '(global.get $s0)',
      '(global.get $s0len)',
      '(global.get $s1)',
      '(global.get $s1len)',
    ),
  });
}

function DECIDE_AND_PRINT(path: string, pathLen: string, input: string, inputLen: string): string {
  return `(local.set $r (call $decide ${path} ${pathLen} ${input} ${inputLen} (i32.const ${LEN_AT})))
    (call $e (local.get $r))
    (if (i32.eqz (local.get $r)) (then
      (call $e (i32.load (i32.const ${LEN_AT})))
      (call $e (call $result (i32.const ${BUF_AT}) (i32.load (i32.const ${LEN_AT}))))
      (call $out (i32.const ${BUF_AT}) (i32.load (i32.const ${LEN_AT})))))`;
}

/**
 * Asks the decision the request names: the request path is the data path
 * (`/education/allow`), the body the input. Prints as decideGuest does.
 */
export const DECIDE_REQUEST_GUEST = `(module ${FD_WRITE}
  ${ARGS}
  ${POLICY}
  (memory (export "memory") 4)
  ${HELPERS}
  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $end (loop $more
      (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $more)))
    (local.get $n))
  (func $stdin (param $buf i32) (param $max i32) (result i32) (local $n i32)
    (block $done (loop $more
      (i32.store (i32.const 24) (i32.add (local.get $buf) (local.get $n)))
      (i32.store (i32.const 28) (i32.sub (local.get $max) (local.get $n)))
      (drop (call $fd_read (i32.const 0) (i32.const 24) (i32.const 1) (i32.const 32)))
      (br_if $done (i32.eqz (i32.load (i32.const 32))))
      (local.set $n (i32.add (local.get $n) (i32.load (i32.const 32))))
      (br $more)))
    (local.get $n))
  (func (export "_start") (local $r i32) (local $len i32) (local $n i32)
    (call $out (i32.const 1024) (i32.const ${byteLength(HEAD)}))
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 4096) (i32.const 8192)))
    (local.set $len (call $strlen (i32.const 8192)))
    (local.set $n (call $stdin (i32.const 16384) (i32.const 49152)))
    ${DECIDE_AND_PRINT('(i32.const 8192)', '(local.get $len)', '(i32.const 16384)', '(local.get $n)')}))`;

/** Writes the request body as one record to the stream the path names (`/shipments`); prints the errno and the seq. */
export const WRITE_REQUEST_GUEST = DECIDE_REQUEST_GUEST.replace(POLICY, STREAMS).replace(
  DECIDE_AND_PRINT('(i32.const 8192)', '(local.get $len)', '(i32.const 16384)', '(local.get $n)'),
  `(local.set $r (call $write (i32.const 8193) (i32.sub (local.get $len) (i32.const 1))
      (i32.const 16384) (local.get $n) (i32.const ${SEQ_AT})))
    (call $e (local.get $r))
    (call $num (i64.load (i32.const ${SEQ_AT})))`,
);

/** Writes `record` to `stream` and prints the errno and the sequence number. */
export function writeGuest(stream: string, record: string): string {
  return hostGuest({
    streams: true,
    strings: [stream, record],
    body: `(call $e (call $write (global.get $s0) (global.get $s0len) (global.get $s1) (global.get $s1len) (i32.const ${SEQ_AT})))
    (call $num (i64.load (i32.const ${SEQ_AT})))`,
  });
}
