/**
 * OPA's Data API as a mountable Node handler, so existing OPA clients work
 * against an Edgewise agent: `POST /v1/data/{path}` with `{"input": ...}` and
 * `GET /v1/data/{path}` (input in `?input=` as JSON) answer `{"result": ...}`,
 * leaving out `result` when the document is undefined. Errors use OPA's
 * `{"code": ..., "message": ...}` with 400 for bad requests and 500 for
 * evaluation errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegoError } from './errors.js';
import type { BudgetOptions } from './eval/ctx.js';
import type { CompiledPolicy, EvalOptions } from './policy.js';
import { toJSONText } from './value/json.js';

export interface DataApiOptions {
  /** Path prefix the handler is mounted under. @default '/v1/data' */
  prefix?: string;
  /** Base data for every evaluation (JSON or prepared with prepareData). @default none */
  data?: () => EvalOptions['data'];
  /** Step/time budget of each evaluation. @default the engine's defaults */
  budget?: BudgetOptions;
  /** Largest request body accepted. @default 8 MiB */
  maxBodyBytes?: number;
  /** Receives print() output of policies. @default discarded */
  print?: (msg: string) => void;
}

/** An error in OPA's REST shape: an HTTP status and one of OPA's codes. */
export class OpaApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(body);
}

/** Answers with OPA's error body `{"code", "message"}`. */
export function sendOpaError(res: ServerResponse, e: OpaApiError): void {
  send(res, e.status, JSON.stringify({ code: e.code, message: e.message }));
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new OpaApiError(413, 'invalid_parameter', `request body exceeds ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJSON(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new OpaApiError(400, 'invalid_parameter', `${what}: ${(e as Error).message}`);
  }
}

/**
 * Reads an OPA Data API request: the document path under `prefix` and the input
 * (POST body `{"input": …}`, or `?input=` JSON on GET). Throws OpaApiError for
 * malformed requests, as OPA answers them.
 */
export async function readDataRequest(
  req: IncomingMessage,
  url: URL,
  prefix: string,
  limit: number,
): Promise<{ path: string[]; input: unknown }> {
  const rest = url.pathname.slice(prefix.length).replace(/^\/+|\/+$/g, '');
  let path: string[];
  try {
    path = rest === '' ? [] : rest.split('/').map((s) => decodeURIComponent(s));
  } catch {
    throw new OpaApiError(400, 'invalid_parameter', `path is not valid percent-encoding: ${rest}`);
  }
  let input: unknown;
  if (req.method === 'POST') {
    const text = await readBody(req, limit);
    if (text.trim() !== '') {
      const body = parseJSON(text, 'body contains malformed input document');
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new OpaApiError(400, 'invalid_parameter', 'body must be an object with an "input" member');
      }
      input = (body as Record<string, unknown>).input;
    }
  } else {
    const q = url.searchParams.get('input');
    if (q !== null) input = parseJSON(q, 'input parameter is not JSON');
  }
  return { path, input };
}

/** Maps an engine error to OPA's response codes. */
function apiError(e: unknown): OpaApiError {
  if (RegoError.isRegoError(e)) {
    if (e.regoCode.startsWith('rego_')) return new OpaApiError(400, 'invalid_parameter', e.message);
    return new OpaApiError(500, 'internal_error', e.message);
  }
  if (e instanceof OpaApiError) return e;
  return new OpaApiError(500, 'internal_error', e instanceof Error ? e.message : String(e));
}

/**
 * A request handler for OPA's Data API over the policy getPolicy returns
 * (called per request, so the caller can swap policies without remounting).
 */
export function createDataApiHandler(
  getPolicy: () => CompiledPolicy,
  options: DataApiOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const prefix = (options.prefix ?? '/v1/data').replace(/\/$/, '');
  const limit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`)) {
      throw new OpaApiError(404, 'resource_not_found', `no such path: ${url.pathname}`);
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      throw new OpaApiError(405, 'method_not_allowed', `method ${req.method} not allowed`);
    }
    const { path, input } = await readDataRequest(req, url, prefix, limit);
    const opts: EvalOptions = {
      strictBuiltinErrors: url.searchParams.has('strict-builtin-errors'),
      bigint: true,
    };
    if (input !== undefined) opts.input = input;
    const data = options.data?.();
    if (data !== undefined) opts.data = data;
    if (options.budget) opts.budget = options.budget;
    if (options.print) opts.print = options.print;
    const result = getPolicy().evalPath(path, opts);
    const pretty = url.searchParams.has('pretty') ? 2 : 0;
    send(res, 200, result === undefined ? '{}' : `{"result":${toJSONText(result, pretty)}}`);
  };
  return (req, res) => {
    handle(req, res).catch((e: unknown) => sendOpaError(res, apiError(e)));
  };
}
