/**
 * Small guest modules in WebAssembly text, each built to exercise one behaviour of
 * the WASI/WAGI host: well-behaved responders and every kind of bad input.
 */

export const FD_WRITE =
  '(import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))';

/** Escapes text for a WAT data string. */
export function data(text: string): string {
  return Array.from(Buffer.from(text, 'utf8'), (b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Writes `text` to stdout and returns. */
export function staticGuest(text: string): string {
  return `(module ${FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 1024) "${data(text)}")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const ${byteLength(text)}))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;
}

/**
 * Echoes argv (NUL-separated), 0x01, environ (NUL-separated), 0x01, then stdin,
 * after a Content-Type header.
 */
export const ECHO_GUEST = `(module ${FD_WRITE}
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (memory (export "memory") 4)
  (data (i32.const 512) "content-type: application/octet-stream\\0a\\0a\\01")
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start") (local $n i32)
    (call $out (i32.const 512) (i32.const 40))
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $args_get (i32.const 4096) (i32.const 65536)))
    (call $out (i32.const 65536) (i32.load (i32.const 20)))
    (call $out (i32.const 552) (i32.const 1))
    (drop (call $environ_sizes_get (i32.const 16) (i32.const 20)))
    (drop (call $environ_get (i32.const 4096) (i32.const 65536)))
    (call $out (i32.const 65536) (i32.load (i32.const 20)))
    (call $out (i32.const 552) (i32.const 1))
    (block $done
      (loop $read
        (i32.store (i32.const 24) (i32.const 131072))
        (i32.store (i32.const 28) (i32.const 65536))
        (drop (call $fd_read (i32.const 0) (i32.const 24) (i32.const 1) (i32.const 32)))
        (local.set $n (i32.load (i32.const 32)))
        (br_if $done (i32.eqz (local.get $n)))
        (call $out (i32.const 131072) (local.get $n))
        (br $read)))))`;

/**
 * Increments a global, a data-segment byte and a byte no segment initialises, then
 * prints all three: fresh, zeroed instances always print "1BA".
 */
export const COUNTER_GUEST = `(module ${FD_WRITE}
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (data (i32.const 1024) "content-type: text/plain\\0a\\0a")
  (data (i32.const 1051) "A")
  (func (export "_start")
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store8 (i32.const 1050) (i32.add (i32.const 48) (global.get $n)))
    (i32.store8 (i32.const 1051) (i32.add (i32.load8_u (i32.const 1051)) (i32.const 1)))
    (i32.store8 (i32.const 40000) (i32.add (i32.load8_u (i32.const 40000)) (i32.const 1)))
    (i32.store8 (i32.const 1052) (i32.add (i32.const 64) (i32.load8_u (i32.const 40000))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 29))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;

/** Grows memory 1 MiB at a time until the engine refuses, then traps. */
export const MEMORY_BOMB_GUEST = `(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $grow
      (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1)) (then unreachable))
      (br $grow))))`;

export const INFINITE_LOOP_GUEST = `(module
  (memory (export "memory") 1)
  (func (export "_start") (loop $spin (br $spin))))`;

/** A header, then the same 1 MiB buffer written `times` times. */
export function bigResponseGuest(times: number): string {
  return `(module ${FD_WRITE}
  (memory (export "memory") 18)
  (data (i32.const 1024) "content-type: application/octet-stream\\0a\\0a")
  (func (export "_start") (local $i i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 40))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (loop $more
      (i32.store (i32.const 0) (i32.const 65536))
      (i32.store (i32.const 4) (i32.const 1048576))
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const ${times}))))))`;
}

export const EMPTY_GUEST = `(module (memory (export "memory") 1) (func (export "_start")))`;

export const GARBAGE_GUEST = staticGuest('\u0000\u00ff garbage without any header block');

export const UNKNOWN_IMPORT_GUEST = `(module
  (import "env" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")))`;

export const NO_START_GUEST = `(module (memory (export "memory") 1) (func (export "main")))`;

export const EXIT_GUEST = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (i32.const 3))))`;

/**
 * Opens `target` relative to the first preopen (fd 3) and answers with the WASI
 * errno as two digits ("00" when the open succeeded).
 */
export function openProbeGuest(target: string): string {
  return `(module ${FD_WRITE}
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "content-type: text/plain\\0a\\0aNN")
  (data (i32.const 2048) "${data(target)}")
  (func (export "_start") (local $e i32)
    (local.set $e (call $path_open (i32.const 3) (i32.const 1) (i32.const 2048) (i32.const ${byteLength(target)})
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 16)))
    (i32.store8 (i32.const 1050) (i32.add (i32.const 48) (i32.div_u (local.get $e) (i32.const 10))))
    (i32.store8 (i32.const 1051) (i32.add (i32.const 48) (i32.rem_u (local.get $e) (i32.const 10))))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 28))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;
}

/** Declares sub-routes through \`_routes\`, each answered by its own export. */
export const ROUTES_GUEST = `(module ${FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 1024) "/hello hello\\0a/goodbye/... goodbye\\0a")
  (data (i32.const 2048) "content-type: text/plain\\0a\\0amain")
  (data (i32.const 3072) "content-type: text/plain\\0a\\0ahello")
  (data (i32.const 4096) "content-type: text/plain\\0a\\0agoodbye")
  (func $out (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_routes") (call $out (i32.const 1024) (i32.const 34)))
  (func (export "_start") (call $out (i32.const 2048) (i32.const 30)))
  (func (export "hello") (call $out (i32.const 3072) (i32.const 31)))
  (func (export "goodbye") (call $out (i32.const 4096) (i32.const 33))))`;

/** Writes "line one\\nline two\\n" to stderr and a plain response. */
export const STDERR_GUEST = `(module ${FD_WRITE}
  (memory (export "memory") 1)
  (data (i32.const 1024) "content-type: text/plain\\0a\\0aok")
  (data (i32.const 2048) "line one\\0aline two\\0a")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 2048))
    (i32.store (i32.const 4) (i32.const 18))
    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 28))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))`;
