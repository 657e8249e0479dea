/** Writing responses: content negotiation, Status errors, Warning headers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { type Status, toStatus } from '../../api/errors.js';

export type ResponseFormat = 'json' | 'yaml' | 'table';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim());
    const parsed: Record<string, string> = {};
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq > 0) parsed[p.slice(0, eq).toLowerCase()] = p.slice(eq + 1);
    }
    return { type: type.toLowerCase(), params: parsed };
  });
}

/**
 * Picks the response format from Accept. A Table is produced only when the client
 * asks for `as=Table` in meta.k8s.io (kubectl does for `get`).
 */
export function negotiate(req: IncomingMessage, tableAllowed: boolean): ResponseFormat {
  for (const range of parseAccept(req.headers.accept)) {
    if (range.params.as === 'Table') {
      if (
        tableAllowed &&
        range.params.g === 'meta.k8s.io' &&
        (range.params.v === 'v1' || range.params.v === 'v1beta1')
      ) {
        return 'table';
      }
      continue;
    }
    if (range.params.as) continue; // other transforms (PartialObjectMetadata) fall through to full objects
    if (range.type === 'application/yaml' || range.type === 'application/x-yaml') return 'yaml';
    if (range.type === 'application/json' || range.type === '*/*' || range.type === 'application/*')
      return 'json';
  }
  return 'json';
}

/** Warnings travel as `Warning: 299 - "text"`, the header kubectl prints. */
export function setWarnings(res: ServerResponse, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  res.setHeader(
    'Warning',
    warnings.map((w) => `299 - "${w.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`),
  );
}

export function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  format: ResponseFormat = 'json',
): void {
  const yaml = format === 'yaml';
  const payload = yaml ? stringify(body) : JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', yaml ? 'application/yaml' : 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(payload));
  res.end(payload);
}

export function sendError(res: ServerResponse, err: unknown): Status {
  const status = toStatus(err);
  if (res.headersSent) {
    res.destroy();
    return status;
  }
  send(res, status.code, status);
  return status;
}

export function sendSuccessStatus(res: ServerResponse, details: Status['details']): void {
  send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
}
