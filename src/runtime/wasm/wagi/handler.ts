/**
 * The WAGI executor as a node:http handler: read the body, pick the route, run a
 * fresh guest instance with the CGI environment, and turn its stdout into the
 * response. Every failure becomes an HTTP error for this request only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHandler } from '../../driver.js';
import type { GuestResult } from '../exec/job.js';
import { buildWagiInvocation, type WagiServerInfo } from './request.js';
import { parseCgiOutput } from './response.js';
import { findRoute, type Route } from './routes.js';

export interface WagiInvocation {
  entrypoint: string;
  args: string[];
  env: string[];
  stdin: Uint8Array;
}

export interface WagiHandlerOptions {
  /** Runs one fresh instance; the driver applies limits, preopens and the runner. */
  invoke(invocation: WagiInvocation): Promise<GuestResult>;
  routes: readonly Route[];
  server: Omit<WagiServerInfo, 'route'>;
  /** Request bodies larger than this get 413. */
  maxRequestBytes: number;
  /** Called after every run, e.g. to log the guest's stderr and failures. */
  onResult?(result: GuestResult, req: IncomingMessage, status: number): void;
}

/** Response framing is the host's job: a guest cannot set these. */
const HOST_OWNED = new Set(['content-length', 'transfer-encoding', 'connection']);

const STATUS_FOR: Record<Exclude<GuestResult['outcome'], 'ok'>, number> = {
  exit: 500,
  trap: 500,
  'stdout-limit': 502,
  crashed: 502,
  timeout: 504,
  overloaded: 503,
};

function sendText(
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${message}\n`);
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    ...extra,
  });
  res.end(body);
}

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array | 'too-large' | 'aborted'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (v: Uint8Array | 'too-large' | 'aborted') => {
      if (settled) return;
      settled = true;
      resolve(v);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', () => finish('aborted'));
    req.on('close', () => finish('aborted'));
  });
}

export function createWagiHandler(options: WagiHandlerOptions): HttpHandler {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, options.maxRequestBytes);
    if (body === 'aborted') return;
    if (body === 'too-large') {
      sendText(res, 413, `request body exceeds ${options.maxRequestBytes} bytes`, { connection: 'close' });
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = findRoute(options.routes, path);
    if (!route) {
      sendText(res, 404, 'not found');
      return;
    }
    const { args, env } = buildWagiInvocation(
      {
        method: req.method ?? 'GET',
        url,
        headers: req.headers,
        httpVersion: req.httpVersion,
        remoteAddress: req.socket.remoteAddress ?? '',
        bodyLength: body.length,
      },
      { ...options.server, route: route.pattern },
    );
    const result = await options.invoke({ entrypoint: route.entrypoint, args, env, stdin: body });
    if (result.outcome !== 'ok') {
      const status = STATUS_FOR[result.outcome];
      options.onResult?.(result, req, status);
      const extra: Record<string, string> = result.outcome === 'overloaded' ? { 'retry-after': '1' } : {};
      sendText(res, status, result.message ?? result.outcome, extra);
      return;
    }
    const parsed = parseCgiOutput(result.stdout);
    if (!parsed.ok) {
      options.onResult?.({ ...result, message: parsed.message }, req, parsed.status);
      sendText(res, parsed.status, parsed.message);
      return;
    }
    options.onResult?.(result, req, parsed.response.status);
    const flat: string[] = [];
    for (const [k, v] of parsed.response.headers) if (!HOST_OWNED.has(k)) flat.push(k, v);
    flat.push('content-length', String(parsed.response.body.length));
    res.writeHead(parsed.response.status, flat);
    res.end(parsed.response.body);
  };
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug on our side: answer this request and keep serving the rest.
      sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
}
