/**
 * An OCI Distribution client for Wasm modules: pull (tag or digest, manifest
 * negotiation, index → platform, CNCF Wasm artifacts and scratch images), digest
 * verification of everything fetched, an on-disk content-addressed cache that
 * serves a node restarted offline, and push as a CNCF Wasm artifact.
 */
import { readFileSync } from 'node:fs';
import { EdgewiseError } from '../../api/errors.js';
import type { FetchLike } from './ca-fetch.js';
import type { Credentials, RegistryEndpoint } from './http.js';
import { RegistryHttp, registryError } from './http.js';
import { extractModule } from './layout.js';
import {
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  INDEX_TYPES,
  MANIFEST_TYPES,
  OCI_MANIFEST,
  WASM_CONFIG,
  WASM_LAYER,
} from './media-types.js';
import { formatReference, type ImageReference, parseReference } from './reference.js';
import { ContentStore, type RefRecord, sha256, verifyDigest } from './store.js';

export interface OciClientOptions {
  /** Directory of the content-addressed module cache. */
  cacheDir: string;
  /** Registries reached over plain HTTP besides loopback ones. @default [] */
  insecureRegistries?: string[];
  /** Per-registry credentials (`host[:port]` → user/password). @default {} */
  credentials?: Record<string, Credentials>;
  /**
   * Per-registry base URL, CA and preset `Authorization` (`host[:port]` → endpoint):
   * how the agent and the CLI reach the hub's module store over HTTPS with the hub's CA.
   * @default {}
   */
  endpoints?: Record<string, RegistryEndpoint>;
  /** Replaces global fetch for registries without their own CA (tests, proxies). */
  fetch?: FetchLike;
  /** Registry for references that name none. @default 'docker.io' */
  defaultRegistry?: string;
  /** Per-request timeout. @default 30000 */
  timeoutMs?: number;
  /** Largest blob accepted (a module or an image layer). @default 256 MiB */
  maxBlobBytes?: number;
}

export interface PulledModule {
  reference: string;
  /** sha256 of the module bytes: the WorkloadSpec's artifactDigest. */
  digest: string;
  /** The module file in the cache: the WorkloadSpec's artifactPath. */
  path: string;
  manifestDigest: string;
  layout: RefRecord['layout'];
  /** True when the registry was unreachable and the cached copy was used. */
  fromCache: boolean;
}

export interface PushedModule {
  reference: string;
  digest: string;
  manifestDigest: string;
}

const PLATFORM_PREFERENCE = (d: Descriptor): number => {
  const p = d.platform ?? {};
  if (p.architecture === 'wasm' || p.os?.startsWith('wasi')) return 0;
  if (!p.os) return 1;
  return 2;
};

export class OciClient {
  readonly store: ContentStore;
  private readonly http: RegistryHttp;
  private readonly defaultRegistry: string;
  private readonly maxBlobBytes: number;

  constructor(options: OciClientOptions) {
    this.store = new ContentStore(options.cacheDir);
    this.http = new RegistryHttp({
      insecureRegistries: options.insecureRegistries ?? [],
      credentials: options.credentials ?? {},
      endpoints: options.endpoints ?? {},
      ...(options.fetch && { fetch: options.fetch }),
      timeoutMs: options.timeoutMs ?? 30_000,
      userAgent: 'edgewise-oci/1',
    });
    this.defaultRegistry = options.defaultRegistry ?? 'docker.io';
    this.maxBlobBytes = options.maxBlobBytes ?? 256 * 1024 * 1024;
  }

  parse(reference: string): ImageReference {
    return parseReference(reference, this.defaultRegistry);
  }

  /**
   * Resolves `reference` to a module file on disk. A digest-pinned reference that
   * is cached never touches the network; an unreachable registry falls back to
   * the cache, and only then fails with EW_UNAVAILABLE.
   */
  async pull(reference: string, options: { offline?: boolean } = {}): Promise<PulledModule> {
    const ref = this.parse(reference);
    const cached = this.store.loadRef(ref);
    if (cached && (ref.digest || options.offline)) return this.fromRecord(cached, true);
    if (options.offline) {
      throw new EdgewiseError('EW_UNAVAILABLE', `module ${formatReference(ref)} is not in the node's cache`);
    }
    try {
      return await this.pullOnline(ref);
    } catch (err) {
      if (EdgewiseError.isCode(err, 'EW_UNAVAILABLE') && cached) return this.fromRecord(cached, true);
      throw err;
    }
  }

  private fromRecord(record: RefRecord, fromCache: boolean): PulledModule {
    return {
      reference: record.reference,
      digest: record.moduleDigest,
      path: this.store.blobPath(record.moduleDigest),
      manifestDigest: record.manifestDigest,
      layout: record.layout,
      fromCache,
    };
  }

  private async pullOnline(ref: ImageReference): Promise<PulledModule> {
    const name = formatReference(ref);
    let { manifest, digest, mediaType } = await this.getManifest(ref, ref.digest ?? (ref.tag as string));
    if (INDEX_TYPES.has(mediaType)) {
      const index = manifest as unknown as ImageIndex;
      const choice = [...(index.manifests ?? [])].sort(
        (a, b) => PLATFORM_PREFERENCE(a) - PLATFORM_PREFERENCE(b),
      )[0];
      if (!choice) throw new EdgewiseError('EW_INVALID', `${name}: image index lists no manifests`);
      ({ manifest, digest, mediaType } = await this.getManifest(ref, choice.digest));
    }
    const module = await extractModule(manifest, (d) => this.getBlob(ref, d), name);
    const moduleDigest = this.store.put(module.bytes);
    const record: RefRecord = {
      reference: name,
      manifestDigest: digest,
      moduleDigest,
      layout: module.layout,
      pulledAt: new Date().toISOString(),
    };
    this.store.saveRef(ref, record);
    return this.fromRecord(record, false);
  }

  private async getManifest(
    ref: ImageReference,
    tagOrDigest: string,
  ): Promise<{ manifest: ImageManifest; digest: string; mediaType: string }> {
    const name = `${formatReference({ ...ref, tag: undefined, digest: undefined })}:${tagOrDigest}`;
    const url = `${this.http.baseUrl(ref.registry)}/v2/${ref.repository}/manifests/${tagOrDigest}`;
    const res = await this.http.send(ref.registry, this.scope(ref, 'pull'), url, {
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    if (res.status === 404) {
      throw new EdgewiseError(
        'EW_NOT_FOUND',
        `${name} not found in ${ref.registry} (${await registryError(res)})`,
        {
          causes: [{ reason: 'ManifestUnknown', message: name }],
        },
      );
    }
    if (!res.ok)
      throw new EdgewiseError('EW_UNAVAILABLE', `${name}: registry answered ${await registryError(res)}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = sha256(bytes);
    const expected = tagOrDigest.startsWith('sha256:')
      ? tagOrDigest
      : res.headers.get('docker-content-digest');
    if (expected) verifyDigest(bytes, expected, `manifest of ${name}`);
    const manifest = JSON.parse(Buffer.from(bytes).toString('utf8')) as ImageManifest;
    const mediaType =
      (res.headers.get('content-type') ?? '').split(';')[0]?.trim() || manifest.mediaType || OCI_MANIFEST;
    return { manifest, digest, mediaType: manifest.mediaType ?? mediaType };
  }

  private async getBlob(ref: ImageReference, d: Descriptor): Promise<Uint8Array> {
    if (d.size > this.maxBlobBytes) {
      throw new EdgewiseError('EW_TOO_LARGE', `${formatReference(ref)}: blob ${d.digest} is ${d.size} bytes`);
    }
    if (this.store.has(d.digest)) {
      const local = readFileSync(this.store.blobPath(d.digest));
      if (sha256(local) === d.digest) return local;
    }
    const url = `${this.http.baseUrl(ref.registry)}/v2/${ref.repository}/blobs/${d.digest}`;
    const res = await this.http.send(ref.registry, this.scope(ref, 'pull'), url);
    if (res.status === 404) {
      throw new EdgewiseError('EW_NOT_FOUND', `${formatReference(ref)}: blob ${d.digest} not found`);
    }
    if (!res.ok) throw new EdgewiseError('EW_UNAVAILABLE', `blob ${d.digest}: ${await registryError(res)}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    verifyDigest(bytes, d.digest, `blob of ${formatReference(ref)}`);
    return bytes;
  }

  private scope(ref: ImageReference, actions: string): string {
    return `repository:${ref.repository}:${actions}`;
  }

  /** Pushes `module` as a CNCF Wasm artifact (wasm config + one application/wasm layer). */
  async push(
    reference: string,
    module: Uint8Array,
    annotations: Record<string, string> = {},
  ): Promise<PushedModule> {
    const ref = this.parse(reference);
    const digest = sha256(module);
    const config = Buffer.from(
      JSON.stringify({ architecture: 'wasm', os: 'wasip1', layerDigests: [digest] }),
    );
    const manifest: ImageManifest = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: WASM_CONFIG,
      config: { mediaType: WASM_CONFIG, digest: await this.pushBlob(ref, config), size: config.length },
      layers: [{ mediaType: WASM_LAYER, digest: await this.pushBlob(ref, module), size: module.length }],
    };
    if (Object.keys(annotations).length > 0) manifest.annotations = annotations;
    const manifestDigest = await this.pushManifest(
      ref,
      ref.tag ?? digest,
      Buffer.from(JSON.stringify(manifest)),
      OCI_MANIFEST,
    );
    return { reference: formatReference(ref), digest, manifestDigest };
  }

  /** Uploads a blob (monolithic POST-then-PUT) unless the registry already has it. */
  async pushBlob(ref: ImageReference, bytes: Uint8Array): Promise<string> {
    const digest = sha256(bytes);
    const base = this.http.baseUrl(ref.registry);
    const scope = this.scope(ref, 'pull,push');
    const head = await this.http.send(ref.registry, scope, `${base}/v2/${ref.repository}/blobs/${digest}`, {
      method: 'HEAD',
    });
    if (head.ok) return digest;
    const start = await this.http.send(ref.registry, scope, `${base}/v2/${ref.repository}/blobs/uploads/`, {
      method: 'POST',
    });
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) {
      throw new EdgewiseError(
        'EW_UNAVAILABLE',
        `cannot start upload to ${ref.registry}: ${await registryError(start)}`,
      );
    }
    await start.body?.cancel();
    const target = new URL(location, base);
    target.searchParams.set('digest', digest);
    const put = await this.http.send(ref.registry, scope, target.toString(), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201)
      throw new EdgewiseError('EW_UNAVAILABLE', `upload of ${digest} failed: ${await registryError(put)}`);
    await put.body?.cancel();
    return digest;
  }

  /** PUTs a manifest under a tag or its digest; returns the manifest digest. */
  async pushManifest(
    ref: ImageReference,
    tagOrDigest: string,
    bytes: Uint8Array,
    mediaType: string,
  ): Promise<string> {
    const url = `${this.http.baseUrl(ref.registry)}/v2/${ref.repository}/manifests/${tagOrDigest}`;
    const res = await this.http.send(ref.registry, this.scope(ref, 'pull,push'), url, {
      method: 'PUT',
      headers: { 'content-type': mediaType },
      body: bytes,
    });
    if (res.status !== 201) {
      throw new EdgewiseError(
        res.status === 400 ? 'EW_INVALID' : 'EW_UNAVAILABLE',
        `manifest PUT rejected: ${await registryError(res)}`,
      );
    }
    await res.body?.cancel();
    return sha256(bytes);
  }
}
