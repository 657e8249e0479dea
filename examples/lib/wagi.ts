// Shared helpers for the Edgewise example services (AssemblyScript, WASI preview 1).
// They speak plain WAGI: request in env/argv/stdin, CGI response on stdout, so they
// run unchanged on any WAGI host.
import {
  fd_close,
  fd_prestat_dir_name,
  fd_prestat_get,
  fd_read,
  fd_write,
  path_create_directory,
  path_open,
  prestat,
} from 'bindings/wasi_snapshot_preview1';

export class Request {
  method: string = 'GET';
  /** URL path after the route (PATH_INFO), already percent-decoded. */
  path: string = '/';
  query: string = '';
  contentType: string = '';
  body: string = '';

  header(name: string): string {
    const key = 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
    return process.env.has(key) ? process.env.get(key) : '';
  }

  env(name: string, fallback: string = ''): string {
    return process.env.has(name) ? process.env.get(name) : fallback;
  }
}

export function readRequest(): Request {
  const req = new Request();
  const env = process.env;
  if (env.has('REQUEST_METHOD')) req.method = env.get('REQUEST_METHOD');
  if (env.has('PATH_INFO')) req.path = env.get('PATH_INFO');
  if (env.has('QUERY_STRING')) req.query = env.get('QUERY_STRING');
  if (env.has('CONTENT_TYPE')) req.contentType = env.get('CONTENT_TYPE');
  req.body = readStdin();
  return req;
}

function readStdin(): string {
  const chunk = new ArrayBuffer(4096);
  const out = '';
  const parts: ArrayBuffer[] = [];
  let total = 0;
  while (true) {
    const n = process.stdin.read(chunk);
    if (n <= 0) break;
    parts.push(chunk.slice(0, n));
    total += n;
  }
  if (total == 0) return out;
  const all = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    all.set(Uint8Array.wrap(parts[i]), at);
    at += parts[i].byteLength;
  }
  return String.UTF8.decode(all.buffer);
}

/** Writes a complete CGI response: Status, Content-Type, extra header lines, blank line, body. */
export function respond(status: i32, contentType: string, body: string, extraHeaders: string = ''): void {
  let head = 'Status: ' + status.toString() + '\nContent-Type: ' + contentType + '\n';
  if (extraHeaders.length > 0) head += extraHeaders + '\n';
  process.stdout.write(head + '\n' + body);
}

export function json(status: i32, body: string, extraHeaders: string = ''): void {
  respond(status, 'application/json', body + '\n', extraHeaders);
}

export function log(message: string): void {
  process.stderr.write(message + '\n');
}

// ---- JSON (flat objects only: what these services exchange) ----

/** Value of a top-level string or number field in a flat JSON object, or null. */
export function jsonField(text: string, key: string): string | null {
  const needle = '"' + key + '"';
  let at = text.indexOf(needle);
  while (at >= 0) {
    let i = at + needle.length;
    while (i < text.length && isSpace(text.charCodeAt(i))) i++;
    if (i < text.length && text.charCodeAt(i) == 58 /* : */) {
      i++;
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (i >= text.length) return null;
      if (text.charCodeAt(i) == 34 /* " */) {
        let out = '';
        i++;
        while (i < text.length) {
          const c = text.charCodeAt(i);
          if (c == 34) return out;
          if (c == 92 /* \ */ && i + 1 < text.length) {
            i++;
            const e = text.charCodeAt(i);
            if (e == 110) out += '\n';
            else if (e == 116) out += '\t';
            else out += String.fromCharCode(e);
          } else {
            out += String.fromCharCode(c);
          }
          i++;
        }
        return null;
      }
      let end = i;
      while (end < text.length && text.charCodeAt(end) != 44 && text.charCodeAt(end) != 125) end++;
      return text.substring(i, end).trim();
    }
    at = text.indexOf(needle, at + 1);
  }
  return null;
}

function isSpace(c: i32): bool {
  return c == 32 || c == 9 || c == 10 || c == 13;
}

export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 34) out += '\\"';
    else if (c == 92) out += '\\\\';
    else if (c == 10) out += '\\n';
    else if (c == 13) out += '\\r';
    else if (c == 9) out += '\\t';
    else if (c < 32) out += ' ';
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

/** Letters, digits, '-', '_' and '.', 1–64 long, not starting with '.': safe as a file name. */
export function isSafeId(s: string): bool {
  if (s.length == 0 || s.length > 64 || s.charCodeAt(0) == 46) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok =
      (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95 || c == 46;
    if (!ok) return false;
  }
  return true;
}

// ---- Files in preopened directories ----

const scratch = memory.data(64);

/** The descriptor of the preopened directory named `name` (e.g. "/data"), or -1. */
export function findPreopen(name: string): i32 {
  for (let fd: u32 = 3; fd < 64; fd++) {
    if (fd_prestat_get(fd, changetype<prestat>(scratch)) != 0) return -1;
    const len = load<u32>(scratch, 4);
    const buf = new ArrayBuffer(<i32>len);
    if (fd_prestat_dir_name(fd, changetype<usize>(buf), len) != 0) continue;
    if (String.UTF8.decode(buf) == name) return <i32>fd;
  }
  return -1;
}

const RIGHTS_READ: u64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 21);
const RIGHTS_WRITE: u64 = (1 << 6) | (1 << 0) | (1 << 4);

function open(dir: i32, path: string, oflags: u16, rights: u64, fdflags: u16): i32 {
  const p = String.UTF8.encode(path);
  const err = path_open(
    <u32>dir,
    1,
    changetype<usize>(p),
    <usize>p.byteLength,
    oflags,
    rights,
    0,
    fdflags,
    scratch,
  );
  if (err != 0) return -(<i32>err);
  return <i32>load<u32>(scratch);
}

/** Creates a directory; an existing one is fine. Returns the WASI errno (0 = ok). */
export function ensureDir(dir: i32, path: string): i32 {
  const p = String.UTF8.encode(path);
  const err = path_create_directory(<u32>dir, changetype<usize>(p), <usize>p.byteLength);
  return err == 20 /* EEXIST */ ? 0 : <i32>err;
}

/** Appends text to a file, creating it. Returns the WASI errno (0 = ok). */
export function appendFile(dir: i32, path: string, text: string): i32 {
  const fd = open(dir, path, 1 /* CREAT */, RIGHTS_WRITE, 1 /* APPEND */);
  if (fd < 0) return -fd;
  const data = String.UTF8.encode(text);
  store<usize>(scratch, changetype<usize>(data));
  store<usize>(scratch, <usize>data.byteLength, sizeof<usize>());
  const err = fd_write(<u32>fd, scratch, 1, scratch + 16);
  fd_close(<u32>fd);
  return <i32>err;
}

/** Whole file as text, or null when it does not exist or cannot be read. */
export function readFile(dir: i32, path: string): string | null {
  const fd = open(dir, path, 0, RIGHTS_READ, 0);
  if (fd < 0) return null;
  const parts: ArrayBuffer[] = [];
  let total = 0;
  while (true) {
    const chunk = new ArrayBuffer(4096);
    store<usize>(scratch, changetype<usize>(chunk));
    store<usize>(scratch, 4096, sizeof<usize>());
    if (fd_read(<u32>fd, scratch, 1, scratch + 16) != 0) break;
    const n = <i32>load<u32>(scratch, 16);
    if (n == 0) break;
    parts.push(chunk.slice(0, n));
    total += n;
  }
  fd_close(<u32>fd);
  const all = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    all.set(Uint8Array.wrap(parts[i]), at);
    at += parts[i].byteLength;
  }
  return String.UTF8.decode(all.buffer);
}

/** Current time as an ISO-8601 string (UTC, second precision). */
export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}
