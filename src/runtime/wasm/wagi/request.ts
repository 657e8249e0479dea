/**
 * The WAGI request contract: argv is the URL path followed by the query string
 * split on `&` (undecoded); the environment carries the CGI 1.1 variables WAGI
 * sets, with the workload's own env underneath (CGI values win on conflict).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RoutePattern } from './routes.js';

export interface WagiRequestInfo {
  method: string;
  /** Request target as received: `/track/PO-1234?verbose=1`. */
  url: string;
  headers: IncomingHttpHeaders;
  httpVersion: string;
  remoteAddress: string;
  bodyLength: number;
}

export interface WagiServerInfo {
  /** The route this module is mounted at (`/...` for a whole port). */
  route: RoutePattern;
  /** `host[:port]` used when the request carries no Host header (WAGI's default host). */
  defaultHost: string;
  tls: boolean;
  /** The workload's environment, beneath the CGI variables. */
  moduleEnv: Readonly<Record<string, string>>;
}

const textDecoder = new TextDecoder('utf-8');

/** Percent-decodes like Rust's `percent_decode_str(..).decode_utf8_lossy()`: bad UTF-8 becomes U+FFFD. */
export function percentDecodeLossy(text: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b === 0x25 && i + 2 < raw.length && isHex(raw[i + 1]) && isHex(raw[i + 2])) {
      bytes.push(Number.parseInt(String.fromCharCode(raw[i + 1] as number, raw[i + 2] as number), 16));
      i += 2;
    } else {
      bytes.push(b);
    }
  }
  return textDecoder.decode(new Uint8Array(bytes));
}

function isHex(b: number | undefined): boolean {
  return (
    b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66))
  );
}

/** Splits `host[:port]` (IPv6 literals in brackets) the way WAGI reads the Host header. */
function splitHost(value: string, host: string, port: string): { host: string; port: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(value);
  if (!m) return { host, port };
  return { host: m[1] ? m[1] : host, port: m[2] ? m[2] : port };
}

/** Variables the host sets; the workload's env cannot override them. */
const CGI_NAMES = new Set([
  'AUTH_TYPE',
  'CONTENT_LENGTH',
  'CONTENT_TYPE',
  'X_FULL_URL',
  'GATEWAY_INTERFACE',
  'X_MATCHED_ROUTE',
  'QUERY_STRING',
  'REMOTE_ADDR',
  'REMOTE_HOST',
  'REMOTE_USER',
  'REQUEST_METHOD',
  'SCRIPT_NAME',
  'X_RAW_PATH_INFO',
  'PATH_INFO',
  'PATH_TRANSLATED',
  'SERVER_NAME',
  'SERVER_PORT',
  'SERVER_PROTOCOL',
  'SERVER_SOFTWARE',
]);

/** `user-agent` → `HTTP_USER_AGENT`, remembered: clients send the same few names again and again. */
const headerKeys = new Map<string, string>();
function headerKey(name: string): string {
  let key = headerKeys.get(name);
  if (key === undefined) {
    key = `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
    if (headerKeys.size >= 512) headerKeys.clear();
    headerKeys.set(name, key);
  }
  return key;
}

/** argv and environ of one request, as NUL-terminated strings back to back (see GuestJob). */
export interface CgiStrings {
  argv: string;
  environ: string;
}

/**
 * Builds WAGI invocations for one route of one workload. Everything that does not
 * depend on the request — the workload's env and the fixed CGI variables — is
 * rendered once here, so a request only adds its own variables and headers.
 */
export class CgiEnvironment {
  private readonly prefix: string;
  /** Workload variables named like a header: a request header of the same name wins. */
  private readonly moduleHeaders: Array<[string, string]> = [];
  private readonly scheme: string;
  private readonly fallback: { host: string; port: string };
  private lastHost: string | undefined;
  private lastWhere: { host: string; port: string };

  constructor(private readonly server: WagiServerInfo) {
    let prefix = '';
    for (const [k, v] of Object.entries(server.moduleEnv)) {
      if (CGI_NAMES.has(k)) continue;
      if (k.startsWith('HTTP_')) this.moduleHeaders.push([k, v]);
      else prefix += `${k}=${v}\0`;
    }
    prefix += 'AUTH_TYPE=\0GATEWAY_INTERFACE=CGI/1.1\0REMOTE_USER=\0SERVER_SOFTWARE=WAGI/1\0';
    prefix += `X_MATCHED_ROUTE=${server.route.original}\0SCRIPT_NAME=${server.route.scriptName()}\0`;
    this.prefix = prefix;
    this.scheme = server.tls ? 'https://' : 'http://';
    this.fallback = splitHost(server.defaultHost, 'localhost', '80');
    this.lastWhere = this.fallback;
  }

  build(req: WagiRequestInfo): CgiStrings {
    const url = req.url;
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const argv = q < 0 ? `${path}\0` : `${path}\0${query.replaceAll('&', '\0')}\0`;

    const headers = req.headers;
    const hostHeader = headers.host;
    let where = this.fallback;
    if (hostHeader) {
      if (hostHeader !== this.lastHost) {
        this.lastWhere = splitHost(hostHeader, this.fallback.host, this.fallback.port);
        this.lastHost = hostHeader;
      }
      where = this.lastWhere;
    }
    const rawPathInfo = this.server.route.relativePath(path);
    const pathInfo = percentDecodeLossy(rawPathInfo);
    const contentType = headers['content-type'];
    let env =
      `${this.prefix}CONTENT_LENGTH=${req.bodyLength}\0` +
      // WAGI looks this up under a header named "CONTENT_TYPE" and so always sends "";
      // CGI (RFC 3875 §4.1.3) wants the request's Content-Type, which is what we send.
      `CONTENT_TYPE=${typeof contentType === 'string' ? contentType : ''}\0` +
      `X_FULL_URL=${this.scheme}${where.host}:${where.port}${url}\0` +
      `QUERY_STRING=${query}\0REMOTE_ADDR=${req.remoteAddress}\0REMOTE_HOST=${req.remoteAddress}\0` +
      `REQUEST_METHOD=${req.method}\0X_RAW_PATH_INFO=${rawPathInfo}\0` +
      `PATH_INFO=${pathInfo}\0PATH_TRANSLATED=${pathInfo}\0` +
      `SERVER_NAME=${where.host}\0SERVER_PORT=${where.port}\0SERVER_PROTOCOL=HTTP/${req.httpVersion}\0`;
    // `X-A` and `X_A` both become HTTP_X_A, and a header may shadow a workload variable:
    // then the later value wins, as in WAGI's map. Most requests have neither case.
    const seen =
      this.moduleHeaders.length > 0 || underscoreIn(headers) ? new Map<string, string>() : undefined;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      const key = headerKey(name);
      // RFC 3875 §4.1.18: credentials and hop-by-hop headers are not passed on.
      if (key === 'HTTP_AUTHORIZATION' || key === 'HTTP_CONNECTION') continue;
      const text = Array.isArray(value) ? value.join(', ') : value;
      if (seen) seen.set(key, text);
      else env += `${key}=${text}\0`;
    }
    if (seen) {
      for (const [k, v] of this.moduleHeaders) if (!seen.has(k)) env += `${k}=${v}\0`;
      for (const [k, v] of seen) env += `${k}=${v}\0`;
    }
    return { argv, environ: env };
  }
}

function underscoreIn(headers: IncomingHttpHeaders): boolean {
  for (const name in headers) if (name.includes('_')) return true;
  return false;
}

function splitStrings(block: string): string[] {
  const parts = block.split('\0');
  parts.pop();
  return parts;
}

/** The invocation as lists: argv, then `KEY=value` strings (one per variable). */
export function buildWagiInvocation(
  req: WagiRequestInfo,
  server: WagiServerInfo,
): { args: string[]; env: string[] } {
  const { argv, environ } = new CgiEnvironment(server).build(req);
  return { args: splitStrings(argv), env: splitStrings(environ) };
}
