/**
 * A `fetch` that trusts a given CA: what talking to the hub's module store needs,
 * since the hub serves HTTPS with its own CA and Node's global fetch takes no `ca`
 * (undici's Agent would, but Node 20 does not expose it). Only what the registry
 * client uses: method, headers, a byte body, a signal, redirects followed.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** Statuses whose Response must have a null body. */
const NULL_BODY = new Set([101, 204, 205, 304]);
const MAX_REDIRECTS = 5;

export function caFetch(ca: string): FetchLike {
  return (url, init = {}) => send(new URL(url), init, ca, 0);
}

async function send(url: URL, init: RequestInit, ca: string, redirects: number): Promise<Response> {
  const method = (init.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, key) => {
    headers[key] = value;
  });
  const body = toBuffer(init.body);
  if (body) headers['content-length'] = String(body.length);
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const transport = url.protocol === 'https:' ? https : http;
    const req = transport.request(
      url,
      {
        method,
        headers,
        ...(url.protocol === 'https:' && { ca }),
        ...(init.signal && { signal: init.signal }),
      },
      resolve,
    );
    // Shaped like fetch's failure (a TypeError with the socket error as cause) so callers map it the same way.
    req.once('error', (err) => reject(new TypeError('fetch failed', { cause: err })));
    req.end(body);
  });
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (status >= 300 && status < 400 && location && init.redirect !== 'manual') {
    res.resume();
    if (redirects >= MAX_REDIRECTS)
      throw new TypeError('fetch failed', { cause: new Error('too many redirects') });
    const next = new URL(location, url);
    // As fetch does: 303 (and 301/302 after POST) become GET without a body; other hosts get no credentials.
    const asGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
    const nextHeaders = new Headers(init.headers);
    if (next.origin !== url.origin) nextHeaders.delete('authorization');
    const nextInit: RequestInit = { ...init, headers: nextHeaders };
    if (asGet) {
      nextInit.method = 'GET';
      delete nextInit.body;
    }
    return send(next, nextInit, ca, redirects + 1);
  }
  const responseHeaders = new Headers();
  for (const [key, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) responseHeaders.append(key, v);
  }
  if (NULL_BODY.has(status) || method === 'HEAD') {
    res.resume();
    return new Response(null, { status, headers: responseHeaders });
  }
  const stream = Readable.toWeb(res) as ReadableStream<Uint8Array>;
  return new Response(stream, { status, headers: responseHeaders });
}

function toBuffer(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  throw new TypeError('caFetch sends only string or byte bodies');
}
