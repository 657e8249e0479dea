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

export function buildWagiInvocation(
  req: WagiRequestInfo,
  server: WagiServerInfo,
): { args: string[]; env: string[] } {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? undefined : req.url.slice(q + 1);
  const args = [path];
  if (query !== undefined) args.push(...query.split('&'));

  let where = splitHost(server.defaultHost, 'localhost', '80');
  const hostHeader = req.headers.host;
  if (hostHeader) where = splitHost(hostHeader, where.host, where.port);
  const rawPathInfo = server.route.relativePath(path);
  const pathInfo = percentDecodeLossy(rawPathInfo);
  const contentType = req.headers['content-type'];

  const vars = new Map<string, string>(Object.entries(server.moduleEnv));
  vars.set('AUTH_TYPE', '');
  vars.set('CONTENT_LENGTH', String(req.bodyLength));
  // WAGI looks this up under a header named "CONTENT_TYPE" and so always sends "";
  // CGI (RFC 3875 §4.1.3) wants the request's Content-Type, which is what we send.
  vars.set('CONTENT_TYPE', typeof contentType === 'string' ? contentType : '');
  vars.set('X_FULL_URL', `${server.tls ? 'https' : 'http'}://${where.host}:${where.port}${req.url}`);
  vars.set('GATEWAY_INTERFACE', 'CGI/1.1');
  vars.set('X_MATCHED_ROUTE', server.route.original);
  vars.set('QUERY_STRING', query ?? '');
  vars.set('REMOTE_ADDR', req.remoteAddress);
  vars.set('REMOTE_HOST', req.remoteAddress);
  vars.set('REMOTE_USER', '');
  vars.set('REQUEST_METHOD', req.method);
  vars.set('SCRIPT_NAME', server.route.scriptName());
  vars.set('X_RAW_PATH_INFO', rawPathInfo);
  vars.set('PATH_INFO', pathInfo);
  vars.set('PATH_TRANSLATED', pathInfo);
  vars.set('SERVER_NAME', where.host);
  vars.set('SERVER_PORT', where.port);
  vars.set('SERVER_PROTOCOL', `HTTP/${req.httpVersion}`);
  vars.set('SERVER_SOFTWARE', 'WAGI/1');
  for (const [name, value] of Object.entries(req.headers)) {
    const key = `HTTP_${name.toUpperCase().replaceAll('-', '_')}`;
    // RFC 3875 §4.1.18: credentials and hop-by-hop headers are not passed on.
    if (key === 'HTTP_AUTHORIZATION' || key === 'HTTP_CONNECTION' || value === undefined) continue;
    vars.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const env: string[] = [];
  for (const [k, v] of vars) env.push(`${k}=${v}`);
  return { args, env };
}
