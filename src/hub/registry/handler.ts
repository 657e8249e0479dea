/**
 * The hub's module store as a minimal OCI Distribution server: blobs (monolithic
 * and chunked uploads), manifests by tag or digest, tag listing and catalog. It is
 * a plain node:http handler for `/v2/...`; the hub mounts it and adds auth.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { digestOf, RegistryStorage } from './storage.js';

export interface RegistryHandlerOptions {
  /** Directory holding blobs, manifests and tags. */
  root: string;
  /** Largest blob accepted in one upload. @default 512 MiB */
  maxBlobBytes?: number;
  /** Largest manifest accepted. @default 4 MiB */
  maxManifestBytes?: number;
}

export type RegistryHandler = ((req: IncomingMessage, res: ServerResponse) => void) & {
  storage: RegistryStorage;
};

const NAME = '([a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*)';
const ROUTES = {
  base: /^\/v2\/?$/,
  catalog: /^\/v2\/_catalog$/,
  tags: new RegExp(`^/v2/${NAME}/tags/list$`),
  manifest: new RegExp(`^/v2/${NAME}/manifests/([^/]+)$`),
  uploadStart: new RegExp(`^/v2/${NAME}/blobs/uploads/?$`),
  upload: new RegExp(`^/v2/${NAME}/blobs/uploads/([^/]+)$`),
  blob: new RegExp(`^/v2/${NAME}/blobs/([^/]+)$`),
};
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Answer first, then drop the connection (see the error path) instead of reading on.
        req.pause();
        reject(new RegistryError(413, 'SIZE_INVALID', `body larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createRegistryHandler(options: RegistryHandlerOptions): RegistryHandler {
  const storage = new RegistryStorage(options.root);
  const maxBlob = options.maxBlobBytes ?? 512 * 1024 * 1024;
  const maxManifest = options.maxManifestBytes ?? 4 * 1024 * 1024;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://registry');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    const send = (status: number, headers: Record<string, string | number>, body?: Buffer | string) => {
      res.writeHead(status, { 'docker-distribution-api-version': 'registry/2.0', ...headers });
      res.end(method === 'HEAD' ? undefined : body);
    };
    const json = (status: number, value: unknown) => {
      const body = Buffer.from(JSON.stringify(value));
      send(status, { 'content-type': 'application/json', 'content-length': body.length }, body);
    };

    if (ROUTES.base.test(p)) return json(200, {});
    if (ROUTES.catalog.test(p)) return json(200, { repositories: storage.repositories() });
    const tagsMatch = ROUTES.tags.exec(p);
    if (tagsMatch) {
      const tags = storage.tags(tagsMatch[1] as string);
      if (!tags) throw new RegistryError(404, 'NAME_UNKNOWN', `repository ${tagsMatch[1]} not known`);
      return json(200, { name: tagsMatch[1], tags });
    }
    const manifestMatch = ROUTES.manifest.exec(p);
    if (manifestMatch) {
      const [, name, reference] = manifestMatch as unknown as [string, string, string];
      if (!DIGEST.test(reference) && !TAG.test(reference))
        throw new RegistryError(400, 'TAG_INVALID', reference);
      if (method === 'GET' || method === 'HEAD') {
        const found = storage.getManifest(name, reference);
        if (!found) throw new RegistryError(404, 'MANIFEST_UNKNOWN', `manifest ${name}:${reference} unknown`);
        return send(
          200,
          {
            'content-type': found.mediaType,
            'content-length': found.body.length,
            'docker-content-digest': found.digest,
          },
          found.body,
        );
      }
      if (method === 'PUT') return putManifest(req, name, reference, (s, h) => send(s, h));
      if (method === 'DELETE') {
        if (!storage.deleteManifest(name, reference))
          throw new RegistryError(404, 'MANIFEST_UNKNOWN', reference);
        return send(202, {});
      }
    }
    const uploadStartMatch = ROUTES.uploadStart.exec(p);
    if (uploadStartMatch && method === 'POST') {
      const name = uploadStartMatch[1] as string;
      const digest = url.searchParams.get('digest');
      if (digest) {
        const body = await readBody(req, maxBlob);
        if (digestOf(body) !== digest)
          throw new RegistryError(400, 'DIGEST_INVALID', 'body does not match digest');
        storage.putBlob(body);
        return send(201, {
          location: `/v2/${name}/blobs/${digest}`,
          'docker-content-digest': digest,
          'content-length': 0,
        });
      }
      const id = storage.startUpload();
      return send(202, {
        location: `/v2/${name}/blobs/uploads/${id}`,
        'docker-upload-uuid': id,
        range: '0-0',
        'content-length': 0,
      });
    }
    const uploadMatch = ROUTES.upload.exec(p);
    if (uploadMatch) {
      const [, name, id] = uploadMatch as unknown as [string, string, string];
      if (!storage.hasUpload(id)) throw new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} unknown`);
      const location = `/v2/${name}/blobs/uploads/${id}`;
      if (method === 'PATCH' || method === 'PUT') {
        const size = storage.appendUpload(id, await readBody(req, maxBlob));
        if (size > maxBlob) throw new RegistryError(413, 'SIZE_INVALID', `blob larger than ${maxBlob} bytes`);
        if (method === 'PATCH') {
          return send(202, {
            location,
            'docker-upload-uuid': id,
            range: `0-${Math.max(0, size - 1)}`,
            'content-length': 0,
          });
        }
        const digest = url.searchParams.get('digest') ?? '';
        if (!DIGEST.test(digest))
          throw new RegistryError(400, 'DIGEST_INVALID', `digest "${digest}" is not sha256`);
        if (!storage.finishUpload(id, digest))
          throw new RegistryError(400, 'DIGEST_INVALID', 'content does not match digest');
        return send(201, {
          location: `/v2/${name}/blobs/${digest}`,
          'docker-content-digest': digest,
          'content-length': 0,
        });
      }
      if (method === 'GET')
        return send(204, {
          location,
          range: `0-${Math.max(0, storage.appendUpload(id, new Uint8Array(0)) - 1)}`,
        });
      if (method === 'DELETE') {
        storage.cancelUpload(id);
        return send(204, {});
      }
    }
    const blobMatch = ROUTES.blob.exec(p);
    if (blobMatch && (method === 'GET' || method === 'HEAD')) {
      const digest = blobMatch[2] as string;
      if (!DIGEST.test(digest))
        throw new RegistryError(400, 'DIGEST_INVALID', `digest "${digest}" is not sha256`);
      if (!storage.hasBlob(digest)) throw new RegistryError(404, 'BLOB_UNKNOWN', `blob ${digest} unknown`);
      const headers = {
        'content-type': 'application/octet-stream',
        'content-length': storage.blobSize(digest),
        'docker-content-digest': digest,
      };
      return send(200, headers, method === 'HEAD' ? undefined : storage.readBlob(digest));
    }
    if (Object.values(ROUTES).some((r) => r.test(p)))
      throw new RegistryError(405, 'UNSUPPORTED', `${method} not supported`);
    throw new RegistryError(404, 'NAME_UNKNOWN', `no such path ${p}`);
  }

  async function putManifest(
    req: IncomingMessage,
    name: string,
    reference: string,
    send: (status: number, headers: Record<string, string | number>) => void,
  ): Promise<void> {
    const body = await readBody(req, maxManifest);
    let parsed: {
      mediaType?: string;
      config?: { digest?: string };
      layers?: Array<{ digest?: string }>;
      manifests?: Array<{ digest?: string }>;
    };
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new RegistryError(400, 'MANIFEST_INVALID', 'manifest is not JSON');
    }
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim() || parsed.mediaType || '';
    if (!MANIFEST_TYPES.has(mediaType))
      throw new RegistryError(400, 'MANIFEST_INVALID', `media type "${mediaType}" not accepted`);
    const digest = digestOf(body);
    if (DIGEST.test(reference) && reference !== digest)
      throw new RegistryError(400, 'DIGEST_INVALID', 'manifest does not match digest');
    if (parsed.manifests) {
      for (const child of parsed.manifests) {
        if (!child.digest || !storage.getManifest(name, child.digest)) {
          throw new RegistryError(
            400,
            'MANIFEST_UNKNOWN',
            `index refers to unknown manifest ${child.digest}`,
          );
        }
      }
    } else {
      for (const d of [parsed.config, ...(parsed.layers ?? [])]) {
        if (!d?.digest || !storage.hasBlob(d.digest)) {
          throw new RegistryError(
            400,
            'MANIFEST_BLOB_UNKNOWN',
            `manifest refers to unknown blob ${d?.digest}`,
          );
        }
      }
    }
    storage.putManifest(name, body, mediaType, DIGEST.test(reference) ? undefined : reference);
    send(201, {
      location: `/v2/${name}/manifests/${digest}`,
      'docker-content-digest': digest,
      'content-length': 0,
    });
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((err: unknown) => {
      const e =
        err instanceof RegistryError ? err : new RegistryError(500, 'UNKNOWN', (err as Error).message);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = Buffer.from(
        JSON.stringify({ errors: [{ code: e.code, message: e.message, detail: null }] }),
      );
      const close = e.status === 413 ? { connection: 'close' } : {};
      res.writeHead(e.status, {
        'content-type': 'application/json',
        'content-length': body.length,
        ...close,
      });
      res.end(req.method === 'HEAD' ? undefined : body, () => {
        if (e.status === 413) req.destroy();
      });
    });
  }) as RegistryHandler;
  handler.storage = storage;
  return handler;
}
