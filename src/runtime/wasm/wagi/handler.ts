/**
 * The WAGI executor as a node:http handler: read the body, pick the route, run a
 * fresh guest instance with the CGI environment, and turn its stdout into the
 * response. Every failure becomes an HTTP error for this request only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpHandler } from '../../driver.js';
import type { GuestResult } from '../exec/job.js';
import { CgiEnvironment, type WagiServerInfo } from './request.js';
import { readCgiHead } from './response.js';
import type { Route } from './routes.js';

export interface WagiInvocation {
  entrypoint: string;
  /** NUL-terminated strings back to back, as GuestJob takes them. */
  argv: string;
  environ: string;
  stdin: Uint8Array;
}

export interface WagiHandlerOptions {
  /** Runs one fresh instance and calls `done` once; the driver applies limits, preopens and the runner. */
  invoke(invocation: WagiInvocation, done: (result: GuestResult) => void): void;
  routes: readonly Route[];
  server: Omit<WagiServerInfo, 'route'>;
  /** Request bodies larger than this get 413. */
  maxRequestBytes: number;
  /** Called after every run, e.g. to log the guest's stderr and failures. */
  onResult?(result: GuestResult, req: IncomingMessage, status: number): void;
}

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

const NO_BODY = new Uint8Array(0);

type Body = Uint8Array | 'too-large' | 'aborted';

function readBody(req: IncomingMessage, limit: number, done: (body: Body) => void): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    done('too-large');
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (v: Body) => {
    if (settled) return;
    settled = true;
    done(v);
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
}

export function createWagiHandler(options: WagiHandlerOptions): HttpHandler {
  const routes = options.routes;
  // The parts of the CGI environment that never change are rendered once per route.
  const environments = routes.map((r) => new CgiEnvironment({ ...options.server, route: r.pattern }));

  const fail = (res: ServerResponse, err: unknown) =>
    // A bug on our side: answer this request and keep serving the rest.
    sendText(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}`);

  const respond = (req: IncomingMessage, res: ServerResponse, result: GuestResult): void => {
    if (result.outcome !== 'ok') {
      const status = STATUS_FOR[result.outcome];
      options.onResult?.(result, req, status);
      const extra: Record<string, string> = result.outcome === 'overloaded' ? { 'retry-after': '1' } : {};
      sendText(res, status, result.message ?? result.outcome, extra);
      return;
    }
    // Runners parse the CGI head where the guest ran when they can (GuestJob.cgi).
    let head = result.head;
    let body = result.stdout;
    if (!head) {
      const read = readCgiHead(result.stdout);
      head = read.head;
      body = result.stdout.subarray(read.bodyStart);
    }
    if (head.error !== undefined) {
      options.onResult?.({ ...result, message: head.error }, req, head.status);
      sendText(res, head.status, head.error);
      return;
    }
    options.onResult?.(result, req, head.status);
    res.writeHead(head.status, [...head.headers, 'content-length', String(body.length)]);
    res.end(body);
  };

  const dispatch = (req: IncomingMessage, res: ServerResponse, body: Uint8Array): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const at = routes.findIndex((r) => r.pattern.matches(path));
    const route = routes[at];
    const environment = environments[at];
    if (!route || !environment) {
      sendText(res, 404, 'not found');
      return;
    }
    const { argv, environ } = environment.build({
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      httpVersion: req.httpVersion,
      remoteAddress: req.socket.remoteAddress ?? '',
      bodyLength: body.length,
    });
    options.invoke({ entrypoint: route.entrypoint, argv, environ, stdin: body }, (result) => {
      try {
        respond(req, res, result);
      } catch (err) {
        fail(res, err);
      }
    });
  };

  return (req, res) => {
    try {
      const headers = req.headers;
      const length = headers['content-length'];
      // RFC 9112 §6.3: a request with neither header has no body; nothing to wait for.
      if ((length === undefined || length === '0') && headers['transfer-encoding'] === undefined) {
        dispatch(req, res, NO_BODY);
        return;
      }
      readBody(req, options.maxRequestBytes, (body) => {
        if (body === 'aborted') return;
        if (body === 'too-large') {
          sendText(res, 413, `request body exceeds ${options.maxRequestBytes} bytes`, {
            connection: 'close',
          });
          return;
        }
        try {
          dispatch(req, res, body);
        } catch (err) {
          fail(res, err);
        }
      });
    } catch (err) {
      fail(res, err);
    }
  };
}
