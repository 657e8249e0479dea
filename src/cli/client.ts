/**
 * The CLI's connection to a hub: plain HTTP(S) requests that turn `Status`
 * responses into EdgewiseErrors, and streamed responses for watch and logs.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { EdgewiseError, fromStatus, type Status } from '../api/errors.js';

export interface HubConnection {
  /** `http://127.0.0.1:6443` or `https://…`. */
  server: string;
  token?: string;
  /** PEM of the CA that signed the hub's certificate. */
  ca?: string;
  /** Skip certificate checks (testing only). */
  insecure?: boolean;
}

export interface RequestOptions {
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export interface HubResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export class HubClient {
  readonly connection: HubConnection;

  constructor(connection: HubConnection) {
    this.connection = connection;
  }

  /** Sends a request and collects the body; 4xx/5xx with a Status body throw. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<HubResponse> {
    const res = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status >= 400) throw errorFromResponse(status, body, path);
    return { status, headers: res.headers, body };
  }

  async json<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ value: T; response: HubResponse }> {
    const response = await this.request(method, path, { accept: 'application/json', ...options });
    try {
      return { value: JSON.parse(response.body) as T, response };
    } catch {
      throw new EdgewiseError(
        'EW_INTERNAL',
        `the hub sent a response that is not JSON for ${method} ${path}`,
      );
    }
  }

  /** Opens a request and returns the response stream (for watch and logs); errors are thrown before streaming. */
  async open(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const url = new URL(path, this.connection.server);
    const isHttps = url.protocol === 'https:';
    const headers: Record<string, string> = { 'User-Agent': 'edgewise-cli' };
    if (options.accept) headers.Accept = options.accept;
    if (options.contentType) headers['Content-Type'] = options.contentType;
    if (this.connection.token) headers.Authorization = `Bearer ${this.connection.token}`;
    if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
    const transport = isHttps ? https : http;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method,
          headers,
          ...(isHttps && this.connection.ca && { ca: this.connection.ca }),
          ...(isHttps && this.connection.insecure && { rejectUnauthorized: false }),
          ...(options.signal && { signal: options.signal }),
        },
        resolve,
      );
      req.once('error', (err: NodeJS.ErrnoException) => reject(this.#connectionError(err)));
      req.end(options.body);
    });
    const status = res.statusCode ?? 0;
    if (status >= 400) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw errorFromResponse(status, Buffer.concat(chunks).toString('utf8'), path);
    }
    return res;
  }

  #connectionError(err: NodeJS.ErrnoException): Error {
    if (err.name === 'AbortError') return err;
    const hint = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT'].includes(err.code ?? '')
      ? ' (is `edgewise hub` running? Point the CLI at it with --hub or EDGEWISE_HUB)'
      : '';
    return new EdgewiseError(
      'EW_UNAVAILABLE',
      `cannot reach the hub at ${this.connection.server}: ${err.message}${hint}`,
      undefined,
      {
        cause: err,
      },
    );
  }
}

const fromServer = new WeakSet<Error>();

/** True for errors the hub answered with, as opposed to local failures. */
export function isServerError(err: unknown): boolean {
  return err instanceof Error && fromServer.has(err);
}

function errorFromResponse(status: number, body: string, path: string): EdgewiseError {
  const err = statusError(status, body, path);
  fromServer.add(err);
  return err;
}

function statusError(status: number, body: string, path: string): EdgewiseError {
  try {
    const parsed = JSON.parse(body) as Status;
    if (parsed && parsed.kind === 'Status') return fromStatus(parsed);
  } catch {
    // Not a Status: describe the HTTP failure instead.
  }
  return fromStatus({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the hub answered ${status} for ${path}: ${body.slice(0, 200)}`,
    reason: '',
    code: status,
  });
}
