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

/** Index just past the blank line ending the header block, and the header bytes (CRs dropped). */
function splitHeaderBlock(out: Uint8Array): { headerBytes: Uint8Array; bodyStart: number } | undefined {
  const header: number[] = [];
  let last = 0;
  for (let i = 0; i < out.length; i++) {
    const b = out[i] as number;
    if (b === 13) continue;
    if (b === 10 && last === 10) return { headerBytes: Uint8Array.from(header), bodyStart: i + 1 };
    last = b;
    header.push(b);
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
