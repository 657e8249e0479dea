/** Small helpers for the local API handlers: bounded JSON bodies and JSON answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EdgewiseError } from '../../api/errors.js';

/** Reads a request body up to `limit` bytes; larger bodies are refused with EW_TOO_LARGE. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new EdgewiseError('EW_TOO_LARGE', `the body is larger than ${limit} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(JSON.stringify(value));
}

export function methodNotAllowed(req: IncomingMessage, allowed: string): EdgewiseError {
  return new EdgewiseError(
    'EW_METHOD_NOT_ALLOWED',
    `${req.method ?? ''} is not allowed here; use ${allowed}`,
  );
}
