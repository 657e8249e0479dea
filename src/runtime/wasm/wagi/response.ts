/**
 * Turns a guest's stdout into an HTTP response the way WAGI does: headers up to
 * the first blank line (CRs ignored), `Content-Type` or `Location` or `Status`
 * required, `Location` alone means 302, an unparsable `Status` means 502, and
 * output without any of them is a 500 with WAGI's own message.
 */

export interface CgiResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/** WAGI's exact body for output that names neither Location nor Content-Type. */
export const INSUFFICIENT_HEADERS = "Exactly one of 'location' or 'content-type' must be specified";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export type CgiParse = { ok: true; response: CgiResponse } | { ok: false; status: number; message: string };

/** Response framing is the host's job: a guest cannot set these. */
const HOST_OWNED = new Set(['content-length', 'transfer-encoding', 'connection']);

/** What the host answers with: status and headers, or the error when stdout is no CGI response. */
export interface CgiHead {
  status: number;
  /** name, value, name, value… as writeHead() takes them, without the host's framing headers. Shared: do not modify. */
  headers: readonly string[];
  /** Set when stdout is not a valid CGI response; `status` is then the error status. */
  error?: string | undefined;
}

/** Parsed heads by their raw bytes: a guest prints the same head for most of its responses. */
const headCache = new Map<string, CgiHead>();
const HEAD_CACHE_ENTRIES = 256;

/** Index just past the blank line that ends the head (CRs ignored), or -1. */
function headEnd(out: Uint8Array): number {
  let last = 0;
  for (let i = 0; i < out.length; i++) {
    const b = out[i] as number;
    if (b === 13) continue;
    if (b === 10 && last === 10) return i + 1;
    last = b;
  }
  return -1;
}

function toHead(parsed: CgiParse): CgiHead {
  if (!parsed.ok) return { status: parsed.status, headers: [], error: parsed.message };
  const headers: string[] = [];
  for (const [k, v] of parsed.response.headers) if (!HOST_OWNED.has(k)) headers.push(k, v);
  return { status: parsed.response.status, headers: Object.freeze(headers) };
}

/** Reads stdout as a CGI response: its head, and where the body starts (the end, on error). */
export function readCgiHead(stdout: Uint8Array): { head: CgiHead; bodyStart: number } {
  const end = headEnd(stdout);
  if (end < 0) return { head: toHead(parseCgiOutput(stdout)), bodyStart: stdout.length };
  const key = Buffer.from(stdout.buffer, stdout.byteOffset, end).toString('latin1');
  let head = headCache.get(key);
  if (!head) {
    head = toHead(parseCgiOutput(stdout.subarray(0, end)));
    // Bounded: a guest printing ever-different heads only evicts its own entries.
    if (headCache.size >= HEAD_CACHE_ENTRIES) headCache.clear();
    headCache.set(key, head);
  }
  return { head, bodyStart: head.error === undefined ? end : stdout.length };
}

/** Index just past the blank line ending the header block, and the header bytes (CRs dropped). */
function splitHeaderBlock(out: Uint8Array): { headerBytes: Uint8Array; bodyStart: number } | undefined {
  let last = 0;
  let sawCr = false;
  for (let i = 0; i < out.length; i++) {
    const b = out[i] as number;
    if (b === 13) {
      sawCr = true;
      continue;
    }
    if (b === 10 && last === 10) {
      const header = out.subarray(0, i);
      return { headerBytes: sawCr ? header.filter((c) => c !== 13) : header, bodyStart: i + 1 };
    }
    last = b;
  }
  return undefined;
}

export function parseCgiOutput(stdout: Uint8Array): CgiParse {
  const split = splitHeaderBlock(stdout);
  // No blank line: WAGI treats everything as body with no headers → insufficient.
  if (!split) return { ok: false, status: 500, message: INSUFFICIENT_HEADERS };
  let text: string;
  try {
    text = utf8.decode(split.headerBytes);
  } catch {
    return { ok: false, status: 500, message: 'guest response headers are not valid UTF-8' };
  }
  // Same header name twice: the last one wins, as in WAGI's map.
  const fields = new Map<string, string>();
  for (const line of text.trim().split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue; // WAGI skips such "corrupt header" lines
    fields.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }

  let status = 200;
  let explicitStatus = false;
  let sufficient = false;
  const headers: Array<[string, string]> = [];
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (lower === 'status') {
      sufficient = true;
      explicitStatus = true;
      const code = value.split(' ')[0] ?? '';
      const n = /^\d{3}$/.test(code) ? Number(code) : Number.NaN;
      if (!(n >= 100 && n <= 999))
        return { ok: false, status: 502, message: `guest sent an invalid Status: ${value}` };
      status = n;
      continue;
    }
    if (!TOKEN.test(name)) continue; // not a valid header name: WAGI drops it
    if (!FIELD_VALUE.test(value)) {
      return { ok: false, status: 502, message: `guest sent an invalid value for header ${name}` };
    }
    if (lower === 'content-type') sufficient = true;
    if (lower === 'location') {
      sufficient = true;
      if (!explicitStatus) status = 302;
    }
    headers.push([lower, value]);
  }
  if (!sufficient) return { ok: false, status: 500, message: INSUFFICIENT_HEADERS };
  return { ok: true, response: { status, headers, body: stdout.subarray(split.bodyStart) } };
}
