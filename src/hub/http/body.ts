/** Reading request bodies: a size limit enforced while reading, JSON and YAML decoding. */
import type { IncomingMessage } from 'node:http';
import { parseDocument } from 'yaml';
import { EdgewiseError } from '../../api/errors.js';
import { decodeKubernetesProtobuf, KUBERNETES_PROTOBUF } from '../../api/protobuf/index.js';

/** etcd's default object size limit; larger bodies are refused while being read. */
export const DEFAULT_BODY_LIMIT = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(limit: number): EdgewiseError {
  return new EdgewiseError('EW_TOO_LARGE', `the request body is larger than the limit of ${limit} bytes`);
}

/** The media type without parameters, lower-cased: `application/json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Decodes a JSON, YAML or Kubernetes protobuf body (by Content-Type) into a value; malformed bodies are 400. */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  // kubectl's typed clients (create configmap/secret/namespace/deployment) send protobuf.
  if (type === KUBERNETES_PROTOBUF) return decodeKubernetesProtobuf(raw);
  const text = raw.toString('utf8');
  if (text.trim() === '') throw new EdgewiseError('EW_BAD_REQUEST', 'the request body is empty');
  if (type.endsWith('yaml')) return decodeYaml(text);
  if (type === '' || type.endsWith('json')) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new EdgewiseError(
        'EW_BAD_REQUEST',
        `the request body is not valid JSON: ${(err as Error).message}`,
      );
    }
  }
  throw new EdgewiseError(
    'EW_UNSUPPORTED_MEDIA_TYPE',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`,
  );
}

function decodeYaml(text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    const pos = first?.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
    throw new EdgewiseError(
      'EW_BAD_REQUEST',
      `the request body is not valid YAML${where}: ${first?.message.split('\n')[0] ?? ''}`,
    );
  }
  return doc.toJS({ maxAliasCount: 100 });
}
